"""The shapes of /api/v1's requests and answers, as marshmallow schemas.

They serve two ends: `dump` builds every answer (so an answer has exactly the documented
fields), and apispec turns them into the OpenAPI document. Requests are *described* here but
checked by the services' rules (services.listing_input, run_options, proposal_input), the
ones the pages and the sheet import use, so the API can never accept what a page refuses.
"""

from __future__ import annotations

from functools import cache

from marshmallow import Schema, fields, validate

from exchange import catalogue
from exchange.models import DisposalRoute, ListingKind, ListingStatus, ProposalStatus, RunStatus
from exchange.services.proposal_input import COMMENT_MAX


def _nullable_float(**kw):
    return fields.Float(allow_none=True, **kw)


class FieldErrorSchema(Schema):
    field = fields.String(required=True)
    message = fields.String(required=True)


class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"description": "for programs: not-found, "
                         "invalid, conflict, over-allocated-offer …"})  # fmt: skip
    message = fields.String(required=True, metadata={"description": "for people, translated"})
    field = fields.String(allow_none=True, required=True)
    errors = fields.List(fields.Nested(FieldErrorSchema))


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


class MeSchema(Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(["manager", "coordinator", "admin"]))
    park_id = fields.Integer(allow_none=True, required=True)
    factory_ids = fields.List(fields.Integer(), required=True)


class FactorySchema(Schema):
    id = fields.Integer(required=True)
    park_id = fields.Integer(required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)
    name_en = fields.String(required=True)
    industry_ko = fields.String(required=True)
    industry_en = fields.String(required=True)
    ksic = fields.String(required=True)
    address = fields.String(required=True)
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)
    modes = fields.Function(lambda f: f.modes.split(), required=True,
                            metadata={"type": "array", "items": {"type": "string"}})  # fmt: skip
    show_name = fields.Boolean(required=True)


class ListingSchema(Schema):
    id = fields.Integer(required=True)
    factory_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in ListingKind]))
    status = fields.String(required=True,
                           validate=validate.OneOf([s.value for s in ListingStatus]))  # fmt: skip
    material = fields.String(attribute="material_key", required=True)
    accepts = fields.Function(lambda x: x.accepts.split(), required=True,
                              metadata={"type": "array", "items": {"type": "string"}})  # fmt: skip
    description = fields.String(required=True)
    tonnes_per_month = fields.Float(required=True)
    steadiness = fields.String(required=True)
    available_from = fields.Date(allow_none=True, required=True)
    available_until = fields.Date(allow_none=True, required=True)
    lot_tonnes = _nullable_float(required=True)
    hazardous = fields.Boolean(required=True)
    analysis_report_no = fields.String(required=True, metadata={
        "description": "an offer of a mirror-entry material declared non-hazardous: the "
                       "analysis report that shows it (blank otherwise)"})
    analysis_report_date = fields.Date(allow_none=True, required=True)
    properties = fields.Dict(keys=fields.String(), values=fields.Float(), required=True)
    requirements = fields.Dict(keys=fields.String(), values=fields.Dict(
        keys=fields.String(), values=fields.Float()), required=True)  # fmt: skip
    disposal_route = fields.String(allow_none=True, required=True)
    disposal_cost_krw_per_t = _nullable_float(required=True)
    disposal_kg_co2e_per_t = _nullable_float(required=True)
    avoided_kg_co2e_per_t = _nullable_float(required=True)
    max_km = _nullable_float(required=True)
    show_name = fields.Boolean(required=True)
    version = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


