"""Schema-driven fuzzing of the JSON API (Schemathesis): for every operation of the OpenAPI
document, generated requests (valid and not) must never get a 5xx, and every answer must be
one the document describes: its status, content type, headers and body schema.

Bounded (``MAX_EXAMPLES`` per operation, derandomised under CI) so that it runs on every CI
run, on SQLite and on PostgreSQL, against the app with a market, a volunteer, a manager, two
admins and a stall in it, so that generated ids and codes sometimes hit something real. Every
operation is fuzzed with the manager's token; those only an admin may use, with an admin's too,
on real logins as often as not.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import checks

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
    make_user("an", role=Role.ADMIN)
    make_user("binh", role=Role.ADMIN)
    make_stall(market, volunteer)
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


#: The operations of the admins' logins, fuzzed with an admin's token as well.
ADMIN_OPERATIONS = {("GET", "/users"), ("GET", "/users/{username}"),
                    ("PATCH", "/users/{username}")}
#: Real logins the admin's requests aim at (None: the generated username): a volunteer, a
#: manager, the admin herself and another admin.
LOGINS = st.sampled_from([None, "lan", "hung", "an", "binh"])


def fuzz(operations, headers: dict[str, str], logins=st.none()) -> list[str]:
    """Fuzz each of ``operations``; the failures, described."""
    failures = []
    for operation in operations:

        @given(case=operation.as_strategy(), login=logins)
        @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
                  suppress_health_check=list(HealthCheck), database=None)
        def answers_as_documented(case, login) -> None:
            if login is not None and "username" in (case.path_parameters or {}):
                case.path_parameters["username"] = login
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            answers_as_documented()
        except Exception as error:  # every operation is fuzzed; all failures are reported
            failures.append(f"{operation.label}: {error}")
    return failures


def operations_of(api_schema) -> list:
    return [result.ok() for result in api_schema.get_all_operations()]


def test_the_api_answers_as_its_document_says(api_schema, api_token):
    # Schemathesis' WSGI client reads a body as it comes, and asks for gzip by default: the
    # compression (Flask-Compress) is HTTP's business, checked in test_static_assets.py.
    headers = {**api_token("hung"), "Accept-Encoding": "identity"}
    operations = operations_of(api_schema)
    assert ADMIN_OPERATIONS <= {(op.method.upper(), op.path) for op in operations}
    failures = fuzz(operations, headers)
    assert not failures, "\n\n".join(failures)


def test_the_admins_operations_answer_as_their_document_says(api_schema, api_token):
    """For the manager they are a 403 whatever the body: an admin's token reaches the rules."""
    headers = {**api_token("an"), "Accept-Encoding": "identity"}
    operations = [op for op in operations_of(api_schema)
                  if (op.method.upper(), op.path) in ADMIN_OPERATIONS]
    assert len(operations) == len(ADMIN_OPERATIONS)
    failures = fuzz(operations, headers, LOGINS)
    assert not failures, "\n\n".join(failures)
