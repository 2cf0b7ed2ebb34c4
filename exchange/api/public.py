"""What /api/v1 answers without a token: the parks' summary and the material catalogue."""

from __future__ import annotations

import json

from flask import Response, abort
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from exchange import catalogue, db
from exchange.api import bp, schemas
from exchange.api.auth import public
from exchange.api.lists import page_args, page_body, page_of, text_arg
from exchange.api.openapi import PAGE, doc, query
from exchange.models import Park
from exchange.public.views import park_today
from exchange.services import factories, results


@bp.get("/summary")
@public
@doc(_l("Every park's results and the factors behind them"), tag="public",
     params=[query("park", "a park's slug: that park only")],
     answer=schemas.SummarySchema)  # fmt: skip
def summary():
    """Open data, the figures of the public pages (cached by the parks' data versions)."""
    s = db.session()
    slug = text_arg("park")
    ids = factories.park_ids(session=s)
    if slug:
        park_id = factories.park_id_by_slug(session=s, slug=slug)
        if park_id is None:
            abort(404)
        ids = [park_id]
    days = {i: park_today(s.get(Park, i)) for i in ids}  # each park's month turns in its zone
    version = tuple((results.data_version(session=s, park_id=i), days[i].isoformat()[:7])
                    for i in ids)  # fmt: skip

    def body() -> str:
        parks = [results.park_results(session=s, park=s.get(Park, i), today=days[i]) for i in ids]
        return json.dumps({"format": "exchange-summary/1", "parks": parks}, ensure_ascii=False)

    text = results.memo(0, version, f"summary:{','.join(map(str, ids))}", body)
    return Response(text, mimetype="application/json")


@bp.get("/materials")
@public
@doc(_l("The material catalogue, or the materials a search finds"), tag="public",
     params=[query("q", "a Korean or English name, or an EU or Korean waste code"), *PAGE],
     answer=schemas.page_schema(schemas.MaterialSchema))  # fmt: skip
def materials():
    found = catalogue.load().search(text_arg("q") or "", str(get_locale()))
    page, per_page = page_args()
    return page_body(page_of(found, page=page, per_page=per_page), schemas.MaterialSchema().dump)


@bp.get("/materials/<key>")
@public
@doc(_l("One material of the catalogue"), tag="public", answer=schemas.MaterialSchema)
def material(key: str):
    item = catalogue.load().get(key)
    if item is None:
        abort(404)
    return schemas.MaterialSchema().dump(item)
