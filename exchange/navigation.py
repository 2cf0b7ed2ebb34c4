"""Links to the current page with one thing changed: its language or its page number."""

from __future__ import annotations

from flask import Flask, request, url_for


def page_url(page: int) -> str:
    args = request.args.to_dict()
    args["page"] = page
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def lang_url(code: str) -> str:
    """This page in another language, keeping its query (filters, page)."""
    args = request.args.to_dict()
    args["lang"] = code
    return (
        url_for(request.endpoint, **(request.view_args or {}), **args) if request.endpoint else "/"
    )


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(page_url=page_url, lang_url=lang_url)
