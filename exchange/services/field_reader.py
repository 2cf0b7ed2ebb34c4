"""Typed values out of a flat mapping of strings (a form, a sheet row, a JSON body), with
every problem collected as (field, message) instead of stopping at the first.

The listing rules, the run options and a delivery all read their input through this, so a
page, a sheet and the API refuse the same input with the same words.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _

TRUE_WORDS = {"1", "true", "yes", "y", "on", "예", "네", "o"}
FALSE_WORDS = {"0", "false", "no", "n", "off", "아니오", "아니요", "x", ""}


class InvalidInput(ValueError):
    """Raised with every problem found, each as (field, message)."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors))
        self.errors = errors


def number_text(n: float) -> str:
    """A number as a person would type it back: 180000, not 1.8e+05 or 180000.0."""
    return str(int(n)) if float(n).is_integer() and abs(n) < 1e15 else repr(float(n))


class FieldReader:
    """Reads typed values out of the raw mapping, collecting errors instead of stopping."""

    def __init__(self, raw: Mapping[str, Any]):
        self.raw = raw
        self.errors: list[tuple[str, str]] = []

    def text(self, name: str) -> str:
        value = self.raw.get(name)
        if isinstance(value, dict | list | tuple):  # a JSON body can nest; no field does
            self.fail(name, _("Enter a single value, not a list or an object."))
            return ""
        text = "" if value is None else str(value).strip()
        if "\x00" in text:  # PostgreSQL refuses it in any text column
            self.fail(name, _("Remove the NUL character from this field."))
            return ""
        return text

    def fail(self, name: str, message: str) -> None:
        if (name, message) not in self.errors:
            self.errors.append((name, message))

    def number(self, name: str, *, required=False, minimum=None, above=None, maximum=None):
        text = self.text(name).replace(",", "")
        if not text:
            if required:
                self.fail(name, _("This field is required."))
            return None
        try:
            value = float(text)
        except ValueError:
            self.fail(name, _("Enter a number."))
            return None
        if not math.isfinite(value):
            self.fail(name, _("Enter a finite number."))
        elif above is not None and value <= above:
            self.fail(name, _("Must be greater than %(n)s.", n=number_text(above)))
        elif minimum is not None and value < minimum:
            self.fail(name, _("Must be at least %(n)s.", n=number_text(minimum)))
        elif maximum is not None and value > maximum:
            self.fail(name, _("Must be at most %(n)s.", n=number_text(maximum)))
        else:
            return value
        return None

    def whole(self, name: str, *, minimum: int, maximum: int) -> int | None:
        """A whole number within bounds; blank is None."""
        value = self.number(name, minimum=minimum, maximum=maximum)
        if value is not None and not value.is_integer():
            self.fail(name, _("Enter a whole number."))
            return None
        return None if value is None else int(value)

    def boolean(self, name: str, default: bool = False) -> bool:
        text = self.text(name).casefold()
        if name not in self.raw or self.raw.get(name) is None:
            return default
        if isinstance(self.raw.get(name), bool):
            return self.raw[name]
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False if text else default
        self.fail(name, _("Enter yes or no."))
        return default

    def date(self, name: str) -> date | None:
        value = self.raw.get(name)
        if isinstance(value, date):
            return value
        text = self.text(name)
        if not text:
            return None
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            self.fail(name, _("Enter a date as YYYY-MM-DD."))
            return None

    def choice(self, name: str, allowed: list[str], default: str | None = None) -> str | None:
        text = self.text(name).lower()
        if not text:
            if default is None:
                self.fail(name, _("This field is required."))
            return default
        if text not in allowed:
            self.fail(name, _("Choose one of: %(options)s.", options=", ".join(allowed)))
            return default
        return text

    def words(self, name: str) -> list[str]:
        """A list given as a list, or as one string split at commas, semicolons or spaces."""
        value = self.raw.get(name)
        if isinstance(value, list | tuple):
            return [str(v).strip() for v in value if str(v).strip()]
        return [w for w in self.text(name).replace(";", " ").replace(",", " ").split() if w]

    def check(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)
