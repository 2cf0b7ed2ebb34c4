"""An upload read and checked, kept on the server between its preview and its confirmation.

The rows live in a JSON file under the instance folder, named by a random token; the file
records the factory and the user, so only they can confirm it, and it is dropped once used.
Nothing of the upload travels in the page, so nobody can alter rows between the two steps.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from datetime import date
from pathlib import Path
from typing import Any

from exchange.services.sheets import ReadSheet

KEEP_S = 24 * 3600  # a preview left unconfirmed is dropped after a day
TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


def drafts_folder(config: dict, instance_path: str) -> Path:
    """IMPORT_DRAFTS when set, else instance/imports."""
    return Path(config.get("IMPORT_DRAFTS") or Path(instance_path, "imports"))


def _path(folder: str | Path, token: str) -> Path | None:
    return Path(folder, f"{token}.json") if TOKEN.fullmatch(token or "") else None


def save_draft(*, folder: str | Path, factory_id: int, user_id: int, read: ReadSheet,
               filename: str) -> str:  # fmt: skip
    """Keep the rows; return the token that names them."""
    where = Path(folder)
    where.mkdir(parents=True, exist_ok=True)
    for old in where.glob("*.json"):
        if old.stat().st_mtime < time.time() - KEEP_S:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    body = {"factory_id": factory_id, "user_id": user_id, "filename": filename,
            "encoding": read.encoding, "notes": read.notes,
            "rows": [{k: _plain(v) for k, v in row.items()} for row in read.rows]}  # fmt: skip
    path = _path(folder, token)
    try:
        path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    except BaseException:  # a full disk: no half-written draft left behind
        path.unlink(missing_ok=True)
        raise
    return token


def load_draft(*, folder: str | Path, token: str, factory_id: int, user_id: int) -> ReadSheet | None:
    """The rows kept under `token`, or None when there are none for this factory and user."""
    path = _path(folder, token)
    if path is None or not path.exists():
        return None
    body = json.loads(path.read_text(encoding="utf-8"))
    if body["factory_id"] != factory_id or body["user_id"] != user_id:
        return None
    return ReadSheet(rows=body["rows"], notes=body["notes"], encoding=body["encoding"])


def drop_draft(*, folder: str | Path, token: str) -> None:
    path = _path(folder, token)
    if path is not None:
        path.unlink(missing_ok=True)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
