"""Reading the fields of a JSON problem, with messages that name the field and the item.

`Item` wraps one JSON object of the file (a source, a sink, an option block...) and reads
typed fields from it; anything wrong raises `ProblemError` with a message such as
`sources[3] (id "S4"): tonnes must be a finite number >= 0`.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["Item", "ProblemError", "items"]


class ProblemError(ValueError):
    """A problem file that breaks the contract; the message names the field and the item."""


class Item:
    """One item of the file being read, so every message can name the field and the item.

    >>> Item("sources", {"id": "S4", "tonnes": -1}, 3).number("tonnes")
    Traceback (most recent call last):
    ...
    matching.fields.ProblemError: sources[3] (id "S4"): tonnes must be a finite number >= 0
    """

    def __init__(self, label: str, data: Any, index: int | None = None, parent=None):
        self.name = label
        self.index = index
        self.data = data
        self.parent = parent

    @property
    def label(self) -> str:
        # built only for messages: 60,000 f-strings cost more than the checks themselves
        if self.parent is not None:
            return f"{self.parent.label} {self.name}"
        if self.index is None:
            return self.name
        label = f"{self.name}[{self.index}]"
        if isinstance(self.data.get("id"), str):
            label += f' (id "{self.data["id"]}")'
        return label

    def inner(self, name: str, data: Any) -> Item:
        """A JSON object inside this item, named in messages after the item."""
        return Item(name, data, parent=self)

    def fail(self, message: str, key: str | None = None) -> None:
        field_ = f"{key} " if key else ""
        raise ProblemError(f"{self.label}: {field_}{message}")

    def get(self, key: str, default: Any = ..., *, required: bool = True) -> Any:
        if key in self.data and self.data[key] is not None:
            return self.data[key]
        if default is ... and required:
            self.fail("is missing", key)
        return None if default is ... else default

    def number(
        self, key: str, default: Any = ..., *, minimum: float | None = 0.0, positive=False
    ) -> float | None:
        value = self.data.get(key)
        if value is None:
            return self.get(key, default)
        if type(value) not in (float, int):  # bool is an int subclass, but not a number here
            self.fail("must be a number", key)
        if not math.isfinite(value) or abs(value) > 1e300:
            self.fail("must be a finite number", key)
        if positive and value <= 0:
            self.fail("must be a finite number > 0", key)
        if minimum is not None and value < minimum:
            self.fail(f"must be a finite number >= {minimum:g}", key)
        return float(value)

    def integer(self, key: str) -> int | None:
        value = self.get(key, None)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.fail("must be a whole number >= 0 or null", key)
        return value

    def flag(self, key: str) -> bool:
        value = self.get(key, False)
        if not isinstance(value, bool):
            self.fail("must be true or false", key)
        return value

    def text(self, key: str, default: Any = ...) -> str:
        value = self.get(key, default)
        if not isinstance(value, str) or (default is ... and not value):
            self.fail("must be a non-empty string", key)
        return value


def items(data: dict, key: str, *, required: bool = False) -> list[Item]:
    """The objects of the list `data[key]`, each as an `Item` named `key[k]`."""
    if key not in data and required:
        raise ProblemError(f"problem: {key} is missing")
    items = data.get(key)
    items = [] if items is None else items
    if not isinstance(items, list):
        raise ProblemError(f"problem: {key} must be a list")
    wheres = []
    for k, item in enumerate(items):
        if not isinstance(item, dict):
            raise ProblemError(f"{key}[{k}]: must be a JSON object")
        wheres.append(Item(key, item, k))
    return wheres
