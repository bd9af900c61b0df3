"""The OpenAPI document describes exactly the API that answers, and the API wants a token.

These tests keep every API module honest: a route left out of the document, a documented
operation with no route, or a route that forgets the token check fails here.
"""

from __future__ import annotations

import json
import re

import pytest
from openapi_spec_validator import validate

API_PREFIX = "/api/v1"
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def documented_operations(document: dict) -> set[tuple[str, str]]:
    return {(API_PREFIX + path, method.upper())
            for path, operations in document["paths"].items() for method in operations}


def routed_operations(app) -> set[tuple[str, str]]:
    """Every (path, method) the app serves under /api/v1, paths written as OpenAPI does."""
    return {(re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule), method)
            for rule in app.url_map.iter_rules() if rule.rule.startswith(API_PREFIX + "/")
            for method in rule.methods - IGNORED_METHODS}


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_every_api_route_is_documented_and_every_documented_operation_is_routed(app, document):
    routed = routed_operations(app)
    documented = documented_operations(document)
    assert routed - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routed == set(), "documented operations with no route"
    assert ("/api/v1/markets/{code}/stalls", "POST") in routed


def test_document_is_valid_openapi_3_1_with_bearer_security_and_the_core_schemas(document):
    validate(document)
    assert document["openapi"].startswith("3.1")
    bearer = document["components"]["securitySchemes"]["bearer"]
    assert (bearer["type"], bearer["scheme"]) == ("http", "bearer")
    assert document["security"] == [{"bearer": []}]
    schemas = document["components"]["schemas"]
    for name in ("Stall", "Account", "Market", "Event", "Problem", "ParsedQR"):
        assert schemas[name]["type"] == "object", name
    stall = schemas["Stall"]["properties"]
    for field in ("id", "market", "stall_code", "zone", "shop_name", "owner_name",
                  "owner_phone", "status", "public_code", "accounts"):
        assert field in stall, field
    account = schemas["Account"]["properties"]
    for field in ("bin", "bank", "account_number", "holder_name", "service", "primary",
                  "payload"):
        assert field in account, field


def test_every_reference_in_the_document_resolves(document):
    text = str(document)
    refs = set(re.findall(r"'\$ref': '#/([^']+)'", text))
    assert refs, "the document uses no references at all"
    for ref in refs:
        node = document
        for part in ref.split("/"):
            assert part in node, f"#/{ref} does not resolve"
            node = node[part]


def test_every_operation_needing_a_token_answers_401_problem_without_one(client, document):
    checked = 0
    for path, operations in document["paths"].items():
        url = API_PREFIX + re.sub(r"\{[^}]+\}", "1", path)
        for method, operation in operations.items():
            if operation.get("security", document["security"]) == []:
                continue
            response = client.open(url, method=method.upper(), json={})
            assert response.status_code == 401, (method, url)
            assert response.mimetype == "application/problem+json"
            assert response.get_json()["status"] == 401
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            checked += 1
    assert checked >= 10


def test_a_bad_or_foreign_token_is_refused(client, make_market, make_user, api_token):
    make_user("lan", markets=[make_market("cho-a")])
    token = api_token("lan")["Authorization"]
    assert client.get("/api/v1/markets", headers={"Authorization": token}).status_code == 200
    for header in (token + "x", "Bearer ", token.replace("Bearer", "Basic")):
        assert client.get("/api/v1/markets",
                          headers={"Authorization": header}).status_code == 401


def test_the_api_ignores_the_session_cookie(client, auth, make_market, make_user):
    make_user("lan", markets=[make_market("cho-a")])
    assert auth.login("lan").status_code == 302
    assert client.get("/m/cho-a/").status_code == 200
    response = client.get("/api/v1/markets")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_unknown_api_paths_and_methods_are_problems(client, make_market, make_user, api_token):
    make_user("lan", markets=[make_market("cho-a")])
    headers = api_token("lan")
    missing = client.get("/api/v1/nothing-here", headers=headers)
    assert (missing.status_code, missing.mimetype) == (404, "application/problem+json")
    wrong = client.delete("/api/v1/markets", headers=headers)
    assert (wrong.status_code, wrong.mimetype) == (405, "application/problem+json")


def test_the_document_served_again_is_the_one_generated_and_a_copy(client):
    """The models' schemas are generated once per process (pydantic takes about 70 ms): each
    answer is the same document as one generated afresh, and changing a document built from
    them changes no later one."""
    from merchant_onboard.web import api
    from merchant_onboard.web.api import openapi

    first = client.get("/api/v1/openapi.json").get_json()
    built = openapi.build_document(api.MODULES)
    built["components"]["schemas"]["Stall"]["properties"].clear()
    assert client.get("/api/v1/openapi.json").get_json() == first
    names = tuple(sorted(set(re.findall(re.escape(openapi.COMPONENTS) + r"(\w+)",
                                        json.dumps(first["paths"])))))
    fresh = openapi._schemas_of.__wrapped__(names)
    assert first["components"]["schemas"] == fresh
