"""A factory manager's answers on an exchange, and the tonnes it delivered."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FloatField, StringField, TextAreaField, ValidationError
from wtforms.validators import InputRequired, Length

from exchange.forms import Finite

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class CommentForm(FlaskForm):
    comment = TextAreaField(_l("Comment"), validators=[Length(max=2000)])


class DeliveryForm(FlaskForm):
    month = StringField(_l("Month (YYYY-MM)"), validators=[InputRequired()])
    tonnes = FloatField(_l("Tonnes delivered"), validators=[InputRequired(), Finite()])

    def validate_month(self, field):
        found = MONTH.match((field.data or "").strip())
        if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
            raise ValidationError(_l("Write the month as YYYY-MM, for instance 2026-03."))
        if self.first_day() > date.today():
            raise ValidationError(_l("This month has not begun yet."))

    def validate_tonnes(self, field):
        if field.data is not None and field.data <= 0:
            raise ValidationError(_l("Enter the tonnes delivered: a number above 0."))

    def first_day(self) -> date:
        year, month = MONTH.match(self.month.data.strip()).groups()
        return date(int(year), int(month), 1)
