"""The caller, and the factories they may see."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from exchange import db
from exchange.api import bp, schemas
from exchange.api.auth import api_user
from exchange.api.lists import int_arg, page_args, page_body, text_arg
from exchange.api.openapi import PAGE, doc, query
from exchange.services import access, factories


@bp.get("/me")
@doc(_l("The token's user: role, park and factories"), tag="factories", answer=schemas.MeSchema)
def me():
    user = api_user()
    ids = sorted(access.managed_factory_ids(session=db.session(), user=user))
    return schemas.MeSchema().dump({**user.model_dump(), "factory_ids": ids})


@bp.get("/factories")
@doc(_l("The factories you may see"), tag="factories",
     params=[query("park", "a park's id", type="integer", minimum=1),
             query("q", "part of a name, an industry or a KSIC code"), *PAGE],
     answer=schemas.page_schema(schemas.FactorySchema))  # fmt: skip
def factory_list():
    s = db.session()
    park_id, factory_ids = access.list_scope(session=s, user=api_user(), park_id=int_arg("park"))
    page, per_page = page_args()
    found = factories.search_factories(session=s, park_id=park_id, factory_ids=factory_ids,
                                       text=text_arg("q") or "", page=page, per_page=per_page)  # fmt: skip
    return page_body(found, schemas.FactorySchema().dump)


@bp.get("/factories/<id:factory_id>")
@doc(_l("One factory"), tag="factories", answer=schemas.FactorySchema)
def factory(factory_id: int):
    fac = access.get_factory(session=db.session(), user=api_user(), factory_id=factory_id)
    return schemas.FactorySchema().dump(fac)
