"""Listing, factory and import forms. Listing rules live in services.listing_input."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from exchange import catalogue
from exchange.forms import CheckedForm, Finite, NormalisedForm, choices
from exchange.models import DisposalRoute, Steadiness
from exchange.services.listing_input import ListingInput, parse_listing


def material_choices(blank: bool = True) -> list:
    locale = str(get_locale() or "ko")
    items = catalogue.load().materials.values()
    named = sorted(((m.key, f"{m.name(locale)} ({', '.join(m.ewc) or m.key})") for m in items),
                   key=lambda c: c[1])  # fmt: skip
    return choices(([("", _l("Choose a material"))] if blank else []) + named)


STEADINESS_LABELS = {
    Steadiness.continuous: _l("Continuous"),
    Steadiness.monthly_batches: _l("Monthly batches"),
    Steadiness.one_off: _l("One-off (date range)"),
}
ROUTE_LABELS = {
    DisposalRoute.landfill: _l("Landfill"),
    DisposalRoute.incineration: _l("Incineration"),
    DisposalRoute.energy_recovery: _l("Incineration with energy recovery"),
    DisposalRoute.recycling: _l("Recycling"),
    DisposalRoute.treatment: _l("Treatment"),
    DisposalRoute.other: _l("Other"),
}


class ListingForm(CheckedForm):
    """Text fields on purpose: they keep exactly what was typed when a rule refuses it."""

    kind = SelectField(_l("Kind"), choices=choices([("offer", _l("Offer")), ("want", _l("Want"))]))
    material = SelectField(_l("Material"), validate_choice=False)
    accepts = SelectMultipleField(_l("Also accepts"), validate_choice=False)
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)])
    tonnes_per_month = StringField(_l("Tonnes per month"))
    steadiness = SelectField(
        _l("How steady"), choices=choices(STEADINESS_LABELS.items()), validate_choice=False
    )
    available_from = StringField(_l("Available from"))
    available_until = StringField(_l("Available until"))
    lot_tonnes = StringField(_l("One-off lot: tonnes in all"))
    hazardous = BooleanField(_l("Hazardous"))
    analysis_report_no = StringField(_l("Analysis report number"))
    analysis_report_date = StringField(_l("Analysis report date"))
    disposal_route = SelectField(
        _l("Disposal route today"),
        choices=choices([("", "—"), *ROUTE_LABELS.items()]),
        validate_choice=False,
    )
    disposal_cost_krw_per_t = StringField(_l("Disposal cost (KRW per tonne)"))
    disposal_kg_co2e_per_t = StringField(_l("Disposal emissions (kg CO2e per tonne)"))
    avoided_kg_co2e_per_t = StringField(_l("Virgin material avoided (kg CO2e per tonne)"))
    max_km = StringField(_l("Farthest distance (km)"))
    show_name = BooleanField(_l("Show our factory name to other factories before a match"))
    parsed: ListingInput | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.material.choices = material_choices()
        self.accepts.choices = material_choices(blank=False)

    def raw(self) -> dict:
        """The form as the flat mapping the listing rules read."""
        data = {name: field.data for name, field in self._fields.items() if name != "csrf_token"}
        data["accepts"] = " ".join(self.accepts.data or [])
        data["hazardous"] = bool(self.hazardous.data)
        data["show_name"] = bool(self.show_name.data)
        return data

    def check(self) -> ListingInput:
        return parse_listing(self.raw())


def listing_form_class():
    """ListingForm with a value, min and max field for every property of the catalogue."""
    props = catalogue.load().properties
    attrs = {}
    for key in props:
        attrs[key] = StringField(key)
        attrs[f"min_{key}"] = StringField(f"min_{key}")
        attrs[f"max_{key}"] = StringField(f"max_{key}")
    return type("ListingFormWithProperties", (ListingForm,), attrs)


class PermitForm(Form):
    number = StringField(_l("Permit number"), validators=[Optional(), Length(max=80)])
    kind = StringField(_l("Kind"), validators=[Optional(), Length(max=80)])
    expires = DateField(_l("Expires"), validators=[Optional()])


MODE_CHOICES = choices([("truck", _l("Truck")), ("rail", _l("Rail"))])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class FactoryForm(NormalisedForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=200)])
    brn = StringField(_l("Business registration number"), validators=[Optional(), Length(max=20)])
    ksic = StringField(_l("Industry code (KSIC)"), validators=[Optional(), Length(max=10)])
    industry_ko = StringField(_l("Industry (Korean)"), validators=[Optional(), Length(max=120)])
    industry_en = StringField(_l("Industry (English)"), validators=[Optional(), Length(max=120)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    lat = FloatField(
        _l("Latitude"),
        validators=[
            InputRequired(),
            Finite(),
            NumberRange(-90, 90, _l("Latitude must be between -90 and 90.")),
        ],
    )
    lon = FloatField(
        _l("Longitude"),
        validators=[
            InputRequired(),
            Finite(),
            NumberRange(-180, 180, _l("Longitude must be between -180 and 180.")),
        ],
    )
    modes = MultiCheckboxField(_l("Transport modes at the site"), choices=MODE_CHOICES)
    show_name = BooleanField(_l("Show our name on the public page and to other factories"))
    publish_figures = BooleanField(
        _l("Publish our figures even where they are mostly ours (tonnes and CO2e of the public "
           "page; not our name)")
    )
    permits = FieldList(FormField(PermitForm), min_entries=2)

    def validate_modes(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one transport mode."))


class ImportForm(FlaskForm):
    sheet = FileField(_l("Sheet (.csv or .xlsx)"), validators=[FileRequired(_l("Choose a file."))])
    encoding = SelectField(
        _l("Text encoding of a CSV"),
        choices=choices([("", _l("Detect")), ("utf-8", "UTF-8"), ("cp949", "CP949 (EUC-KR)")]),
        default="", validate_choice=False,  # read_table takes only the encodings it knows
    )


class WasteNameForm(FlaskForm):
    """What a waste name of an imported file (Allbaro) is in the catalogue, for the park."""

    name = HiddenField(validators=[DataRequired(), Length(max=200)])
    material = SelectField(_l("Material"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.material.choices = material_choices()


class ConfirmImportForm(FlaskForm):
    """Confirms the preview kept on the server under `token` (the rows never travel here)."""

    token = HiddenField(validators=[DataRequired()])


class ActionForm(FlaskForm):
    """A button that posts: carries only the CSRF token."""
