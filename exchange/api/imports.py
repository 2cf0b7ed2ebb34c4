"""Sheet imports for programs: the page's preview-then-confirm flow in two calls.

`POST /factories/{id}/imports` reads and checks the sheet and answers every row's status
(new, update, unchanged, duplicate, error) with a token; nothing is saved. `POST
/factories/{id}/imports/{token}` saves that preview, re-checked against the listings as they
are then. The rows stay on the server between the two calls (services.import_drafts).
"""

from __future__ import annotations

import base64
import binascii

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from exchange import db
from exchange.api import bp, schemas
from exchange.api.auth import api_user
from exchange.api.errors import ApiError
from exchange.api.lists import check_fields, json_body
from exchange.api.openapi import doc
from exchange.services import access, import_drafts, sheets


def _body() -> tuple[str, bytes, str | None]:
    body = json_body()
    check_fields(body, ["filename", "content", "encoding"])
    filename, content, encoding = body.get("filename"), body.get("content"), body.get("encoding")
    if not isinstance(filename, str) or not filename.strip():
        raise ApiError(422, _("This field is required."), field="filename")
    if not isinstance(content, str):
        raise ApiError(422, _("This field is required."), field="content")
    if encoding not in (None, "utf-8", "cp949"):
        raise ApiError(422, _("Choose one of: %(options)s.", options="utf-8, cp949"),
                       field="encoding")  # fmt: skip
    try:
        data = base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(422, _("Send the file's bytes in base64."), field="content") from None
    return filename, data, encoding


def _row(row: sheets.PreviewRow) -> dict:
    values = {k: sheets.typed(v) for k, v in row.raw.items() if not k.startswith("_")}
    return {"line": row.line, "status": row.status, "listing_id": row.listing_id,
            "values": values,
            "errors": [{"field": e.field, "message": e.message, "value": e.value}
                       for e in row.errors]}  # fmt: skip


@bp.post("/factories/<id:factory_id>/imports")
@doc(_l("Read and check a sheet of listings: every row's outcome, nothing saved"),
     tag="listings", body=schemas.ImportInputSchema, answer=schemas.ImportPreviewSchema,
     description=_l("The body carries a .csv or .xlsx file as the import page takes it. The "
                    "answer lists every row as new, update (a row with the id of one of the "
                    "factory's listings), unchanged, duplicate or error, with the values as "
                    "read. When no row has an error, `token` confirms the import: POST "
                    "/api/v1/factories/{factory_id}/imports/{token}. A file that cannot be "
                    "read as a sheet is refused with 422."))  # fmt: skip
def import_preview(factory_id: int):
    s, user = db.session(), api_user()
    fac = access.get_factory(session=s, user=user, factory_id=factory_id, listings=True)
    filename, content, encoding = _body()
    try:
        read = sheets.read_sheet(filename=filename, content=content, encoding=encoding,
                                 max_rows=current_app.config["IMPORT_MAX_ROWS"],
                                 time_budget_s=current_app.config["IMPORT_TIME_BUDGET_S"])  # fmt: skip
    except sheets.SheetRejected as bad:
        raise ApiError(422, bad.message, field="content") from None
    checked = sheets.preview(session=s, factory=fac, rows=read.rows)
    token = None
    if not checked.errors:
        token = import_drafts.save_draft(folder=_drafts(), factory_id=fac.id,
                                         user_id=user.id, read=read, filename=filename)  # fmt: skip
    s.rollback()
    return {"token": token, "counts": checked.counts(), "encoding": read.encoding,
            "notes": read.notes + checked.notes, "rows": [_row(r) for r in checked.rows]}  # fmt: skip


@bp.post("/factories/<id:factory_id>/imports/<token>")
@doc(_l("Save a checked import (the token of its preview)"), tag="listings",
     answer=schemas.ImportResultSchema, conflict=True)  # fmt: skip
def import_confirm(factory_id: int, token: str):
    s, user = db.session(), api_user()
    fac = access.get_factory(session=s, user=user, factory_id=factory_id, listings=True)
    folder = _drafts()
    read = import_drafts.load_draft(folder=folder, token=token, factory_id=fac.id,
                                    user_id=user.id)  # fmt: skip
    if read is None:
        raise ApiError(404, _("No preview is kept under this token: send the sheet again."))
    try:
        counts = sheets.apply_preview(session=s, factory=fac, user=user,
                                      checked=sheets.preview(session=s, factory=fac,
                                                             rows=read.rows))  # fmt: skip
    except sheets.SheetRejected as bad:
        s.rollback()
        raise ApiError(409, _("The listings changed since the preview: send the sheet again."),
                       code="stale-import", errors=[(e.field, e.message)
                                                    for e in bad.row_errors]) from None  # fmt: skip
    s.commit()
    import_drafts.drop_draft(folder=folder, token=token)
    return {"counts": counts}


def _drafts():
    return import_drafts.drafts_folder(current_app.config, current_app.instance_path)
