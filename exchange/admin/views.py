"""An administrator's overview: every park, every account."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlmodel import select

from exchange import db
from exchange.models import Role, User
from exchange.security import roles_required
from exchange.services import factories

bp = Blueprint("admin", __name__)


@bp.get("/")
@roles_required(Role.admin)
def index():
    s = db.session()
    parks = factories.all_parks(session=s)
    accounts = list(s.exec(select(User).order_by(User.role, User.email)))
    return render_template("admin/index.html", parks=parks, accounts=accounts)
