"""Schema-driven fuzzing of the JSON API (Schemathesis): for every operation of the OpenAPI
document, generated requests (valid and not) must never get a 5xx, and every answer must be
one the document describes: its status, content type, headers and body schema.

Bounded (``MAX_EXAMPLES`` per operation, derandomised under CI) so that it runs on every CI
run, on SQLite and on PostgreSQL, against the app with a market, a volunteer, a manager and a
stall in it, so that generated ids and codes sometimes hit something real.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from schemathesis import checks
from hypothesis import HealthCheck, given, settings

from merchant_onboard.models import Role

MAX_EXAMPLES = int(os.environ.get("MO_FUZZ_EXAMPLES", "15"))
#: No server error, and nothing the document does not describe. Whether the API accepts every
#: request the document allows is not asked: the document states the domain's rules where a
#: schema can (lengths, a stall code's letters, a phone's digits), but some only the domain
#: can judge (a phone's prefixes, a bank's name, a market code already taken), answering 422.
CHECKS = [checks.not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance, checks.response_headers_conformance,
          checks.response_schema_conformance]


@pytest.fixture
def api_schema(app, make_market, make_user, make_stall):
    market = make_market("cho-vi-thanh")
    volunteer = make_user("lan", markets=[market])
    make_user("hung", role=Role.MANAGER, markets=[market])
    make_stall(market, volunteer)
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def test_the_api_answers_as_its_document_says(api_schema, api_token):
    # Schemathesis' WSGI client reads a body as it comes, and asks for gzip by default: the
    # compression (Flask-Compress) is HTTP's business, checked in test_static_assets.py.
    headers = {**api_token("hung"), "Accept-Encoding": "identity"}
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
                  suppress_health_check=list(HealthCheck), database=None)
        def answers_as_documented(case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            answers_as_documented()
        except Exception as error:  # every operation is fuzzed; all failures are reported
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
