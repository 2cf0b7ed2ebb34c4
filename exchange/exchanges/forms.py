"""A factory manager's answers on an exchange, and the tonnes it delivered.

The rules are in services.proposal_input, shared with the API."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import Length
from wtforms.widgets import NumberInput

from exchange.forms import CheckedForm
from exchange.services.proposal_input import COMMENT_MAX, DeliveryInput, parse_delivery


class CommentForm(FlaskForm):
    comment = TextAreaField(_l("Comment"), validators=[Length(max=COMMENT_MAX)])


class DeliveryForm(CheckedForm):
    month = StringField(_l("Month (YYYY-MM)"))
    tonnes = StringField(_l("Tonnes delivered"), widget=NumberInput(step="any"))
    note = StringField(_l("Note (needed when the tonnes differ from the agreed monthly tonnes)"))
    replace = BooleanField(_l("Replace the tonnes already recorded for this month"))
    parsed: DeliveryInput | None = None
    confirm_replace = False  # set when the month is already recorded: the box then shows

    def check(self) -> DeliveryInput:
        return parse_delivery({"month": self.month.data, "tonnes": self.tonnes.data,
                               "note": self.note.data, "replace": bool(self.replace.data)})  # fmt: skip
