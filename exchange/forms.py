"""Form pieces every blueprint shares."""

from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, TextAreaField, ValidationError
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


class RefusalForm(CheckedForm):
    """A reject (coordinator) or decline (factory), confirmed: "not now" up to a month, or
    "never". The rules are in services.proposal_input.parse_refusal, shared with the API.
    `this_month` (the park's) must be set before validating."""

    refusal = RadioField(_l("For how long"), validate_choice=False,
                         choices=choices([("not-now", _l("Not now: propose it again after a month")),
                                          ("never", _l("Never, unless a coordinator lifts the ban"))]))  # fmt: skip
    until = StringField(_l("Kept out up to the month (YYYY-MM), included"),
                        render_kw={"placeholder": "YYYY-MM"})
    comment = TextAreaField(_l("Comment"))
    back = HiddenField()
    this_month = None

    def check(self):
        from exchange.services.proposal_input import parse_refusal

        return parse_refusal({"refusal": self.refusal.data, "until": self.until.data,
                              "comment": self.comment.data}, this_month=self.this_month)  # fmt: skip


class LiftBanForm(CheckedForm):
    """A coordinator lets a refused pair be proposed again, saying why."""

    comment = TextAreaField(_l("Why may it be proposed again?"))

    def check(self):
        from exchange.services.proposal_input import parse_reason

        return parse_reason({"comment": self.comment.data})
