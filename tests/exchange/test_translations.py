"""The Korean catalogue is complete: every message translated, none fuzzy, placeholders kept."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

PO = Path(__file__).parents[2] / "exchange" / "translations" / "ko" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def test_every_message_has_a_korean_translation():
    with PO.open("rb") as f:
        catalog = read_po(f)
    missing = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    wrong = [m.id for m in catalog if m.id and m.string
             and sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string))]  # fmt: skip
    assert (missing, fuzzy, wrong) == ([], [], [])


def test_no_message_is_translated_twice(tmp_path):
    """Merged branches append to messages.po as a union: a msgid added by two of them twice
    makes msgfmt refuse the file (and the old .mo stays). scripts/po_dedupe.py mends it."""
    import importlib.util
    import shutil
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("po_dedupe", repo / "scripts" / "po_dedupe.py")
    po_dedupe = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(po_dedupe)
    copy = tmp_path / "messages.po"
    shutil.copy(repo / "exchange" / "translations" / "ko" / "LC_MESSAGES" / "messages.po", copy)
    assert po_dedupe.dedupe(copy) == 0
