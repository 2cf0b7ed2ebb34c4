"""A factory manager's answers on an exchange, and the tonnes it delivered.

The rules are in services.proposal_input, shared with the API."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length
from wtforms.widgets import NumberInput

from exchange.forms import CheckedForm
from exchange.services.proposal_input import COMMENT_MAX, parse_delivery


class CommentForm(FlaskForm):
    comment = TextAreaField(_l("Comment"), validators=[Length(max=COMMENT_MAX)])


class DeliveryForm(CheckedForm):
    month = StringField(_l("Month (YYYY-MM)"))
    tonnes = StringField(_l("Tonnes delivered"), widget=NumberInput(step="any"))
    parsed: tuple[date, float] | None = None

    def check(self) -> tuple[date, float]:
        return parse_delivery({"month": self.month.data, "tonnes": self.tonnes.data})
