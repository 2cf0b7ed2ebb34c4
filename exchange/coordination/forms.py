"""The coordinator's forms: a new match run, and a decision on a proposal."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FloatField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from exchange.forms import Finite, choices
from exchange.listings.forms import material_choices
from exchange.services.problems import DEFAULT_MODES


class RunForm(FlaskForm):
    """What the matcher may do in this run; blanks mean no limit."""

    min_lot_t = FloatField(_l("Smallest lot (tonnes per month)"), default=0.0,
                           validators=[InputRequired(), Finite(), NumberRange(min=0)])  # fmt: skip
    max_partners_per_source = IntegerField(
        _l("Most partners per offer"), validators=[Optional(), NumberRange(min=1, max=1000)]
    )
    max_partners_per_sink = IntegerField(
        _l("Most partners per want"), validators=[Optional(), NumberRange(min=1, max=1000)]
    )
    time_limit_s = FloatField(_l("Time limit (seconds)"), default=60.0,
                              validators=[InputRequired(), Finite(),
                                          NumberRange(min=1, max=3600)])  # fmt: skip
    truck_factor = FloatField(_l("Truck: kg CO2e per tonne-km"),
                              default=DEFAULT_MODES["truck"]["kg_co2e_per_tkm"],
                              validators=[InputRequired(), Finite(), NumberRange(min=0)])  # fmt: skip
    truck_circuity = FloatField(_l("Truck: road distance per straight-line km"),
                                default=DEFAULT_MODES["truck"]["circuity"],
                                validators=[InputRequired(), Finite(),
                                            NumberRange(min=1, max=5)])  # fmt: skip
    rail_factor = FloatField(_l("Rail: kg CO2e per tonne-km"),
                             default=DEFAULT_MODES["rail"]["kg_co2e_per_tkm"],
                             validators=[InputRequired(), Finite(), NumberRange(min=0)])  # fmt: skip
    rail_circuity = FloatField(_l("Rail: track distance per straight-line km"),
                               default=DEFAULT_MODES["rail"]["circuity"],
                               validators=[InputRequired(), Finite(),
                                           NumberRange(min=1, max=5)])  # fmt: skip
    scope = RadioField(_l("Which listings take part"), default="all",
                       choices=choices([("all", _l("All open listings")),
                                        ("materials", _l("Only these materials"))]))  # fmt: skip
    materials = SelectMultipleField(_l("Materials"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.materials.choices = material_choices(blank=False)

    def validate_materials(self, field):
        known = {c.value for c in self.materials.choices}
        if self.scope.data == "materials" and not field.data:
            raise ValidationError(_l("Choose at least one material, or take all open listings."))
        if any(key not in known for key in field.data or []):
            raise ValidationError(_l("Choose materials from the list."))

    def options(self) -> dict[str, Any]:
        """The run's options as services.problems.build_problem reads them."""
        return {
            "min_lot_t": self.min_lot_t.data,
            "max_partners_per_source": self.max_partners_per_source.data,
            "max_partners_per_sink": self.max_partners_per_sink.data,
            "time_limit_s": self.time_limit_s.data,
            "modes": {
                "truck": {
                    "kg_co2e_per_tkm": self.truck_factor.data,
                    "circuity": self.truck_circuity.data,
                },
                "rail": {
                    "kg_co2e_per_tkm": self.rail_factor.data,
                    "circuity": self.rail_circuity.data,
                },
            },  # fmt: skip
            "materials": sorted(self.materials.data) if self.scope.data == "materials" else [],
        }


class DecisionForm(FlaskForm):
    """Approve, reject, suspend, resume or end, with a comment for the log."""

    comment = TextAreaField(_l("Comment"), validators=[Length(max=2000)])
    back = HiddenField()
