"""The material catalogue: Korean waste codes as Allbaro prints them, code search in every
spelling, lists in the reader's order, and emission factors by end-of-life route."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from sqlmodel import select

from exchange import catalogue

ROOT = Path(__file__).resolve().parents[2]

# Allbaro's classification numbers and names, copied from the project's domain notes (research
# of 2026-11-29, tables A.1 and A.2: Allbaro Open-API interface definition v1.9.1, code version
# 2020-06-12). Every code a material carries must be here, with this exact name; 51xxxx is
# 사업장일반폐기물 (general), 01xxxx-10xxxx 지정폐기물 (designated).
ALLBARO = {
    "510105": "펄프ㆍ제지공정오니",
    "510107": "펄프ㆍ제지폐수처리오니",
    "510108": "그 밖의 폐수처리오니",
    "510201": "폐수처리오니",
    "510301": "폐합성수지류(폐염화비닐수지류는 제외한다)",
    "510401": "고로슬래그",
    "510402": "제강슬래그",
    "510403": "비철금속제련공정광재",
    "510499": "그 밖의 광재류",
    "510501": "제철공정분진",
    "510503": "발전시설분진",
    "510601": "점토점결폐주물사",
    "510602": "화학점결폐주물사",
    "510701": "폐내화물",
    "510801": "생활폐기물 소각시설 비산재",
    "510802": "사업장폐기물 소각시설 비산재",
    "510803": "생활폐기물 소각시설 바닥재",
    "510804": "사업장폐기물 소각시설 바닥재",
    "511001": "금속성폐촉매",
    "511201": "폐석고",
    "511303": "석탄재",
    "511501": "자동차 폐타이어",
    "511502": "그 밖의 폐타이어",
    "511722": "맥주박",
    "511799": "그 밖의 동ㆍ식물성잔재물",
    "512006": "폐가구류, 폐도장목, 폐목재포장재, 폐전선드럼(원목상태의 깨끗한 목재를 말한다)",
    "512007": "폐가구류, 폐도장목, 폐목재포장재, 폐전선드럼(접착제, 페인트, 기름, 콘크리트 등의 "
    "물질이 사용된 목재를 말한다)",
    "512201": "폐콘크리트",
    "512701": "폐천연섬유",
    "512702": "폐합성섬유",
    "512802": "폐종이류",
    "512901": "고철",
    "512902": "비철금속",
    "512999": "그 밖의 폐금속류",
    "513001": "폐유리",
    "513801": "음식물류폐기물",
    "010201": "폐수처리오니",
    "010203": "제지공정오니",
    "020101": "폐염산",
    "020198": "폐황산(폐황산이 포함된 2차폐축전지를 제외한다)",
    "020201": "폐가성소다수",
    "020203": "폐수산화나트륨(고상)",
    "020299": "그 밖의 폐알칼리",
    "030101": "알루미늄제조공정광재",
    "030102": "납 열처리ㆍ야금(冶金)공정광재",
    "030103": "아연열처리공정광재",
    "030104": "철제조공정광재(철광원석의 사용으로 인한 고로슬래그는 제외한다)",
    "030199": "그 밖의 광재",
    "030200": "분진",
    "030301": "점토점결폐주물사",
    "030302": "화학점결폐주물사",
    "030401": "폐내화물",
    "030501": "생활폐기물 소각시설 비산재",
    "030502": "사업장폐기물 소각시설 비산재",
    "030503": "생활폐기물 소각시설 바닥재",
    "030504": "사업장폐기물 소각시설 바닥재",
    "030701": "금속성폐촉매",
    "040100": "할로겐족 폐유기용제",
    "040200": "그 밖의 폐유기용제",
    "060101": "폐윤활유(「자원의 절약과 재활용촉진에 관한 법률 시행령」 제18조에 따른 재활용의무 "
    "대상 제품ㆍ포장재인 기어유 및 내연기관용 윤활유를 말한다)",
    "060103": "폐기계유ㆍ폐작동유(공업용 기계유ㆍ냉동기유ㆍ터어빈유ㆍ베어링윤활유ㆍ압축기유ㆍ"
    "유압작동유ㆍ열매체유 및 프로세스유 등을 말한다)",
}
# The old dashed numbers the domain notes map to new ones (Allbaro prints them with "(구)").
OLD_TO_NEW = {
    "01-02-01": {"010201"},
    "02-01-01": {"020101"},
    "02-01-02": {"020198"},
    "02-02-00": {"020201", "020203", "020299"},
    "03-01-04": {"030104", "030199"},
    "03-02-00": {"030200"},
    "03-03-01": {"030301", "030302"},
    "03-04-01": {"030401"},
    "03-05-01": {"030501"},
    "03-05-02": {"030502"},
    "03-05-03": {"030503"},
    "03-05-04": {"030504"},
    "51-01-01": {"510107", "510108"},
    "51-03-01": {"510301"},
}
STATES = {"고상", "액상", "액상고상", "기타"}  # Allbaro's 성상 codes


def test_every_material_carries_its_allbaro_codes_names_states_and_kind():
    cat = catalogue.load()
    assert len(cat.materials) == 36
    for m in cat.materials.values():
        assert m.korean, m.key
        for c in m.korean:
            assert re.fullmatch(r"\d{6}", c.code), (m.key, c.code)
            assert c.name == ALLBARO[c.code], (m.key, c.code, c.name)
            assert c.kind == ("general" if c.code.startswith("51") else "designated"), (m.key, c)
            assert c.states and set(c.states) <= STATES, (m.key, c)
            for old in c.old:
                assert c.code in OLD_TO_NEW[old], (m.key, c.code, old)
    # both kinds are there: the general 51 codes most park by-products carry, and designated
    kinds = {c.kind for m in cat.materials.values() for c in m.korean}
    assert kinds == {"general", "designated"}
    assert [c.code for c in cat.get("fgd-gypsum").korean] == ["511201"]
    assert [c.code for c in cat.get("spent-solvent").korean] == ["040200", "040100"]
    assert cat.get("steel-slag").kr == ("510402", "030104", "03-01-04")


def test_hazardous_materials_list_a_designated_code_first():
    """A material hazardous as a rule is filed, by default, as designated waste."""
    for m in catalogue.load().materials.values():
        if m.hazardous:
            assert m.korean[0].kind == "designated", m.key


@pytest.mark.parametrize(
    ("query", "key"),
    [("14 06 03*", "spent-solvent"), ("140603*", "spent-solvent"), ("14.06.03", "spent-solvent"),
     ("14 06 03", "spent-solvent"), ("14-06-03", "spent-solvent"), ("10.01.05", "fgd-gypsum"),
     ("10 01 05", "fgd-gypsum"), ("100105", "fgd-gypsum"), ("511201", "fgd-gypsum"),
     ("51-12-01", "fgd-gypsum"), ("51.12.01", "fgd-gypsum"), ("510301", "mixed-plastic"),
     ("51-03-01", "mixed-plastic"), ("(구)51-03-01", "waste-plastic-pp"), ("040200", "spent-solvent"),
     ("01-02-01", "plating-sludge"), ("０２０１０１", "waste-hydrochloric-acid"),
     ("폐석고", "fgd-gypsum"), ("폐합성수지류", "pet"), ("그 밖의 폐유기용제", "spent-solvent")],
)  # fmt: skip
def test_search_finds_a_code_however_it_is_written(query, key):
    assert key in [m.key for m in catalogue.load().search(query)]


def test_a_code_search_finds_only_what_carries_the_code():
    cat = catalogue.load()
    assert [m.key for m in cat.search("14 06 03*")] == ["spent-solvent"]
    assert [m.key for m in cat.search("51-03-01", "en")] == [
        "mixed-plastic", "pet", "waste-plastic-pe", "waste-plastic-pp"]  # fmt: skip
    # a word is not a code: "slag" finds by name, not every code
    assert [m.key for m in cat.search("slag")] == [
        "blast-furnace-slag", "foundry-furnace-slag", "steel-slag"]  # fmt: skip
    assert [e["code"] for e in cat.search_waste_codes("14.06.03*")] == ["14 06 03"]


def test_lists_sort_in_the_readers_order():
    cat = catalogue.load()
    korean = [m.ko for m in cat.search("", "ko")]
    # 가나다: NFC Hangul by code point (a decomposed name would sort apart)
    assert korean == sorted(unicodedata.normalize("NFC", k) for k in korean)
    assert korean[:4] == ["고로슬래그", "고철(철스크랩)", "도금슬러지", "동스크랩(폐동)"]
    assert korean[-2:] == ["폐황산", "혼합 폐플라스틱"]
    english = [m.en for m in cat.search("", "en")]
    assert english[:3] == ["Aluminium scrap", "Blast-furnace slag", "Bottom ash"]
    assert english == sorted(english, key=str.casefold)
    assert [m.ko for m in cat.search("슬래그", "ko")] == ["고로슬래그", "제강슬래그", "주물 용해 슬래그"]


def test_an_allbaro_name_and_state_find_the_material():
    cat = catalogue.load()
    plastics = cat.by_allbaro("폐합성수지류(폐염화비닐수지류는 제외한다)", "고상")
    assert [m.key for m in plastics] == ["waste-plastic-pp", "waste-plastic-pe", "pet", "mixed-plastic"]
    assert [m.key for m in cat.by_allbaro("그 밖의 폐유기용제", "액상")] == ["spent-solvent"]
    assert cat.by_allbaro("그 밖의 폐유기용제", "고상") == []  # a solvent is not solid
    assert [m.key for m in cat.by_allbaro("폐석고")] == ["fgd-gypsum"]
    # spaces as an export may lose them, a decomposed (NFD) name, a number old or new
    assert [m.key for m in cat.by_allbaro("폐 석 고")] == ["fgd-gypsum"]
    assert [m.key for m in cat.by_allbaro(unicodedata.normalize("NFD", "폐석고"))] == ["fgd-gypsum"]
    assert [m.key for m in cat.by_allbaro("(구)02-01-02")] == ["waste-sulphuric-acid"]
    assert [m.key for m in cat.by_allbaro("020198", "액상")] == ["waste-sulphuric-acid"]
    assert cat.by_allbaro("폐기물 아님") == []


def test_factor_of_each_route_as_worked_by_hand():
    """Worked by hand from the sources' defaults. IPCC 2006 vol. 5: incineration fossil CO2 =
    dry matter x carbon x fossil fraction x 44/12 (3.664), plus CH4 0.2 g and N2O 50 g a tonne
    (AR5 GWPs 28 and 265: 13.256 kg); landfill lifetime CH4 = DOC x DOCf 0.5 x MCF 1.0 x F 0.5 x
    1.336 x (1 - OX 0.1).

