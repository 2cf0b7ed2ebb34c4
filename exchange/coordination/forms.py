"""The coordinator's forms: a new match run, and a decision on a proposal."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, ValidationError
from wtforms.widgets import NumberInput

from exchange.forms import CheckedForm, choices
from exchange.listings.forms import material_choices
from exchange.park_calendar import valid_time_zone
from exchange.services.field_reader import number_text
from exchange.services.proposal_input import COMMENT_MAX
from exchange.services.run_options import DEFAULTS, FIELDS, parse_run_options


def _number(label, default=None):
    """Text that keeps what was typed; the rules are in services.run_options."""
    return StringField(label, default=None if default is None else number_text(default),
                       widget=NumberInput(step="any"))  # fmt: skip


class RunForm(CheckedForm):
    """What the matcher may do in this run; blanks mean no limit."""

    min_lot_t = _number(_l("Smallest lot (tonnes per month)"), DEFAULTS["min_lot_t"])
    max_partners_per_source = _number(_l("Most partners per offer"))
    max_partners_per_sink = _number(_l("Most partners per want"))
    time_limit_s = _number(_l("Time limit (seconds)"), DEFAULTS["time_limit_s"])
    truck_factor = _number(_l("Truck: kg CO2e per tonne-km"), DEFAULTS["truck_factor"])
    truck_circuity = _number(
        _l("Truck: road distance per straight-line km"), DEFAULTS["truck_circuity"]
    )
    rail_factor = _number(_l("Rail: kg CO2e per tonne-km"), DEFAULTS["rail_factor"])
    rail_circuity = _number(
        _l("Rail: track distance per straight-line km"), DEFAULTS["rail_circuity"]
    )
    month = StringField(_l("Month the run is for (YYYY-MM)"),
                        render_kw={"placeholder": "YYYY-MM", "inputmode": "numeric"})
    scope = RadioField(_l("Which listings take part"), default="all", validate_choice=False,
                       choices=choices([("all", _l("All open listings")),
                                        ("materials", _l("Only these materials"))]))  # fmt: skip
    materials = SelectMultipleField(_l("Materials"), validate_choice=False)
    parsed: dict[str, Any] | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.materials.choices = material_choices(blank=False)

    def check(self) -> dict[str, Any]:
        return parse_run_options({name: self[name].data for name in FIELDS})

    def options(self) -> dict[str, Any]:
        """The run's options as services.problems.build_problem reads them."""
        return self.parsed


class DecisionForm(FlaskForm):
    """Approve, reject, suspend, resume or end, with a comment for the log."""

    comment = TextAreaField(_l("Comment"), validators=[Length(max=COMMENT_MAX)])
    back = HiddenField()


class TimeZoneForm(FlaskForm):
    """The park's time zone: its today, months and permit validity are taken in it."""

    time_zone = StringField(_l("Time zone"), validators=[Length(max=64)])

    def validate_time_zone(self, field):
        field.data = (field.data or "").strip()
        if not valid_time_zone(field.data):
            raise ValidationError(_l("“%(value)s” is not a time zone: write an IANA name such as "
                                     "Asia/Seoul.", value=field.data))  # fmt: skip
