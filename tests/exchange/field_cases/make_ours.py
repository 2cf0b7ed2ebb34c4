"""Writes the `ours-*` files beside the field cases: for each kind of fault, a second file of
the same kind made by us, so the tests hold for the kind and not only for the one file.

Run from the repository: `.venv/bin/python tests/exchange/field_cases/make_ours.py`. The
files are committed; this script says how they were made. The .xlsx files are written as raw
XML (as WPS, Hancom Cell or a generator would), since openpyxl always writes a true range.
"""

from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
# style 0 plain, 1 date (yyyy-mm-dd), 2 percent 0.0%, 3 bold, 4 date and time, 5 percent 0.00%
STYLES = f"""<styleSheet xmlns="{MAIN}"><numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>
<numFmt numFmtId="165" formatCode="0.0%"/><numFmt numFmtId="166" formatCode="yyyy-mm-dd hh:mm"/></numFmts>
<fonts count="2"><font><sz val="11"/></font><font><b val="1"/></font></fonts><fills count="1"><fill><patternFill/></fill></fills>
<borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>
<cellXfs count="6"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="0" fontId="1"/>
<xf numFmtId="166"/><xf numFmtId="10"/></cellXfs></styleSheet>"""


def cell(ref: str, value=None, style: int | None = None, formula: str | None = None) -> str:
    s = f' s="{style}"' if style is not None else ""
    f = f"<f>{escape(formula)}</f>" if formula else ""
    if isinstance(value, str):
        if formula:
            return f'<c r="{ref}"{s} t="str">{f}<v>{escape(value)}</v></c>'
        return f'<c r="{ref}"{s} t="inlineStr"><is><t>{escape(value)}</t></is></c>'
    if value is None:
        return f'<c r="{ref}"{s}>{f}</c>'
    return f'<c r="{ref}"{s}>{f}<v>{value}</v></c>'


def row(number: int, *cells: str) -> str:
    return f'<row r="{number}">{"".join(cells)}</row>'


def sheet_xml(rows: list[str], dimension: str) -> str:
    return (f'<worksheet xmlns="{MAIN}"><dimension ref="{dimension}"/><sheetData>'
            f'{"".join(rows)}</sheetData></worksheet>')  # fmt: skip


def header(names: list[str], number: int = 1) -> str:
    return row(number, *(cell(f"{chr(65 + i)}{number}", n) for i, n in enumerate(names)))


