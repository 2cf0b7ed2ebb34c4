"""What a person sends about a proposal: a comment on a step, the tonnes of a delivery.

Checked here once, for the pages' forms and the API alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _

from exchange.services.field_reader import FieldReader

COMMENT_MAX = 2000  # the length of ProposalEvent.comment
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_comment(raw: Mapping[str, Any]) -> str:
    """The comment of a step (may be blank); raises `InvalidInput` when too long."""
    r = FieldReader(raw)
    text = r.text("comment")
    if len(text) > COMMENT_MAX:
        r.fail("comment", _("Write at most %(n)d characters.", n=COMMENT_MAX))
    r.check()
    return text


def parse_delivery(raw: Mapping[str, Any], *, today: date | None = None) -> tuple[date, float]:
    """The month (its first day) and the tonnes delivered; raises `InvalidInput`."""
    r = FieldReader(raw)
    month = None
    found = MONTH.match(r.text("month"))
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
        r.fail("month", _("Write the month as YYYY-MM, for instance 2026-03."))
    else:
        month = date(int(found.group(1)), int(found.group(2)), 1)
        if month > (today or date.today()):
            r.fail("month", _("This month has not begun yet."))
    tonnes = r.number("tonnes", required=True)
    if tonnes is not None and tonnes <= 0:
        r.fail("tonnes", _("Enter the tonnes delivered: a number above 0."))
    r.check()
    return month, tonnes
