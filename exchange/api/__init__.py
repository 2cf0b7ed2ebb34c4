"""The JSON API at /api/v1, for factories' ERP or FEMS and parks' own dashboards.

It does what the pages do, through the same services and access checks; it authenticates
only by a personal token (`Authorization: Bearer …`, see auth.py), so it is exempt from the
pages' CSRF protection. Its OpenAPI document is built from these views (openapi.py).
"""

from __future__ import annotations

from flask import Blueprint, Flask
from werkzeug.routing import IntegerConverter

bp = Blueprint("api", __name__)


class IdConverter(IntegerConverter):
    """A row id: digits up to a database integer, so a huge number is a 404, not an overflow."""

    def __init__(self, map, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, **kwargs)


def init_app(app: Flask) -> None:
    from exchange.api import (  # noqa: F401  the modules register their routes on bp
        auth,
        errors,
        factories,
        imports,
        listings,
        openapi,
        proposals,
        public,
        runs,
    )
    from exchange.security import csrf

    app.url_map.converters["id"] = IdConverter
    app.json.ensure_ascii = False  # Korean messages readable in the JSON, not \uXXXX escapes
    csrf.exempt(bp)
    app.register_blueprint(bp, url_prefix="/api/v1")
