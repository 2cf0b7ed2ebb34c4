"""The examples in matching's docstrings run and say what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import matching

MODULES = sorted(m.name for m in pkgutil.iter_modules(matching.__path__, "matching."))


@pytest.mark.parametrize("name", ["matching", *MODULES])
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
