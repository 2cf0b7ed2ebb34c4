"""The OpenAPI 3 document of /api/v1, built from the routes and their `doc` notes, and a page
that reads it to people.

apispec over flask-smorest: the views stay plain Flask views that call the services (as the
pages do), and the request rules stay in the services; apispec only needs the shapes
(schemas.py) and what each view says of itself. The readable page is rendered on the server
from the same document: no script, nothing from a CDN, so it works offline and under the CSP.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app, jsonify, render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from exchange.api import bp, schemas
from exchange.api.auth import is_public, public
from exchange.api.lists import MAX_ID, MAX_PER_PAGE
from exchange.services import api_tokens

ERRORS = (400, 401, 403, 404, 422)
PAGE = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                               "maximum": MAX_ID}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                   "maximum": MAX_PER_PAGE}},
]  # fmt: skip


def query(name: str, description: str = "", **schema) -> dict:
    return {"name": name, "in": "query", "description": description,
            "schema": schema or {"type": "string"}}  # fmt: skip


def doc(summary, *, tag: str, params=(), body=None, answer=None, status: int = 200,
        conflict: bool = False, description=None) -> Callable:  # fmt: skip
    """What a view tells the OpenAPI document: its summary, query parameters, the body it
    reads and the answer it gives (marshmallow schemas), and whether it can answer 409."""

    def mark(view: Callable) -> Callable:
        view.api_doc = dict(summary=summary, tag=tag, params=list(params), body=body,
                            answer=answer, status=status, conflict=conflict,
                            description=description)  # fmt: skip
        return view

    return mark


_ARG = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")


def _path_params(rule: str) -> tuple[str, list[dict]]:
    params = []
    for converter, args, name in _ARG.findall(rule):
        if converter == "any":
            schema = {"type": "string",
                      "enum": [a.strip().strip("'\"") for a in args.split(",")]}  # fmt: skip
        elif converter in ("id", "int"):
            schema = {"type": "integer", "minimum": 0, "maximum": MAX_ID}
        else:
            schema = {"type": "string"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return _ARG.sub(lambda m: "{" + m.group(3) + "}", rule), params


def _operation(rule, view: Callable, path_params: list[dict], method: str) -> dict:
    meta = view.api_doc
    # one view may serve several fixed paths (approve, reject): each its own operation
    op_id = "_".join([rule.endpoint.removeprefix("api."), *(rule.defaults or {}).values()])
    op = {"operationId": op_id, "summary": str(meta["summary"]),
          "tags": [meta["tag"]], "parameters": path_params + meta["params"],
          "security": [] if is_public(view) else [{"token": []}]}  # fmt: skip
    writes = not is_public(view) and method not in api_tokens.READ_METHODS
    # OpenAPI 3.0 has no scopes for bearer tokens: the extension says it to programs
    op["x-needs-write"] = writes
    notes = [str(meta["description"])] if meta["description"] else []
    if writes:
        notes.append(_("Needs a token that can write: a read-only token gets 403."))
    if notes:
        op["description"] = " ".join(notes)
    if meta["body"] is not None:
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": meta["body"]}}}  # fmt: skip
    answer = {"description": "OK" if meta["status"] == 200 else "Created"}
    if meta["answer"] is not None:
        answer["content"] = {"application/json": {"schema": meta["answer"]}}
    op["responses"] = {str(meta["status"]): answer}
    for code in ERRORS + ((409,) if meta["conflict"] else ()):
        op["responses"][str(code)] = {
            "description": _ERROR_WORDS[code],
            "content": {"application/json": {"schema": "Error"}},
        }
    return op


_ERROR_WORDS = {
    400: "Not JSON, or not a JSON object", 401: "No token, or a revoked or expired one",
    403: "Your role or factory may not do this, or the token is read-only",
    404: "No such object, or not one of yours",
    409: "A conflict: over-allocation, a decided or stale proposal, a run already under way",
    422: "A field was refused; `field` names it",
}  # fmt: skip


def build_spec() -> dict:
    """The document for the current locale (summaries are translated)."""
    spec = APISpec(
        title="By-product Exchange API", version="1", openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": _("Listings, match runs and proposals of the exchange, for "
                               "programs. Send a personal token from your profile page as "
                               "Authorization: Bearer <token>.")},
        servers=[{"url": "/"}],
    )  # fmt: skip
    spec.components.security_scheme("token", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=schemas.ErrorSchema)
    paths: dict[str, dict] = {}
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        view = current_app.view_functions[rule.endpoint]
        if not rule.endpoint.startswith("api.") or not hasattr(view, "api_doc"):
            continue
        path, params = _path_params(rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule, view, params, method)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def spec_for_locale() -> dict:
    cache = current_app.extensions.setdefault("openapi", {})
    locale = str(get_locale() or "ko")
    if locale not in cache:
        cache[locale] = build_spec()
    return cache[locale]


@bp.get("/openapi.json")
@public
@doc(_l("This document"), tag="about", answer={"type": "object"})
def openapi_json():
    return jsonify(spec_for_locale())


@bp.get("/docs")
@public
def docs_page():
    """The document as a page: every operation with its parameters, body and answers."""
    from exchange.api.docs_page import document

    return render_template("api/docs.html", doc=document(spec_for_locale()))