@cache
def listing_input_schema(create: bool) -> type[Schema]:
    """The fields a listing is written with: the form's and the sheet's, with a value, min_
    and max_ field for every property of the catalogue."""
    cat = catalogue.load()
    keys = sorted(cat.materials)
    attrs = {
        "kind": fields.String(required=create, validate=validate.OneOf(
            [k.value for k in ListingKind])),
        "material": fields.String(required=create, validate=validate.OneOf(keys), metadata={
            "description": "a material key of the catalogue (its Korean or English name and "
                           "a waste code naming one material are taken too)"}),
        "accepts": fields.List(fields.String(validate=validate.OneOf(keys)), metadata={
            "description": "a want: further materials it takes"}),
        "description": fields.String(validate=validate.Length(max=2000)),
        "tonnes_per_month": fields.Float(required=create, validate=validate.Range(
            min=0, min_inclusive=False)),
        "steadiness": fields.String(validate=validate.OneOf(
            ["continuous", "monthly-batches", "one-off"])),
        "available_from": fields.Date(allow_none=True),
        "available_until": fields.Date(allow_none=True),
        "lot_tonnes": _nullable_float(validate=validate.Range(min=0, min_inclusive=False),
                                      metadata={"description": "a one-off lot's total tonnes: "
                                                "the tonnes a month are it over its months"}),
        "hazardous": fields.Boolean(metadata={
            "description": "an offer: blank takes the catalogue's classification; a material "
                           "hazardous by its code (hazard absolute) cannot be false; a mirror "
                           "entry needs analysis_report_no and analysis_report_date to be false"}),
        "analysis_report_no": fields.String(validate=validate.Length(max=80)),
        "analysis_report_date": fields.Date(allow_none=True),
        "disposal_route": fields.String(allow_none=True, validate=validate.OneOf(
            [d.value for d in DisposalRoute])),
        "disposal_cost_krw_per_t": _nullable_float(validate=validate.Range(min=0)),
        "disposal_kg_co2e_per_t": _nullable_float(validate=validate.Range(min=0)),
        "avoided_kg_co2e_per_t": _nullable_float(validate=validate.Range(min=0)),
        "max_km": _nullable_float(validate=validate.Range(min=0, min_inclusive=False)),
        "show_name": fields.Boolean(),
    }  # fmt: skip
    for key, prop in cat.properties.items():
        for name in (key, f"min_{key}", f"max_{key}"):
            attrs[name] = _nullable_float(validate=validate.Range(min=prop.min, max=prop.max),
                                          metadata={"description": f"{prop.en} ({prop.unit})"})  # fmt: skip
    return Schema.from_dict(attrs, name="ListingCreate" if create else "ListingChange")


class MaterialSchema(Schema):
    key = fields.String(required=True)
    en = fields.String(required=True)
    ko = fields.String(required=True)
    group = fields.String(required=True)
    hazardous = fields.Boolean(required=True)
    hazard = fields.String(required=True, validate=validate.OneOf(["absolute", "mirror", "none"]))
    ewc = fields.List(fields.String(), required=True)
    kr = fields.List(fields.String(), required=True)
    disposal_kg_co2e_per_t = fields.Function(
        lambda m: m.disposal.kg_co2e_per_t if m.disposal else None, allow_none=True,
        required=True, metadata={"type": "number"})  # fmt: skip
    virgin_avoided_kg_co2e_per_t = fields.Function(
        lambda m: m.virgin_avoided.kg_co2e_per_t if m.virgin_avoided else None, allow_none=True,
        required=True, metadata={"type": "number"})  # fmt: skip
    korean = fields.Function(
        lambda m: [{"code": c.code, "name": c.name, "kind": c.kind, "states": list(c.states),
                    "old": list(c.old)} for c in m.korean],
        required=True, metadata={"type": "array", "description": "Korean waste codes as Allbaro "
                                 "prints them: code, name, kind (general or designated), states, "
                                 "old dashed codes"})  # fmt: skip
    default_route = fields.String(required=True)
    factors = fields.Function(
        lambda m: {**{r: _factor(f) for r, f in m.routes.items()},
                   "virgin_avoided": _factor(m.virgin_avoided) if m.virgin_avoided else None},
        required=True, metadata={"type": "object", "description": "kg CO2e per tonne by route "
                                 "(landfill, incineration, energy_recovery, recycling, treatment) "
                                 "and for the virgin material avoided, each with its source and "
                                 "whether it is an estimate"})  # fmt: skip


