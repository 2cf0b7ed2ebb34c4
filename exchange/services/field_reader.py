"""Typed values out of a flat mapping of strings (a form, a sheet row, a JSON body), with
every problem collected as (field, message) instead of stopping at the first.

The listing rules, the run options and a delivery all read their input through this, so a
page, a sheet and the API refuse the same input with the same words.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

# After NFKC: digits in ASCII only (re.ASCII), a thousands comma only between groups of three,
# a point for decimals. "3,5" (a decimal comma) and "1,2,0" match neither and are refused
# rather than read as 35 or 120; "1_000" and Arabic-Indic digits, which float() takes, too.
NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:e[+-]?\d+)?", re.ASCII | re.I)
NOT_FINITE = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}
# A unit typed after the number, and the factor to the field's own unit; longest first, as
# they are tried in this order ("tonnes" before "t").
TONNE_UNITS = {"tonnes": 1.0, "tonne": 1.0, "tons": 1.0, "ton": 1.0, "kg": 0.001, "톤": 1.0,
               "t": 1.0}  # fmt: skip
PERCENT_UNITS = {"%": 1.0}
# 2026-12-01, 2026.12.01, 2026. 12. 1., 2026/12/1, 2026년 12월 1일, and a time after it
KOREAN_DATE = re.compile(
    r"(\d{4})\s*[-./년]\s*(\d{1,2})\s*[-./월]\s*(\d{1,2})\s*[.일]?(?:[ tT]\d{1,2}:\d{2}(?::\d{2})?)?",
    re.ASCII,
)

TRUE_WORDS = {"1", "true", "yes", "y", "on", "예", "네", "o"}
FALSE_WORDS = {"0", "false", "no", "n", "off", "아니오", "아니요", "x", ""}


class InvalidInput(ValueError):
    """Raised with every problem found, each as (field, message)."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors))
        self.errors = errors


def normal_text(value: Any) -> str:
    """Typed text as stored: NFC (Hangul pasted from macOS arrives decomposed, NFD), trimmed."""
    text = "" if value is None else str(value)
    return (text if text.isascii() else unicodedata.normalize("NFC", text)).strip()


def folded(value: Any) -> str:
    """Text as compared with words and codes: NFC then NFKC (full-width forms become their
    ASCII twins: "１，２００" is "1,200"), case-folded, inner runs of space made one."""
    if isinstance(value, str) and value.isascii():  # most cells: nothing to normalise
        return " ".join(value.casefold().split())
    text = unicodedata.normalize("NFKC", normal_text(value))
    return " ".join(text.casefold().split())


class NotANumber(ValueError):
    """The text is no number under the one rule; `message` says why, for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def read_number(value: Any, units: Mapping[str, float] | None = None) -> float | None:
    """A number from a cell, a form field or a JSON value; None when blank.

    Text is NFKC-normalised first; then the one rule (see NUMBER); a unit in `units`
    may follow ("120 t", "500kg" is 0.5 with TONNE_UNITS). Raises `NotANumber`.
    >>> read_number("１，２００톤", TONNE_UNITS)
    1200.0
    """
    if isinstance(value, bool):
        raise NotANumber(_("Enter a number."))
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = folded(value)
        if not text:
            return None
        factor = 1.0
        for unit, unit_factor in (units or {}).items():
            if text.endswith(unit) and text[: -len(unit)].strip()[-1:].isdigit():
                text, factor = text[: -len(unit)].strip(), unit_factor
                break
        if text in NOT_FINITE:
            raise NotANumber(_("Enter a finite number."))
        if not NUMBER.fullmatch(text):
            if re.fullmatch(r"[+-]?[\d,]+(?:\.\d+)?", text, re.ASCII):
                raise NotANumber(
                    _("A comma here can only separate thousands in groups of three (1,200); "
                      "write decimals with a point (3.5).")
                )  # fmt: skip
            raise NotANumber(_("Enter a number."))
        number = float(text.replace(",", "")) * factor
    if not math.isfinite(number):
        raise NotANumber(_("Enter a finite number."))
    return number


def read_date(value: Any) -> date | None:
    """A date from an Excel date cell, a JSON string or Korean typed forms; None when blank.
    Raises ValueError when the text is no date."""
    if isinstance(value, datetime):
        return value.date()  # a datetime would not compare with the dates beside it
    if isinstance(value, date):
        return value
    text = folded(value)
    if not text:
        return None
    match = KOREAN_DATE.fullmatch(text)
    if not match:
        raise ValueError(text)
    year, month, day = (int(g) for g in match.groups())
    return date(year, month, day)


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
        text = normal_text(value)
        if "\x00" in text:  # PostgreSQL refuses it in any text column
            self.fail(name, _("Remove the NUL character from this field."))
            return ""
        return text

    def fail(self, name: str, message: str) -> None:
        if (name, message) not in self.errors:
            self.errors.append((name, message))

    def number(
        self, name: str, *, required=False, minimum=None, above=None, maximum=None, units=None
    ):
        """A number under the one rule (`read_number`); `units` the suffixes it may carry."""
        value = self.raw.get(name)
        if value is None and not required:  # most of a sheet's property columns are blank
            return None
        if not isinstance(value, int | float) or isinstance(value, bool):
            value = self.text(name)
        try:
            value = read_number(value, units)
        except NotANumber as bad:
            self.fail(name, bad.message)
            return None
        if value is None:
            if required:
                self.fail(name, _("This field is required."))
            return None
        if above is not None and value <= above:
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
        text = folded(self.text(name))
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
        if not isinstance(value, date):
            value = self.text(name)
        try:
            return read_date(value)
        except ValueError:
            self.fail(name, _("Enter a date as YYYY-MM-DD (2026-12-01 or 2026.12.01)."))
            return None

    def choice(
        self, name: str, allowed: list[str], default: str | None = None,
        words: Mapping[str, str] | None = None,
    ) -> str | None:  # fmt: skip
        """One of `allowed`, given as itself or as one of `words` (a label, folded, to a value)."""
        text = folded(self.text(name))
        if not text:
            if default is None:
                self.fail(name, _("This field is required."))
            return default
        text = (words or {}).get(text, text)
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
