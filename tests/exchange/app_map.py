"""The app's routes and forms, enumerated, so the security tests cover new ones by themselves."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from flask import url_for
from flask_wtf import FlaskForm
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter, IntegerConverter
from wtforms.fields.core import UnboundField

# Routes under /api/ authenticate with a Bearer token, which a browser never adds by itself,
# so they need no CSRF token; in exchange they must refuse a session cookie (test_security).
API_PREFIX = "/api/"


def routes(app, method: str, with_ids: bool | None = None) -> list[Rule]:
    """The app's rules for `method` (API and static files apart); `with_ids`: only those with
    (True) or without (False) an integer in the path."""
    rules = [r for r in app.url_map.iter_rules() if method in r.methods
             and not r.rule.startswith(API_PREFIX) and r.endpoint != "static"]  # fmt: skip
    if with_ids is not None:
        rules = [r for r in rules if bool(int_args(r)) == with_ids]
    return rules


def int_args(rule: Rule) -> list[str]:
    return [name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]


def urls(app, rule: Rule, ids: dict[str, int]) -> list[str]:
    """Every URL of the rule: each choice of an any(...) part, `ids` for the integers (those
    the rule has), "x" for any other text (a token, a slug)."""
    ids = {name: value for name, value in ids.items() if name in rule.arguments}
    options = {name: sorted(conv.items) for name, conv in rule._converters.items()
               if isinstance(conv, AnyConverter)}  # fmt: skip
    missing = set(int_args(rule)) - set(ids)
    assert not missing, f"{rule.rule}: tell this test which object {missing} should name"
    fixed = dict(rule.defaults or {})  # e.g. the API's approve and reject: one view, two paths
    text = {name: "x" for name in set(rule.arguments) - set(options) - set(int_args(rule))
            - set(fixed)}  # fmt: skip
    with app.test_request_context():
        return [url_for(rule.endpoint, **ids, **text, **fixed,
                        **dict(zip(options, combo, strict=True)))
                for combo in itertools.product(*options.values())]  # fmt: skip


def form_fields() -> Iterator[tuple[str, str, UnboundField]]:
    """(form, field name, field) of every form class the app has imported."""
    todo = list(FlaskForm.__subclasses__())
    while todo:
        form = todo.pop()
        todo += form.__subclasses__()
        for name in dir(form):
            if isinstance(field := getattr(form, name), UnboundField):
                yield form.__name__, name, field