def _factor(f) -> dict:
    return {"kg_co2e_per_t": f.kg_co2e_per_t, "source": f.source, "estimate": f.estimate,
            "basis": f.basis}  # fmt: skip


class RunOptionsSchema(Schema):
    min_lot_t = fields.Float(validate=validate.Range(min=0))
    max_partners_per_source = fields.Integer(allow_none=True, validate=validate.Range(1, 1000))
    max_partners_per_sink = fields.Integer(allow_none=True, validate=validate.Range(1, 1000))
    time_limit_s = fields.Float(validate=validate.Range(1, 3600))
    truck_factor = fields.Float(validate=validate.Range(min=0))
    truck_circuity = fields.Float(validate=validate.Range(1, 5))
    rail_factor = fields.Float(validate=validate.Range(min=0))
    rail_circuity = fields.Float(validate=validate.Range(1, 5))
    scope = fields.String(validate=validate.OneOf(["all", "materials"]))
    materials = fields.List(fields.String(validate=validate.OneOf(sorted(
        catalogue.load().materials))))  # fmt: skip
    month = fields.String(validate=validate.Regexp(r"^\d{4}-\d{2}$"),
                          metadata={"example": "2027-01",
                                    "description": "the month planned; blank: the park's next"})  # fmt: skip


class RunSchema(Schema):
    id = fields.Integer(required=True)
    park_id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in RunStatus]))
    finished = fields.Function(lambda r: r.status in ("done", "failed"), required=True,
                               metadata={"type": "boolean"})  # fmt: skip
    message = fields.String(required=True)
    options = fields.Dict(required=True)
    baseline_kg_co2e = _nullable_float(required=True)
    objective_kg_co2e = _nullable_float(required=True)
    saved_kg_co2e = _nullable_float(required=True)
    created_at = fields.DateTime(required=True)
    started_at = fields.DateTime(allow_none=True, required=True)
    finished_at = fields.DateTime(allow_none=True, required=True)
    retry_of_id = fields.Integer(allow_none=True, required=True)
    month = fields.Date(allow_none=True, required=True)
    # conflicts, listings not available in the month, and the summary: new proposals and
    # running (locked) exchanges apart (services.problems.BuiltProblem, services.runs)
    notes = fields.Function(lambda r: r.notes or {}, required=True, metadata={"type": "object"})


class ProposalSchema(Schema):
    id = fields.Integer(required=True)
    run_id = fields.Integer(required=True)
    park_id = fields.Integer(required=True)
    offer_id = fields.Integer(required=True)
    want_id = fields.Integer(required=True)
    material = fields.String(attribute="material_key", required=True)
    tonnes_per_month = fields.Float(required=True)
    mode = fields.String(required=True)
    km = fields.Float(required=True)
    transport_kg_co2e = fields.Float(required=True)
    disposal_avoided_kg_co2e = fields.Float(required=True)
    virgin_avoided_kg_co2e = fields.Float(required=True)
    net_saved_kg_co2e = fields.Float(required=True)
    status = fields.String(required=True,
                           validate=validate.OneOf([s.value for s in ProposalStatus]))  # fmt: skip
    offer_accepted_at = fields.DateTime(allow_none=True, required=True)
    want_accepted_at = fields.DateTime(allow_none=True, required=True)
    updated_at = fields.DateTime(required=True)
    needs_attention = fields.Boolean(required=True)
    refusal = fields.String(required=True, validate=validate.OneOf(["", "not-now", "never"]))
    refused_until = fields.Date(allow_none=True, required=True)
    ban_lifted_at = fields.DateTime(allow_none=True, required=True)


