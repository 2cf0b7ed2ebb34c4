"""Links to the current page with one thing changed: its language or its page number.

The query is copied into the link as text, never handed to `url_for` as keyword arguments:
there `?_external=1&_scheme=…` would make the link absolute on whatever Host the request
named (and the public pages are cached for every visitor), and `?_method=POST` a BuildError.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, g, request, url_for


def _this_page(**changed) -> str:
    """This page's path, its query kept in order with `changed` put in place of its own; a page
    built for everyone (`g.page_for_anyone`, the public cache) keeps none of the query."""
    if not request.endpoint or request.url_rule is None:
        return "/?" + urlencode(changed)
    path = url_for(request.endpoint, **(request.view_args or {}))
    kept = () if g.get("page_for_anyone") else request.args.items(multi=True)
    pairs = [(k, v) for k, v in kept if k not in changed]
    pairs += [(k, str(v)) for k, v in changed.items()]
    return f"{path}?{urlencode(pairs)}"


def page_url(page: int) -> str:
    return _this_page(page=page)


def lang_url(code: str) -> str:
    """This page in another language, keeping its query (filters, page)."""
    return _this_page(lang=code)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(page_url=page_url, lang_url=lang_url)
