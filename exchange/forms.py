"""Form pieces every blueprint shares."""

from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, ValidationError
from wtforms.fields.choices import SelectChoice

from exchange.services.field_reader import InvalidInput, normal_text


def _nfc(value):
    return normal_text(value) if isinstance(value, str) else value


class NormalisedForm(FlaskForm):
    """Every text a person types is kept NFC (Hangul pasted from macOS arrives as NFD, which
    looks the same but matches nothing and is found by no search)."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            if issubclass(unbound_field.field_class, StringField):
                options["filters"] = [*unbound_field.kwargs.get("filters", ()), _nfc]
            return unbound_field.bind(form=form, **options)


class Finite:
    """Refuse NaN and infinities, which float() accepts and WTForms lets through."""

    def __init__(self, message=None):
        self.message = message or _l("Enter a finite number.")

    def __call__(self, form, field):
        if field.data is not None and not math.isfinite(field.data):
            raise ValidationError(self.message)


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms wants them now."""
    return [SelectChoice(str(value), label) for value, label in pairs]


class CheckedForm(NormalisedForm):
    """A form whose rules live in a service (shared with the API and the sheet import):
    `check()` returns the parsed input or raises `InvalidInput`, whose messages go to the
    fields they name."""

    parsed = None

    def check(self):
        raise NotImplementedError

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        try:
            self.parsed = self.check()
        except InvalidInput as bad:
            for name, message in bad.errors:
                self[name].errors = list(self[name].errors) + [message]
            return False
        return ok
