"""What a person sends about a proposal: a comment on a step, the tonnes of a delivery.

Checked here once, for the pages' forms and the API alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any, NamedTuple

from flask_babel import gettext as _

from exchange.services.field_reader import FieldReader

COMMENT_MAX = 2000  # the length of ProposalEvent.comment
NOTE_MAX = 500  # the length of Delivery.note
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_comment(raw: Mapping[str, Any]) -> str:
    """The comment of a step (may be blank); raises `InvalidInput` when too long."""
    r = FieldReader(raw)
    text = r.text("comment")
    if len(text) > COMMENT_MAX:
        r.fail("comment", _("Write at most %(n)d characters.", n=COMMENT_MAX))
    r.check()
    return text


class DeliveryInput(NamedTuple):
    month: date  # its first day
    tonnes: float
    note: str = ""  # why the month differs from the agreed tonnes
    replace: bool = False  # the person confirmed replacing a month already recorded


def parse_delivery(raw: Mapping[str, Any]) -> DeliveryInput:
    """The month (its first day), the tonnes delivered, a note and whether to replace a month
    already recorded; raises `InvalidInput`. Whether the month may take a delivery (the
    exchange ran then, it has begun in the park's zone) is `proposals.record_delivery`'s."""
    r = FieldReader(raw)
    month = None
    found = MONTH.match(r.text("month"))
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
        r.fail("month", _("Write the month as YYYY-MM, for instance 2026-03."))
    else:
        month = date(int(found.group(1)), int(found.group(2)), 1)
    tonnes = r.number("tonnes", required=True)
    if tonnes is not None and tonnes <= 0:
        r.fail("tonnes", _("Enter the tonnes delivered: a number above 0."))
    note = r.text("note")
    if len(note) > NOTE_MAX:
        r.fail("note", _("Write at most %(n)d characters.", n=NOTE_MAX))
    replace = r.boolean("replace")
    r.check()
    return DeliveryInput(month, tonnes, note, replace)


REFUSALS = ("not-now", "never")


def parse_refusal(raw: Mapping[str, Any], *, this_month: date,
                  default: str | None = None) -> tuple[str, date | None, str]:  # fmt: skip
    """A reject or decline: ("not-now", the last month it is kept out, comment) or ("never",
    None, comment). `this_month`: the first day of the park's month (a "not now" must reach
    past it); `default`: the kind when none is given (None: required). Raises `InvalidInput`.
    """
    r = FieldReader(raw)
    kind = r.choice("refusal", list(REFUSALS), default=default)
    until = None
    if kind == "not-now":
        text = r.text("until")
        found = MONTH.match(text)
        if not text:
            r.fail("until", _("Say until which month (YYYY-MM) the pair stays out."))
        elif not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
            r.fail("until", _("Write the month as YYYY-MM, for instance 2027-01 (not “%(value)s”).",
                              value=text))  # fmt: skip
        else:
            until = date(int(found.group(1)), int(found.group(2)), 1)
            if until < this_month:
                r.fail("until", _("%(value)s has passed already: name this month or a later one.",
                                  value=text))  # fmt: skip
    text = r.text("comment")
    if len(text) > COMMENT_MAX:
        r.fail("comment", _("Write at most %(n)d characters.", n=COMMENT_MAX))
    r.check()
    return kind, until, text


def parse_reason(raw: Mapping[str, Any]) -> str:
    """Why a ban is lifted: required, so the log says it."""
    r = FieldReader(raw)
    text = r.text("comment")
    if not text:
        r.fail("comment", _("Say why the pair may be proposed again."))
    elif len(text) > COMMENT_MAX:
        r.fail("comment", _("Write at most %(n)d characters.", n=COMMENT_MAX))
    r.check()
    return text