| material | route | kg CO2e/t | how |
| --- | --- | --- | --- |
| waste-paper-cardboard | landfill | 1,164.5 | DESNZ 2025 landfill, paper and board |
| waste-paper-cardboard | incineration | 28.4 | 0.9 x 0.46 x 0.01 x 3.664 = 15.169; + 0.0002 x 28 + 0.050 x 265 = 13.256 |
| waste-paper-cardboard | energy_recovery | 4.7 | DESNZ 2025 combustion: transport only |
| waste-paper-cardboard | recycling | 4.7 | DESNZ 2025 recycling: transport only |
| waste-plastic-pp | landfill | 8.98 | DESNZ 2025 landfill, plastics |
| waste-plastic-pp | incineration | 2,761.3 | 1.0 x 0.75 x 1.0 x 3.664 = 2,748; + 13.256 |
| waste-textiles | incineration | 200.9 | 0.8 x 0.4 x 0.16 x 3.664 = 187.597; + 13.256 = 200.853 |
| end-of-life-tyres | incineration | 425.7 | 0.84 x 0.67 x 0.2 x 3.664 = 412.420; + 13.256 |
| spent-solvent | incineration | 2,944.5 | 1.0 x 0.8 x 1.0 x 3.664 = 2,931.2; + 13.256 |
| waste-lubricating-oil | incineration | 3,023 | 40.2 GJ x (73.3 + 0.030 x 28 + 0.004 x 265) = 40.2 x 75.2 |
| wastewater-sludge | landfill | 757.5 | 0.09 x 0.5 x 1.0 x 0.5 x 1.336 x 0.9 = 0.027054 t CH4 x 28 |
| wastewater-sludge | incineration | 13.3 | no fossil carbon; CH4 and N2O 13.256 |
| plating-sludge | landfill | 84.2 | 0.01 x 0.25 x 1.336 x 0.9 = 0.003006 t CH4 x 28 |
| food-waste | treatment | 191.5 | composting: 4 x 28 + 0.3 x 265 |
| coal-fly-ash | landfill | 22 | WARM v15 0.02 t per short ton |
| fgd-gypsum | landfill | 71.95 | DESNZ 2025 landfill, plasterboard |
| waste-sulphuric-acid | treatment | 130 | estimate: 151 kg Ca(OH)2 x 0.594 = 90, + 40 |
    """
    cat = catalogue.load()
    rows = [line for line in test_factor_of_each_route_as_worked_by_hand.__doc__.splitlines()
            if line.strip().startswith("| ") and "---" not in line][1:]  # fmt: skip
    assert len(rows) == 17
    for line in rows:
        key, route, kg, how = (c.strip() for c in line.strip().strip("|").split("|"))
        factor = cat.get(key).routes[route]
        assert factor.kg_co2e_per_t == float(kg.replace(",", "")), (key, route, how)


@pytest.mark.parametrize(
    ("key", "kg", "source"),
    [("coal-fly-ash", 953, "epa-warm-v15"), ("blast-furnace-slag", 730, "arcelormittal-2014"),
     ("scrap-copper", 4948, "epa-warm-v15"), ("aluminium-scrap", 7941, "epa-warm-v15"),
     ("end-of-life-tyres", 415, "epa-warm-v15"), ("scrap-steel", 1767, "desnz-2025")],
)  # fmt: skip
def test_virgin_material_credits_come_from_the_materials_own_figure(key, kg, source):
    """Fly ash is no longer credited with the steel-slag figure (730): WARM's fly ash replacing
    Portland cement in concrete, 0.86 t per short ton = 953 kg per tonne."""
    factor = catalogue.load().get(key).virgin_avoided
    assert (factor.kg_co2e_per_t, factor.source, factor.estimate) == (kg, source, False)


def test_every_factor_names_a_source_and_year_or_is_an_estimate_with_its_method():
    cat = catalogue.load()
    for m in cat.materials.values():
        assert m.default_route in m.routes, m.key
        assert set(m.routes) <= set(catalogue.ROUTES)
        assert "recycling" in m.routes, m.key  # a recycled stream always has its own factor
        for factor in (*m.routes.values(), m.virgin_avoided):
            source = cat.sources[factor.source]
            assert source["year"] and source["title_ko"], factor.source
            assert factor.basis and factor.basis_ko, (m.key, factor)
            if factor.estimate:
                assert factor.basis.startswith(("estimate:", "proxy:")), (m.key, factor.basis)
                assert factor.basis_ko.startswith(("추정:", "대용값:")), (m.key, factor.basis_ko)
            else:
                assert factor.source != "project-estimate", m.key
            assert not re.search(r"[가-힣]", factor.basis), (m.key, factor.basis)
        assert m.note_ko or not m.note, m.key


def test_no_note_addressed_to_developers_is_shipped():
    shipped = [ROOT / "exchange/catalogue/materials.json",
               *(ROOT / "templates").rglob("*.html"), *(ROOT / "exchange").rglob("*.py")]  # fmt: skip
    for path in shipped:
        text = path.read_text(encoding="utf-8").lower()
        for phrase in ("replace with a sourced", "to be replaced by a sourced", "in this session",
                       "from memory"):  # fmt: skip
            assert phrase not in text, (path, phrase)


def test_readme_counts_the_sourced_and_estimated_factors():
    counts = catalogue.load().factor_counts()
    assert counts == {"sourced": 89, "estimate": 53}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    text = " ".join(readme.split())
    assert f"ships {counts['sourced'] + counts['estimate']} default factors" in text
    assert f"{counts['sourced']} name a public source" in text
    assert f"{counts['estimate']} are estimates" in text


def test_catalogue_file_is_nfc():
    raw = (ROOT / "exchange/catalogue/materials.json").read_text(encoding="utf-8")
    assert raw == unicodedata.normalize("NFC", raw)
    json.loads(raw)


def _offer(session, factory, material, route=None, own=None, tonnes=10.0):
    from exchange.models import Listing

    item = Listing(factory_id=factory.id, kind="offer", material_key=material, tonnes_per_month=tonnes,
                   disposal_route=route, disposal_kg_co2e_per_t=own)  # fmt: skip
    session.add(item)
    session.flush()
    return item


def test_the_listings_route_picks_the_factor_and_the_problem_file_records_it(app, session, world):
    """Each offer's source in the problem file, worked by hand from the catalogue:

    | offer | material | route given | own figure | kg CO2e/t | route used | source | estimate |
    | --- | --- | --- | --- | --- | --- | --- | --- |
    | 1 | paper | landfill | — | 1,164.5 | landfill | desnz-2025 | no |
    | 2 | paper | recycling | — | 4.7 | recycling | desnz-2025 | no |
    | 3 | PP | incineration | — | 2,761.3 | incineration | ipcc-2006-v5 | no |
    | 4 | PP | energy_recovery | — | 4.7 | energy_recovery | desnz-2025 | no |
    | 5 | PP | — | — | 8.98 | landfill (default) | desnz-2025 | no |
    | 6 | PP | other | — | 8.98 | landfill (default) | desnz-2025 | no |
    | 7 | steel slag | incineration (not its route) | — | 1.26 | landfill | desnz-2025 | yes |
    | 8 | paper | recycling | 50 | 50 | recycling | listing | no |
    | 9 | sulphuric acid | — | — | 130 | treatment (default) | project-estimate | yes |
    """
    from exchange.services.problems import build_problem

    a = world.factory_a
    rows = [("waste-paper-cardboard", "landfill", None), ("waste-paper-cardboard", "recycling", None),
            ("waste-plastic-pp", "incineration", None), ("waste-plastic-pp", "energy_recovery", None),
            ("waste-plastic-pp", None, None), ("waste-plastic-pp", "other", None),
            ("steel-slag", "incineration", None), ("waste-paper-cardboard", "recycling", 50.0),
            ("waste-sulphuric-acid", None, None)]  # fmt: skip
    for material, route, own in rows:
        _offer(session, a, material, route, own)
    session.commit()
    problem, _versions = build_problem(session=session, park=world.park, options={})
    got = [(s["disposal_kg_co2e_per_t"], s["disposal_route"], s["disposal_factor_source"],
            s["disposal_factor_estimate"]) for s in problem["sources"]]  # fmt: skip
    assert got == [
        (1164.5, "landfill", "desnz-2025", False),
        (4.7, "recycling", "desnz-2025", False),
        (2761.3, "incineration", "ipcc-2006-v5", False),
        (4.7, "energy_recovery", "desnz-2025", False),
        (8.98, "landfill", "desnz-2025", False),
        (8.98, "landfill", "desnz-2025", False),
        (1.26, "landfill", "desnz-2025", True),
        (50.0, "recycling", "listing", False),
        (130.0, "treatment", "project-estimate", True),
    ]


def test_paper_already_recycled_is_not_credited_with_avoided_landfill(app, session, world):
    """10 t of paper that goes to a recycler today, sent instead to a factory that takes it:

    disposal avoided = 10 t x 4.7 (recycling's transport, DESNZ 2025) = 47 kg, not
    10 x 1,164.5 = 11,645 kg of landfill it never went to; virgin material avoided at the taker
    = 10 x 295 = 2,950 kg (DESNZ paper). The same paper sent to landfill today: 11,645 kg.
    """
    from exchange.models import Listing
    from exchange.services.problems import build_problem
    from matching import load_problem, solve

    recycled = _offer(session, world.factory_a, "waste-paper-cardboard", "recycling")
    session.add(Listing(factory_id=world.factory_b.id, kind="want", material_key="waste-paper-cardboard",
                        accepts="waste-paper-cardboard", tonnes_per_month=10.0))  # fmt: skip
    session.commit()
    problem, _v = build_problem(session=session, park=world.park, options={})
    assert problem["sinks"][0]["accepts"] == {"waste-paper-cardboard": {
        "avoided_kg_co2e_per_t": 295.0, "avoided_factor_source": "desnz-2025"}}  # fmt: skip
    (exchange,) = solve(load_problem(problem)).to_dict()["exchanges"]
    assert (exchange["tonnes"], exchange["disposal_avoided_kg_co2e"], exchange["virgin_avoided_kg_co2e"]) == (
        10.0, 47.0, 2950.0)  # fmt: skip

    recycled.disposal_route = "landfill"
    session.commit()
    problem, _v = build_problem(session=session, park=world.park, options={})
    (exchange,) = solve(load_problem(problem)).to_dict()["exchanges"]
    assert exchange["disposal_avoided_kg_co2e"] == 11645.0


def test_material_pages_show_each_routes_factor_in_the_readers_language(client):
    korean = client.get("/materials/waste-paper-cardboard?lang=ko").get_data(as_text=True)
    for text in ("512802", "폐종이류", "사업장일반폐기물", "매립", "에너지 회수 소각", "재활용",
                 "1,164.5", "28.4", "재활용, 종이·판지: 재활용업체까지의 수집·운송",
                 "영국 에너지안보·넷제로부(DESNZ) 온실가스 환산계수 2025"):  # fmt: skip
        assert text in korean, text
    assert "Landfill" not in korean and "collection and delivery" not in korean
    estimate = client.get("/materials/waste-sulphuric-acid?lang=ko").get_data(as_text=True)
    assert "추정: 소석회 중화" in estimate and "neutralisation" not in estimate
    assert "(구)02-01-02" in estimate and "지정폐기물" in estimate
    english = client.get("/materials/waste-sulphuric-acid?lang=en").get_data(as_text=True)
    assert "estimate: neutralisation with hydrated lime" in english
    assert "Designated waste" in english and "formerly 02-01-02" in english
    assert "소석회" not in english and "지정폐기물" not in english


def test_materials_page_and_api_find_a_starred_code_and_sort_by_language(client):
    html = client.get("/materials?q=14+06+03*&lang=en").get_data(as_text=True)
    assert "Spent organic solvent" in html and "040200" in html
    found = client.get("/api/v1/materials?q=51-03-01&lang=ko").get_json()
    assert [m["ko"] for m in found["items"]] == ["폐PE", "폐PET", "폐PP", "혼합 폐플라스틱"]
    solvent = client.get("/api/v1/materials/spent-solvent").get_json()
    assert solvent["korean"][0] == {"code": "040200", "name": "그 밖의 폐유기용제", "kind": "designated",
                                    "states": ["액상"], "old": []}  # fmt: skip
    assert solvent["default_route"] == "incineration"
    assert solvent["factors"]["incineration"]["kg_co2e_per_t"] == 2944.5
    assert solvent["factors"]["virgin_avoided"]["estimate"] is True


@pytest.mark.parametrize(
    ("text", "key"),
    [("511201", "fgd-gypsum"), ("(구)03-03-01", "foundry-sand"), ("14 06 03*", "spent-solvent"),
     ("10.01.05", "fgd-gypsum"), ("폐석고", "fgd-gypsum"), ("그 밖의 폐유기용제", "spent-solvent"),
     ("510301", None), ("폐합성수지류(폐염화비닐수지류는 제외한다)", None), ("nothing", None)],
)  # fmt: skip
def test_a_listing_names_its_material_by_an_allbaro_code_or_name(text, key):
    """A sheet or form may name the material as the manifest does; a code or name several
    materials share (510301: every plastic) names none, and the row is refused."""
    from exchange.services.listing_input import material_key

    assert material_key(text) == key


def test_a_proposal_explains_the_factors_its_run_used_in_both_languages(app, client, session, world):
    """Run over 10 t of paper that goes to a recycler today and a paper mill that takes it:
    the proposal page names the factors from the run's file, 10 t x 4.7 (recycling, DESNZ 2025)
    and 10 t x 295 (DESNZ 2025)."""
    from exchange import worker
    from exchange.models import Listing, MatchRun, Proposal
    from exchange.services import runs
    from tests.exchange.conftest import sign_in

    _offer(session, world.factory_a, "waste-paper-cardboard", "recycling")
    session.add(Listing(factory_id=world.factory_b.id, kind="want", material_key="waste-paper-cardboard",
                        accepts="waste-paper-cardboard", tonnes_per_month=10.0))  # fmt: skip
    run = runs.queue_run(session=session, park=world.park, user=world.coordinator, options={})
    session.commit()
    assert worker.work_once(app, "test") is True
    session.expire_all()
    assert session.get(MatchRun, run.id).status == "done"
    proposal = session.exec(select(Proposal).where(Proposal.run_id == run.id)).one()
    assert (proposal.disposal_avoided_kg_co2e, proposal.virgin_avoided_kg_co2e) == (47.0, 2950.0)
    sign_in(client, world.coordinator)
    english = client.get(f"/coordination/proposals/{proposal.id}?lang=en").get_data(as_text=True)
    assert "10 t × 4.7 kg CO2e per tonne · Recycling · UK DESNZ GHG conversion factors 2025" in english
    assert "10 t × 295 kg CO2e per tonne · UK DESNZ" in english
    korean = client.get(f"/coordination/proposals/{proposal.id}?lang=ko").get_data(as_text=True)
    assert "10 t × 톤당 4.7 kg CO2e · 재활용 · 영국 에너지안보·넷제로부(DESNZ)" in korean
    assert "Recycling" not in korean


@pytest.mark.parametrize(
    ("code", "route"),
    [("2010", "recycling"), ("1001", "recycling"), ("2011", "recycling"), ("2008", "energy_recovery"),
     ("1009", "energy_recovery"), ("1101", "incineration"), ("2102", "incineration"),
     ("2117", "incineration"), ("2118", "incineration"), ("1103", "treatment"), ("1117", "treatment"),
     ("2116", "treatment"), ("2119", "treatment"), ("1201", "landfill"), ("2206", "landfill"),
     ("2203", None), ("1118", None), ("1300", None), ("2500", None), ("9000", None), ("0000", None),
     ("2090", None), ("2905", None), ("폐석고", None), (" 2010 ", "recycling")],
)  # fmt: skip
def test_an_allbaro_treatment_code_gives_its_route(code, route):
    """Allbaro 처리방법 codes (code list of 2020-06-12) as the routes factors are given for:
    (재) codes are recycling, 1008/1009 energy recovery, 일반·고온소각 and municipal or national
    incineration are incineration, the other intermediate treatments treatment, 매립 landfill;
    sea discharge, export, re-consignment, generation and the legacy codes are no route."""
    assert catalogue.allbaro_route(code) == route


def test_the_korean_materials_page_shows_no_english(client):
    """Codes, units and source acronyms aside, a Korean search page is in Korean, even when the
    search also lists EU List of Waste entries (published in English only)."""
    import html as html_lib

    page = client.get("/materials?lang=ko&q=14+06+03*").get_data(as_text=True)
    main = page[page.index("<main"):page.index("</main>")]
    text = html_lib.unescape(re.sub(r"<code>.*?</code>|<[^>]+>", " ", main, flags=re.S))
    words = set(re.findall(r"[A-Za-z]{3,}", text))
    assert words <= {"CO2e", "LoW", "Open", "Government", "Licence"}, words  # a licence's name
    assert "폐유기용제" in text and "지정폐기물" not in text  # the list names the material only
