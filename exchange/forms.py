"""Form pieces every blueprint shares."""

from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l
from wtforms import ValidationError
from wtforms.fields.choices import SelectChoice


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
