"""What anyone may see: the front page, the material catalogue, the health check."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request
from sqlalchemy import text

from exchange import catalogue, db
from exchange.services import summary

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    s = db.session()
    return render_template(
        "public/index.html",
        parks=summary.park_overview(session=s),
    )


@bp.get("/materials")
def materials():
    q = request.args.get("q", "").strip()
    cat = catalogue.load()
    return render_template(
        "public/materials.html", q=q, materials=cat.search(q), codes=cat.search_waste_codes(q),
        catalogue=cat,
    )  # fmt: skip


@bp.get("/materials/<key>")
def material(key: str):
    cat = catalogue.load()
    item = cat.get(key)
    if item is None:
        abort(404)
    codes = [cat.ewc[c] for c in item.ewc if c in cat.ewc]
    return render_template("public/material.html", material=item, codes=codes, catalogue=cat)


@bp.get("/healthz")
def healthz():
    try:
        db.session().exec(text("SELECT 1")).one()
    except Exception as error:  # any failure of the database is what this reports
        return jsonify(status="error", database=str(error.__class__.__name__)), 503
    return jsonify(status="ok", database="ok")