class CommentSchema(Schema):
    comment = fields.String(validate=validate.Length(max=COMMENT_MAX))
    refusal = fields.String(validate=validate.OneOf(["not-now", "never"]), metadata={
        "description": "reject and decline: not-now (with until) or never (the default)"})
    until = fields.String(validate=validate.Regexp(r"^\d{4}-\d{2}$"), metadata={
        "example": "2027-03", "description": "not-now: runs up to this month leave the pair out"})


class DeliveryInputSchema(Schema):
    month = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-\d{2}$"),
                          metadata={"example": "2026-03"})  # fmt: skip
    tonnes = fields.Float(required=True, validate=validate.Range(min=0, min_inclusive=False),
                          metadata={"description": "at most twice the agreed monthly tonnes"})
    note = fields.String(validate=validate.Length(max=500), metadata={
        "description": "required when the tonnes differ from the agreed monthly tonnes"})
    replace = fields.Boolean(metadata={
        "description": "true to replace a month already recorded (otherwise 409)"})


class DeliverySchema(Schema):
    proposal_id = fields.Integer(required=True)
    month = fields.Function(lambda d: f"{d.month:%Y-%m}", required=True,
                            metadata={"type": "string"})  # fmt: skip
    tonnes = fields.Float(required=True)
    note = fields.String(required=True)
    replaced_tonnes = fields.Float(allow_none=True, dump_default=None, metadata={
        "description": "on recording: what the month held before it was replaced"})
    recorded_at = fields.DateTime(required=True)


class SummarySchema(Schema):
    format = fields.String(required=True, metadata={"example": "exchange-summary/1"})
    parks = fields.List(fields.Dict(), required=True)


@cache
def page_schema(item: type[Schema]) -> type[Schema]:
    """The one list shape, for any item."""
    name = item.__name__.removesuffix("Schema") + "Page"
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item), required=True),
        "page": fields.Integer(required=True),
        "per_page": fields.Integer(required=True),
        "total": fields.Integer(required=True),
        "next": fields.Integer(allow_none=True, required=True),
    }, name=name)  # fmt: skip


class ImportInputSchema(Schema):
    filename = fields.String(required=True, validate=validate.Length(min=1, max=255),
                             metadata={"example": "listings.xlsx",
                                       "description": "ends in .csv or .xlsx"})  # fmt: skip
    content = fields.String(required=True, metadata={"description": "the file, base64"})
    encoding = fields.String(allow_none=True, validate=validate.OneOf(["utf-8", "cp949"]),
                             metadata={"description": "a CSV's; without it, detected"})  # fmt: skip


class ImportErrorSchema(Schema):
    field = fields.String(required=True)
    message = fields.String(required=True)
    value = fields.String(required=True, metadata={"description": "the cell as typed"})


class ImportRowSchema(Schema):
    line = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(
        ["new", "update", "unchanged", "duplicate", "error"]))  # fmt: skip
    listing_id = fields.Integer(allow_none=True, required=True)
    values = fields.Dict(keys=fields.String(), required=True,
                         metadata={"description": "the cells as read, by column"})  # fmt: skip
    errors = fields.List(fields.Nested(ImportErrorSchema), required=True)


class ImportCountsSchema(Schema):
    new = fields.Integer(required=True)
    update = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    duplicate = fields.Integer(required=True)
    error = fields.Integer(required=True)


class ImportPreviewSchema(Schema):
    token = fields.String(allow_none=True, required=True, metadata={
        "description": "confirm with POST …/imports/{token}; null when a row has errors"})  # fmt: skip
    counts = fields.Nested(ImportCountsSchema, required=True)
    encoding = fields.String(allow_none=True, required=True)
    notes = fields.List(fields.String(), required=True)
    rows = fields.List(fields.Nested(ImportRowSchema), required=True)


class ImportResultSchema(Schema):
    counts = fields.Nested(ImportCountsSchema, required=True)
