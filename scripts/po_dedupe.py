"""Drop repeated entries from a .po file (kept: the first of each msgctxt + msgid).

Branches that each append their new messages to messages.po can add the same msgid twice when
they are merged (the file merges as a union, see .gitattributes); msgfmt then refuses the file.
Differing translations of one msgid are printed, and the first is kept.

    .venv/bin/python scripts/po_dedupe.py exchange/translations/ko/LC_MESSAGES/messages.po
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def key_and_text(block: str) -> tuple[str, str] | None:
    lines = [x for x in block.splitlines() if not x.startswith("#")]
    text = "\n".join(lines)
    # msgctxt and msgid with their continuation lines, up to msgid_plural or msgstr
    found = re.search(r"^(msgctxt .*?)?msgid .*?(?=^msgid_plural|^msgstr)", text, re.S | re.M)
    if not found:
        return None
    return found.group(0), text[found.end():]


def separated(text: str) -> str:
    """The text with a blank line before every entry: a union merge can glue two entries."""
    out, in_msgstr = [], False
    for line in text.splitlines():
        if in_msgstr and line.startswith(("#", "msgctxt ", "msgid ")):
            out.append("")
        if line.startswith("msgstr"):
            in_msgstr = True
        elif not line.strip() or not line.startswith('"'):
            in_msgstr = in_msgstr and line.startswith('"')
        out.append(line)
    return "\n".join(out)


def dedupe(path: Path) -> int:
    text = separated(path.read_text(encoding="utf-8"))
    blocks = re.split(r"\n\s*\n", text.strip("\n"))
    seen: dict[str, str] = {}
    kept = []
    for block in blocks:
        parsed = key_and_text(block)
        if parsed is None or parsed[0] == 'msgid ""\n':  # the header
            kept.append(block)
            continue
        key, text = parsed
        if key in seen:
            if seen[key] != text:
                print(f"{path}: two translations of {key[:70]}; the first is kept", file=sys.stderr)
            continue
        seen[key] = text
        kept.append(block)
    path.write_text("\n\n".join(kept) + "\n", encoding="utf-8")
    return len(blocks) - len(kept)


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(f"{name}: {dedupe(Path(name))} repeated entries dropped")
