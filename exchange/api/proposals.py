"""Proposals and exchanges: the coordinator approves or rejects, both factories accept or
decline, the managers record what was delivered. The same steps and checks as the pages."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import Forbidden, NotFound

from exchange import db
from exchange.api import bp, schemas
from exchange.api.auth import api_user
from exchange.api.errors import ApiError
from exchange.api.lists import (
    check_fields,
    int_arg,
    json_body,
    page_args,
    page_body,
    text_arg,
)
from exchange.api.openapi import PAGE, doc, query
from exchange.coordination.reasons import refusal
from exchange.mail import mail_managers
from exchange.models import Park, Proposal, ProposalStatus, Role
from exchange.park_calendar import park_today
from exchange.services import access, proposal_pages, proposals
from exchange.services.field_reader import InvalidInput
from exchange.services.proposal_input import (
    parse_comment,
    parse_delivery,
    parse_reason,
    parse_refusal,
)

ALL = tuple(s.value for s in ProposalStatus)
EXCHANGES = (ProposalStatus.active, ProposalStatus.suspended, ProposalStatus.ended)
FILTERS = [query("park", "a park's id", type="integer", minimum=1),
           query("run", "a run's id", type="integer", minimum=1),
           query("material", "a material key"), *PAGE]  # fmt: skip


def _proposal(proposal_id: int) -> tuple[Proposal, list[str]]:
    """A manager of either factory (from approval on), the park's coordinator or an admin, as
    on the pages; for anyone else 404, as for an id that does not exist."""
    s, user = db.session(), api_user()
    item = s.get(Proposal, proposal_id)
    if item is None:
        raise NotFound()
    sides = proposals.side_of(session=s, proposal=item, user=user)
    if proposal_pages.manager_may_see(proposal=item, sides=sides):
        return item, sides
    if user.role != Role.manager and access.can_coordinate_park(
        user=user, park=s.get(Park, item.park_id)
    ):
        return item, sides
    raise NotFound()


def _search(statuses: tuple[str, ...]):
    s, user = db.session(), api_user()
    park_id, factory_ids = access.list_scope(session=s, user=user, park_id=int_arg("park"))
    if factory_ids is not None:  # managers see their exchanges from approval on
        statuses = tuple(x for x in statuses if x in proposal_pages.MANAGER_STATUSES)
    page, per_page = page_args()
    found = proposal_pages.search_proposals(
        session=s, park_id=park_id, factory_ids=factory_ids, statuses=statuses,
        run_id=int_arg("run"), material=text_arg("material"), page=page, per_page=per_page,
    )  # fmt: skip
    return page_body(found, schemas.ProposalSchema().dump)


@bp.get("/proposals")
@doc(_l("The proposals you may see, most CO2e saved first"), tag="proposals",
     params=[query("status", type="string", enum=list(ALL)), *FILTERS],
     answer=schemas.page_schema(schemas.ProposalSchema))  # fmt: skip
def proposal_list():
    status = text_arg("status", list(ALL))
    return _search((status,) if status else ALL)


@bp.get("/proposals/<id:proposal_id>")
@doc(_l("One proposal"), tag="proposals", answer=schemas.ProposalSchema)
def proposal(proposal_id: int):
    item, _sides = _proposal(proposal_id)
    return schemas.ProposalSchema().dump(item)


def _comment() -> str:
    body = json_body()
    check_fields(body, ("comment",))
    try:
        return parse_comment(body)
    except InvalidInput as bad:
        raise ApiError.invalid(bad) from None


def _refusal(item: Proposal):
    """A reject's or decline's body: `refusal` "not-now" (with `until`, YYYY-MM) or "never"
    (the default), and a comment."""
    body = json_body()
    check_fields(body, ("comment", "refusal", "until"))
    this_month = park_today(db.session().get(Park, item.park_id)).replace(day=1)
    try:
        return parse_refusal(body, this_month=this_month, default="never")
    except InvalidInput as bad:
        raise ApiError.invalid(bad) from None


def _refused(error: proposals.ProposalError, action: str) -> ApiError:
    db.session().rollback()
    return ApiError(409, refusal(error, action), code=error.code)


@bp.post("/proposals/<id:proposal_id>/approve", defaults={"action": "approve"})
@bp.post("/proposals/<id:proposal_id>/reject", defaults={"action": "reject"})
@doc(_l("The coordinator approves (both factories are told) or rejects a proposal"),
     tag="proposals", body=schemas.CommentSchema, answer=schemas.ProposalSchema,
     conflict=True)  # fmt: skip
def decide(proposal_id: int, action: str):
    s, user = db.session(), api_user()
    item, _sides = _proposal(proposal_id)
    if user.role == Role.manager:
        raise Forbidden()
    managers = []
    try:
        if action == "approve":
            managers = proposals.approve(session=s, proposal=item, user=user, comment=_comment())
        else:
            kind, until, comment = _refusal(item)
            proposals.reject(session=s, proposal=item, user=user, comment=comment,
                             refusal=kind, until=until)  # fmt: skip
    except proposals.ProposalError as error:
        raise _refused(error, action) from None
    s.commit()
    mail_managers(current_app._get_current_object(), managers, "proposal-approved", item.id)
    return schemas.ProposalSchema().dump(item)


@bp.post("/proposals/<id:proposal_id>/accept", defaults={"action": "accept"})
@bp.post("/proposals/<id:proposal_id>/decline", defaults={"action": "decline"})
@doc(_l("A factory's manager accepts or declines an approved proposal for their side"),
     tag="proposals", body=schemas.CommentSchema, answer=schemas.ProposalSchema,
     conflict=True)  # fmt: skip
def answer(proposal_id: int, action: str):
    s, user = db.session(), api_user()
    item, sides = _proposal(proposal_id)
    if not sides:
        raise Forbidden()  # only the factories' own managers answer for them
    kind, until, comment = _refusal(item) if action == "decline" else ("never", None, _comment())
    try:
        managers = proposals.answer(session=s, proposal=item, user=user, sides=sides,
                                    action=action, comment=comment, refusal=kind,
                                    until=until)  # fmt: skip
    except proposals.ProposalError as error:
        raise _refused(error, action) from None
    s.commit()
    mail_managers(current_app._get_current_object(), managers, "exchange-active", item.id)
    return schemas.ProposalSchema().dump(item)


@bp.get("/exchanges")
@doc(_l("Running and past exchanges you may see"), tag="exchanges",
     params=[query("status", type="string", enum=[s.value for s in EXCHANGES]), *FILTERS],
     answer=schemas.page_schema(schemas.ProposalSchema))  # fmt: skip
def exchange_list():
    status = text_arg("status", [s.value for s in EXCHANGES])
    return _search((status,) if status else tuple(s.value for s in EXCHANGES))


@bp.post("/proposals/<id:proposal_id>/lift")
@doc(_l("The coordinator lets a rejected or declined pair be proposed again, saying why"),
     tag="proposals", body=schemas.CommentSchema, answer=schemas.ProposalSchema,
     conflict=True)  # fmt: skip
def lift_ban(proposal_id: int):
    s, user = db.session(), api_user()
    item, _sides = _proposal(proposal_id)
    if user.role == Role.manager:
        raise Forbidden()
    body = json_body()
    check_fields(body, ("comment",))
    try:
        reason = parse_reason(body)
    except InvalidInput as bad:
        raise ApiError.invalid(bad) from None
    try:
        proposals.lift_ban(session=s, proposal=item, user=user, comment=reason)
    except proposals.ProposalError as error:
        raise _refused(error, "lift") from None
    s.commit()
    return schemas.ProposalSchema().dump(item)


@bp.post("/exchanges/<id:proposal_id>/<any(suspend, resume, end):action>")
@doc(_l("Suspend, resume or end an exchange: a factory's manager suspends or ends, the park's "
        "coordinator also resumes"), tag="exchanges", body=schemas.CommentSchema,
     answer=schemas.ProposalSchema, conflict=True)  # fmt: skip
def change_life(proposal_id: int, action: str):
    s, user = db.session(), api_user()
    item, sides = _proposal(proposal_id)
    if user.role == Role.manager and (not sides or action == "resume"):
        raise Forbidden()  # as on the pages: resuming is the coordinator's
    comment = _comment()
    try:
        proposals.change_life(session=s, proposal=item, user=user, action=action,
                              comment=comment)  # fmt: skip
    except proposals.ProposalError as error:
        raise _refused(error, action) from None
    s.commit()
    return schemas.ProposalSchema().dump(item)


@bp.get("/exchanges/<id:proposal_id>/deliveries")
@doc(_l("What an exchange delivered, month by month, the latest first"), tag="exchanges",
     params=[*PAGE], answer=schemas.page_schema(schemas.DeliverySchema))  # fmt: skip
def delivery_list(proposal_id: int):
    item, _sides = _proposal(proposal_id)
    page, per_page = page_args()
    found = proposal_pages.delivery_page(session=db.session(), proposal_id=item.id, page=page,
                                         per_page=per_page)  # fmt: skip
    return page_body(found, schemas.DeliverySchema().dump)


@bp.post("/exchanges/<id:proposal_id>/deliveries")
@doc(_l("Record the tonnes an exchange delivered in a month (a month it ran, up to this month "
        "in the park; a recorded month only with replace: true)"),
     tag="exchanges", body=schemas.DeliveryInputSchema, answer=schemas.DeliverySchema,
     status=201, conflict=True)  # fmt: skip
def record_delivery(proposal_id: int):
    s, user = db.session(), api_user()
    item, sides = _proposal(proposal_id)
    if not sides:
        raise Forbidden()
    body = json_body()
    check_fields(body, ("month", "tonnes", "note", "replace"))
    try:
        given = parse_delivery(body)
    except InvalidInput as bad:
        raise ApiError.invalid(bad) from None
    try:
        done = proposals.record_delivery(session=s, proposal=item, user=user, month=given.month,
                                         tonnes=given.tonnes, note=given.note,
                                         replace=given.replace)  # fmt: skip
    except proposals.ProposalError as error:
        raise _refused(error, "deliver") from None
    s.commit()
    body = schemas.DeliverySchema().dump(done.delivery)
    body["replaced_tonnes"] = done.replaced_tonnes
    return body, 201