def write_xlsx(name: str, sheets: list[tuple[str, str, str]], active: int = 0) -> None:
    """sheets: (name, state, sheet XML)."""
    with zipfile.ZipFile(HERE / name, "w", zipfile.ZIP_DEFLATED) as z:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(sheets) + 1))  # fmt: skip
        z.writestr("[Content_Types].xml", (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>"))  # fmt: skip
        z.writestr("_rels/.rels", f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type='
                   f'"{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')  # fmt: skip
        tabs = "".join(f'<sheet name="{n}" sheetId="{i}" state="{st}" r:id="rId{i}"/>'
                       for i, (n, st, _x) in enumerate(sheets, start=1))  # fmt: skip
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><bookViews>'
                   f'<workbookView activeTab="{active}"/></bookViews><sheets>{tabs}</sheets>'
                   "</workbook>")  # fmt: skip
        rels = "".join(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/'
                       f'sheet{i}.xml"/>' for i in range(1, len(sheets) + 1))  # fmt: skip
        rels += f'<Relationship Id="rIdS" Type="{REL}/styles" Target="styles.xml"/>'
        z.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{PKG}">{rels}</Relationships>')
        z.writestr("xl/styles.xml", STYLES)
        for i, (_n, _st, xml) in enumerate(sheets, start=1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", xml)


COLS = ["kind", "material", "tonnes_per_month", "moisture_pct", "steadiness", "available_from",
        "available_until", "max_moisture_pct", "purity_pct", "description"]  # fmt: skip


def offer(n: int, material: str, tonnes, *extra: str) -> str:
    return row(n, cell(f"A{n}", "offer"), cell(f"B{n}", material), cell(f"C{n}", tonnes), *extra)


def main() -> None:
    # a declared range smaller than the data (B2, as some generators write), three rows
    write_xlsx("ours-dimension-B2.xlsx", [("listings", "visible", sheet_xml(
        [header(COLS), offer(2, "fgd-gypsum", 10), offer(3, "coal-fly-ash", 20),
         offer(4, "steel-slag", 30)], "B2"))])  # fmt: skip
    # empty styled cells on many rows and at the last row, in several columns
    styled = [cell(f"H{n}", None, 3) for n in range(4, 3000)]
    write_xlsx("ours-styled-rows.xlsx", [("listings", "visible", sheet_xml(
        [header(COLS), offer(2, "fgd-gypsum", 10), offer(3, "coal-fly-ash", 20),
         *(row(n, c) for n, c in zip(range(4, 3000), styled, strict=True)),
         row(1048576, cell("A1048576", None, 3), cell("XFD1048576", None, 3))],
        "A1:XFD1048576"))])  # fmt: skip
    # each data row padded with a styled empty cell at the last column
    write_xlsx("ours-styled-XFD-each-row.xlsx", [("listings", "visible", sheet_xml(
        [header(COLS), offer(2, "fgd-gypsum", 10, cell("XFD2", None, 3)),
         offer(3, "coal-fly-ash", 20, cell("XFD3", None, 3))], "A1:XFD1048576"))])  # fmt: skip
    # a text formula without its value; a formula with its value kept; 0.0% and 0.00% cells
    write_xlsx("ours-formulas-and-percent.xlsx", [("listings", "visible", sheet_xml([
        header(COLS),
        row(2, cell("A2", "offer"), cell("B2", None, None, 'CONCAT("fgd","-gypsum")'),
            cell("C2", 10)),
        row(3, cell("A3", "offer"), cell("B3", "coal-fly-ash"), cell("C3", 120, None, "100+20"),
            cell("D3", 0.125, 2)),
        row(4, cell("A4", "want"), cell("B4", "fgd-gypsum"), cell("C4", 50),
            cell("H4", 0.1, 2), cell("I4", 0.9512, 5)),
    ], "A1:I4"))])  # fmt: skip
    # dates: cells (one with a time), Korean text forms, in both columns
    write_xlsx("ours-dates.xlsx", [("listings", "visible", sheet_xml([
        header(COLS),
        row(2, cell("A2", "offer"), cell("B2", "fgd-gypsum"), cell("C2", 10),
            cell("E2", "one-off"), cell("F2", 46357.5, 4), cell("G2", "2026. 12. 31.")),
        row(3, cell("A3", "offer"), cell("B3", "fgd-gypsum"), cell("C3", 11),
            cell("E3", "일회성"), cell("F3", "2026년 12월 1일"), cell("G3", 46387, 1)),
        row(4, cell("A4", "offer"), cell("B4", "fgd-gypsum"), cell("C4", 10),
            cell("E4", "one-off"), cell("F4", "2026.12.01"), cell("G4", "2027-01-31")),
    ], "A1:G4"))])  # fmt: skip
    # a visible notes sheet first and active, a hidden code sheet, the listings third
    write_xlsx("ours-notes-sheet-first.xlsx", [
        ("안내", "visible", sheet_xml([row(1, cell("A1", "작성 요령: 한 행에 한 건"))], "A1")),
        ("코드표", "hidden", sheet_xml([header(["code", "name"]), row(2, cell("A2", "51-01"))],
                                       "A1:B2")),
        ("listings", "visible", sheet_xml([header(COLS), offer(2, "fgd-gypsum", 10),
                                           offer(3, "steel-slag", 5)], "A1:J3")),
    ], active=0)  # fmt: skip
    # a CP949 text that is valid UTF-8 too (lead bytes C2-C8, trail bytes A1-BF), and a long one
    short = ("kind,material,tonnes_per_month,description\r\noffer,fgd-gypsum,10,활탄\r\n"
             "offer,steel-slag,5,황\r\n")  # fmt: skip
    assert short.encode("cp949").decode("utf-8")
    (HERE / "ours-cp949-short.csv").write_bytes(short.encode("cp949"))
    long = "kind,material,tonnes_per_month,description\r\n" + "".join(
        f"offer,fgd-gypsum,{10 + i},탈황석고 {i}번 라인, 건조 후 출하\r\n".replace(", 건조", " 건조")
        for i in range(20))  # fmt: skip
    (HERE / "ours-cp949-long.csv").write_bytes(long.encode("cp949"))

    texts = {
        # decimal commas in other columns and a two-digit group; a point decimal stays right
        "ours-decimal-comma.csv": "kind,material,tonnes_per_month,max_km,max_moisture_pct\r\n"
        'want,fgd-gypsum,"0,5",50,12\r\nwant,fgd-gypsum,"1,20",50,12\r\n'
        'want,fgd-gypsum,10,"12,5","8,25"\r\nwant,coal-fly-ash,0.5,50,12\r\n',
        # thousands in other columns, with units: 1,200 t, 500 kg, 2,500.75 톤
        "ours-thousands-ok.csv": "kind,material,tonnes_per_month,disposal_cost_krw_per_t\r\n"
        'offer,fgd-gypsum,"1,200 t","1,250,000"\r\noffer,coal-fly-ash,500 kg,"45,000"\r\n'
        'offer,steel-slag,"2,500.75톤",0\r\n',
        # full-width kind, date and percent; other non-finite spellings
        "ours-fullwidth.csv": "kind,material,tonnes_per_month,moisture_pct,steadiness,"
        "available_from,available_until\r\n"
        "ｏｆｆｅｒ,ｆｇｄ－ｇｙｐｓｕｍ,３０,１２．５％,one-off,２０２６－１２－０１,２０２６．１２．３１\r\n"
        "offer,fgd-gypsum,Infinity,,,,\r\noffer,fgd-gypsum,-inf,,,,\r\n"
        "offer,fgd-gypsum,1e999,,,,\r\n",
        # an alias and a Korean label in NFD, a description in NFD
        "ours-nfd.csv": "\ufeffkind,material,tonnes_per_month,steadiness,description\r\n"
        + unicodedata.normalize("NFD", "제공,폐골판지,12,연속 발생,골판지 묶음 상차\r\n"),
    }
    for name, text in texts.items():
        (HERE / name).write_bytes(text.encode("utf-8"))
    # formula starts behind other blanks, a tab and a CR, and plain text that must stay
    (HERE / "ours-csv-injection.csv").write_bytes(
        "a,b\r\nem-space,\u2003=1+1\r\ntab,\t=1+1\r\ncr,\"\r=1+1\"\r\nplus, +1+1\r\n"
        "minus,-A1\r\nnumber,-12.5\r\ntext,a=b\r\n".encode()
    )  # fmt: skip

    allbaro()


ALLBARO = ["번호", "인계번호", "인계일자", "확정여부", "폐기물종류(성상)", "구분", "위탁량", "단위",
           "운반자명", "차량번호", "처리자명", "처리방법", "처리장소", "인계자명", "공동배출자여부",
           "입력구분", "진행상태", "운반IP동일", "처리IP동일", "예외사유"]  # fmt: skip


def allbaro() -> None:
    """Allbaro transfer-slip exports of an invented plating works, built from the columns the
    issue lists (firms and numbers invented): January to March as CSV, then April as .xlsx."""
    recycle, burn = "(2010)중간가공폐기물 제조(재)(위탁)", "(1110)소각(위탁)"
    slips = [  # date, confirmed, waste, amount, unit, receiver, method
        ("2026-01-08", "확정", "폐수처리오니(고상)", "12,000", "kg", "한빛자원(주)", recycle),
        ("2026-01-22", "확정", "폐수처리오니(고상)", "10.5", "ton", "한빛자원(주)", recycle),
        ("2026-02-12", "확정", "폐수처리오니(고상)", "11,500", "kg", "한빛자원(주)", recycle),
        ("2026-03-05", "미확정", "폐수처리오니(고상)", "12", "ton", "Factory B", recycle),
        ("2026-01-15", "확정", "폐유기용제(액상)", "800", "kg", "청정소각(주)", burn),
        ("2026-03-15", "확정", "폐유기용제(액상)", "1,000", "kg", "청정소각(주)", burn),
    ]  # fmt: skip
    lines = [",".join(ALLBARO)]
    for i, (day, ok, waste, amount, unit, receiver, method) in enumerate(slips, start=1):
        cells = [str(i), f"2026{i:08d}", day, ok, waste, "사업장일반", amount, unit, "빠른운수",
                 "12가3456", receiver, method, "경기도 시흥시", "김담당", "N", "웹", "처리완료",
                 "Y", "Y", ""]  # fmt: skip
        lines.append(",".join(f'"{c}"' if "," in c else c for c in cells))
    (HERE / "ours-allbaro-2026-q1.csv").write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n")
                                                   .encode("utf-8"))  # fmt: skip
    rows = [header(ALLBARO)]
    april = [("2026-04-09", "확정", "폐수처리오니(고상)", 15000, "kg", "한빛자원(주)", recycle),
             ("2026-04-20", "확정", "폐수처리오니(고상)", 15, "ton", "한빛자원(주)", recycle)]
    for n, (day, ok, waste, amount, unit, receiver, method) in enumerate(april, start=2):
        values = [n - 1, f"20260400{n}", day, ok, waste, "사업장일반", amount, unit, "빠른운수",
                  "12가3456", receiver, method, "경기도 시흥시", "김담당", "N", "웹", "처리완료"]
        rows.append(row(n, *(cell(f"{chr(65 + i)}{n}", v) for i, v in enumerate(values))))
    write_xlsx("ours-allbaro-2026-04.xlsx", [("인계서 목록", "visible", sheet_xml(rows, "A1"))])


if __name__ == "__main__":
    main()
