"""The by-product exchange web application.

`create_app()` is the only entry point: `flask --app exchange run`, gunicorn
`'exchange:create_app()'` and the tests all go through it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask

from exchange import config, db, errors, i18n, navigation, security

__all__ = ["create_app"]


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults in code, then instance/config.py, then EXCHANGE_* env vars."""
    root = Path(__file__).resolve().parent.parent
    app = Flask(
        __name__,
        instance_path=str(root / "instance"),
        instance_relative_config=True,
        template_folder=str(root / "templates"),
    )
    app.config.from_object(config.Defaults)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("EXCHANGE")
        if os.environ.get("DATABASE_URL"):
            app.config["DATABASE_URL"] = os.environ["DATABASE_URL"]
    else:
        app.config.from_mapping(test_config)
    config.finish(app)
    if not app.logger.level:  # Flask would drop info; mails without a server are logged at it
        app.logger.setLevel(logging.INFO)

    db.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    navigation.init_app(app)
    _register_blueprints(app)

    from exchange import cli

    cli.init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from exchange import api
    from exchange.admin.views import bp as admin_bp
    from exchange.auth import tokens  # noqa: F401  the token routes of the profile page
    from exchange.auth.views import bp as auth_bp
    from exchange.coordination.views import bp as coordination_bp
    from exchange.exchanges.views import bp as exchanges_bp
    from exchange.listings.views import bp as listings_bp
    from exchange.public.views import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(listings_bp, url_prefix="/factories")
    app.register_blueprint(coordination_bp, url_prefix="/coordination")
    app.register_blueprint(exchanges_bp, url_prefix="/exchanges")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    api.init_app(app)
