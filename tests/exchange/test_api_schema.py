"""schemathesis against the app's own OpenAPI document: every operation, a bounded number of
generated requests each, with a real coordinator's token. No 5xx, and every answer as the
document says (status code, content type, body schema)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from exchange.services import api_tokens
from exchange.services.listing_input import parse_listing
from exchange.services.listings import create_listing

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]  # fmt: skip


@pytest.fixture
def token(app, session, world) -> str:
    """A coordinator's token, and a listing of the park for the reads to find."""
    with app.test_request_context():
        create_listing(session=session, factory=world.factory_a, user=world.manager_a,
                       listing_in=parse_listing({"kind": "offer", "material": "fgd-gypsum",
                                                 "tonnes_per_month": "120"}))  # fmt: skip
        _t, secret = api_tokens.create_token(session=session, user=world.coordinator, name="x")
    session.commit()
    return secret


def test_every_operation_answers_as_documented(app, token):
    """One hypothesis run per operation (schemathesis' lazy pytest loader does not work with
    pytest 9 yet, so the operations are walked here)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 29  # all but openapi.json itself (26, the two of sheet imports, lift)
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=20, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def check(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        check()


def test_the_document_lists_every_api_route_and_its_security(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.0.3"
    assert spec["components"]["securitySchemes"]["token"] == {"type": "http", "scheme": "bearer"}
    ops = {(m.upper(), p) for p, item in spec["paths"].items() for m in item}
    assert ("POST", "/api/v1/factories/{factory_id}/listings") in ops
    assert ("GET", "/api/v1/runs/{run_id}/{what}") in ops
    assert ("POST", "/api/v1/exchanges/{proposal_id}/deliveries") in ops
    assert ("POST", "/api/v1/proposals/{proposal_id}/approve") in ops
    assert ("POST", "/api/v1/proposals/{proposal_id}/decline") in ops
    assert spec["paths"]["/api/v1/summary"]["get"]["security"] == []
    assert spec["paths"]["/api/v1/listings"]["get"]["security"] == [{"token": []}]
    assert ("POST", "/api/v1/proposals/{proposal_id}/lift") in ops
    assert len(ops) == 30
