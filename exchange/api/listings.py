"""Listings: list, read, create, change, pause, resume, withdraw.

The body has the fields of the listing form and the import sheet, checked by the same
rules (services.listing_input)."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from exchange import db
from exchange.api import bp, schemas
from exchange.api.auth import api_user
from exchange.api.errors import ApiError
from exchange.api.lists import check_fields, int_arg, json_body, page_args, page_body, text_arg
from exchange.api.openapi import PAGE, doc, query
from exchange.i18n import format_number
from exchange.mail import mail_managers
from exchange.models import Listing, ListingKind, ListingStatus
from exchange.services import access, agreed, listings
from exchange.services.listing_input import (
    InvalidListing,
    ListingInput,
    columns,
    listing_to_raw,
    parse_listing,
)

STATUSES = [s.value for s in ListingStatus]
KINDS = [k.value for k in ListingKind]


def _dump(row) -> dict:
    """A listing, or a (listing, factory) row of a search."""
    return schemas.ListingSchema().dump(row if isinstance(row, Listing) else row[0])


@bp.get("/listings")
@doc(_l("The listings you may see, newest first"), tag="listings",
     params=[query("park", "a park's id", type="integer", minimum=1),
             query("factory", "a factory's id", type="integer", minimum=1),
             query("kind", type="string", enum=KINDS),
             query("status", "without it: active and paused", type="string", enum=STATUSES),
             query("material", "a material key (for wants: any it accepts)"),
             query("q", "part of the description or the factory's name"), *PAGE],
     answer=schemas.page_schema(schemas.ListingSchema))  # fmt: skip
def listing_list():
    s, user = db.session(), api_user()
    park_id, factory_ids = access.list_scope(session=s, user=user, park_id=int_arg("park"))
    if (factory_id := int_arg("factory")) is not None:
        access.get_factory(session=s, user=user, factory_id=factory_id)
        factory_ids = [factory_id]
    page, per_page = page_args()
    found = listings.search_listings(
        session=s, factory_ids=factory_ids, park_id=park_id, kind=text_arg("kind", KINDS),
        status=text_arg("status", STATUSES), material=text_arg("material"), text=text_arg("q"),
        page=page, per_page=per_page,
    )  # fmt: skip
    return page_body(found, _dump)


@bp.get("/listings/<id:listing_id>")
@doc(_l("One listing"), tag="listings", answer=schemas.ListingSchema)
def listing(listing_id: int):
    item, _fac = access.get_listing(session=db.session(), user=api_user(), listing_id=listing_id)
    return _dump(item)


def _parsed(raw: dict) -> ListingInput:
    try:
        return parse_listing(raw)
    except InvalidListing as bad:
        raise ApiError.invalid(bad) from None


@bp.post("/factories/<id:factory_id>/listings")
@doc(_l("Add an offer or a want to a factory you manage"), tag="listings", status=201,
     body=schemas.listing_input_schema(True), answer=schemas.ListingSchema)  # fmt: skip
def create_listing(factory_id: int):
    s, user = db.session(), api_user()
    fac = access.get_factory(session=s, user=user, factory_id=factory_id, listings=True)
    body = json_body()
    check_fields(body, columns())
    item = listings.create_listing(session=s, factory=fac, listing_in=_parsed(body), user=user)
    s.commit()
    headers = {"Location": url_for("api.listing", listing_id=item.id)}
    return _dump(item), 201, headers


@bp.patch("/listings/<id:listing_id>")
@doc(_l("Change a listing: the fields sent, the others as they are"), tag="listings",
     body=schemas.listing_input_schema(False), answer=schemas.ListingSchema,
     conflict=True)  # fmt: skip
def update_listing(listing_id: int):
    s, user = db.session(), api_user()
    item, _fac = access.get_listing(session=s, user=user, listing_id=listing_id, change=True)
    body = json_body()
    check_fields(body, columns())
    if item.status == ListingStatus.withdrawn:
        raise ApiError(409, _("A withdrawn listing cannot be changed."), code="withdrawn")
    raw = listing_to_raw(item)
    raw.update(body)
    try:
        listings.update_listing(session=s, listing=item, listing_in=_parsed(raw), user=user,
                                confirm=_confirm())  # fmt: skip
    except agreed.AgreedTonnesConflict as error:
        raise _agreed_error(error) from None
    s.commit()
    _mail_told(agreed.pop_told(s))
    return _dump(item)


def _confirm() -> bool:
    """`?confirm=true`: go below what agreed exchanges carry anyway."""
    return request.args.get("confirm", "").lower() in ("1", "true", "yes")


def _agreed_error(error: agreed.AgreedTonnesConflict) -> ApiError:
    names = ", ".join(
        _("#%(id)s with %(partner)s (%(tonnes)s t a month)", id=x.proposal.id,
          partner=x.partner.name if get_locale().language == "ko" else x.partner.name_en
          or x.partner.name, tonnes=format_number(x.proposal.tonnes_per_month))
        for x in error.exchanges
    )  # fmt: skip
    message = _("This would leave %(left)s t a month, below the %(held)s t a month that agreed "
                "exchanges carry: %(exchanges)s. Send it again with ?confirm=true to go ahead; "
                "the exchanges are then marked as needing attention and the coordinator and "
                "the partner factories are told.", left=format_number(error.tonnes),
                held=format_number(error.held), exchanges=names)  # fmt: skip
    exchanges = [{"id": x.proposal.id, "tonnes_per_month": x.proposal.tonnes_per_month,
                  "partner_factory_id": x.partner.id} for x in error.exchanges]  # fmt: skip
    return ApiError(409, message, code="agreed-tonnes",
                    details={"held_tonnes": error.held, "exchanges": exchanges})


def _mail_told(told) -> None:
    app = current_app._get_current_object()
    for proposal, people in told:
        mail_managers(app, people, agreed.NOTICE, proposal.id)


STATUS_ACTIONS = {
    "pause": ListingStatus.paused,
    "resume": ListingStatus.active,
    "withdraw": ListingStatus.withdrawn,
}


@bp.post("/listings/<id:listing_id>/<any(pause, resume, withdraw):action>")
@doc(_l("Pause, resume or withdraw a listing (a withdrawn one stays withdrawn)"),
     tag="listings", answer=schemas.ListingSchema, conflict=True)  # fmt: skip
def change_status(listing_id: int, action: str):
    s, user = db.session(), api_user()
    item, _fac = access.get_listing(session=s, user=user, listing_id=listing_id, change=True)
    try:
        listings.set_status(session=s, listing=item, status=STATUS_ACTIONS[action], user=user,
                            confirm=_confirm())  # fmt: skip
    except agreed.AgreedTonnesConflict as error:
        raise _agreed_error(error) from None
    except ValueError:
        raise ApiError(409, _("A withdrawn listing cannot be changed."), code="withdrawn") from None
    s.commit()
    _mail_told(agreed.pop_told(s))
    return _dump(item)
