"""The API's models: the document states the domain's rules, and checks only the shape itself.

The patterns of the document are built from the domain's (``domain/registration.py``,
``domain/text.py``, ``services/markets.py``); here values are judged both by the document's
pattern and by the domain's cleaning function, which must agree.
"""

from __future__ import annotations

import re

import pytest

from merchant_onboard.domain.errors import DomainError
from merchant_onboard.domain.registration import clean_account, clean_details
from merchant_onboard.domain.text import normalize_phone
from merchant_onboard.services.markets import clean_market
from merchant_onboard.services.users import clean_username
from merchant_onboard.web import api
from merchant_onboard.web.api.openapi import build_document


@pytest.fixture(scope="module")
def components() -> dict:
    return build_document(api.MODULES)["components"]["schemas"]


def accepts(clean, value: str) -> bool:
    try:
        clean(value)
    except DomainError:
        return False
    return True


def _phone(value: str) -> None:
    if value.strip():
        normalize_phone(value)


CASES = [
    ("StallCreate", "stall_code", lambda v: clean_details({"stall_code": v}, partial=True),
     ["A-12", "a-12", "B/3", "12", "KHU A.1", "A_1", "X" * 32],
     ["-A", "Á-1", "A#1", "X" * 33, " "]),
    ("StallCreate", "owner_phone", _phone,
     ["0912345678", "0987 654 321", "+84 912 345 678", "+84 (0) 912-345-678", "0084912345678",
      "84912345678", "028 3823 4567", "(028) 3823 4567", ""],
     ["12345", "0912 345 67", "09123456789012345", "phone", "+84", "091234567x"]),
    ("StallCreate", "account_number",
     lambda v: clean_account(bank="970436", account_number=v, owner_name="A"),
     ["0011 0123 45678", "1234567890123456789", "abc12345", "1234-5678.90"],
     ["12345", "1" * 20, "12345678#", ""]),
    ("MarketCreate", "code", lambda v: clean_market({"code": v}, partial=True),
     ["cho-vi-thanh", "Cho-A1", "c1"],
     ["c", "-cho", "chợ", "cho vi thanh", "x" * 33]),
    ("UserCreate", "username", clean_username,
     ["lan", "Lan.Nguyen", "mai_2", "x" * 64],
     ["l", ".lan", "lân", "lan nguyen", "x" * 65]),
]


@pytest.mark.parametrize(("model", "field", "clean", "good", "bad"), CASES,
                         ids=[f"{m}.{f}" for m, f, *_ in CASES])
def test_the_documents_pattern_accepts_what_the_domain_accepts(components, model, field, clean,
                                                               good, bad):
    pattern = components[model]["properties"][field]["pattern"]
    for value in good:
        assert accepts(clean, value), value
        assert re.search(pattern, value), value
    for value in bad:
        assert not accepts(clean, value), value
        assert not re.search(pattern, value), value


def test_the_documents_lengths_are_the_domains(components):
    from merchant_onboard.domain.registration import TEXT_FIELDS

    stall = components["StallCreate"]["properties"]
    for field, (limit, _) in TEXT_FIELDS.items():
        assert stall[field]["maxLength"] == limit, field
        assert accepts(lambda v, f=field: clean_details({f: v}, partial=True), "a" * limit)
        assert not accepts(lambda v, f=field: clean_details({f: v}, partial=True),
                           "a" * (limit + 1))
    patch = components["StallPatch"]["properties"]
    assert all(patch[field]["maxLength"] == stall[field]["maxLength"] for field in TEXT_FIELDS)
    assert set(components["StallPatch"].get("required", ())) == set()


#: Each documented enum of a request body, and a near miss of one of its values sent to the
#: route that reads it: (model, field) → (route, body). The model checks some (a Literal), the
#: domain others (with its own message); either way the miss is a 422 naming the field.
ENUM_MISSES = {
    ("MarketCreate", "kind"): ("/api/v1/markets", {"code": "cho-x", "name": "X",
                                                   "kind": "Market"}),
    ("UserCreate", "role"): ("/api/v1/users", {"username": "mai", "role": "Volunteer",
                                               "markets": ["cho-a"]}),
    ("EventCreate", "kind"): ("/api/v1/stalls/{stall}/events", {"kind": "Poster_printed"}),
    ("PasswordReset", "method"): ("/api/v1/users/lan/password-reset", {"method": "Link"}),
    ("LoginChange", "role"): ("/api/v1/users/lan", {"role": "Manager"}),
    ("MarketChanges", "kind"): ("/api/v1/markets/cho-a", {"kind": "Street"}),
}
#: The routes of ENUM_MISSES that are not a POST.
ENUM_METHODS = {("LoginChange", "role"): "PATCH", ("MarketChanges", "kind"): "PATCH"}


def test_every_documented_enum_of_a_request_is_listed_here(components):
    requests = {name for name, path in _request_bodies()}
    found = {(name, field) for name in requests
             for field, schema in components[name].get("properties", {}).items()
             if "enum" in schema}
    assert found == set(ENUM_MISSES)


def _request_bodies():
    document = build_document(api.MODULES)
    for path, operations in document["paths"].items():
        for operation in operations.values():
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                ref = media.get("schema", {}).get("$ref", "")
                if ref:
                    yield ref.rsplit("/", 1)[1], path


@pytest.mark.parametrize("key", list(ENUM_MISSES), ids=".".join)
def test_a_value_outside_a_documented_enum_is_a_422_and_writes_nothing(
        client, api_token, session, make_market, make_user, make_stall, key):
    from sqlmodel import func, select

    from merchant_onboard.models import AuditEntry, Event, Market, User

    market = make_market("cho-a")
    make_user("an", role="admin")
    stall = make_stall(market, make_user("lan", markets=[market]))
    headers = api_token("an")
    route, body = ENUM_MISSES[key]

    def rows() -> list[int]:
        return [session.exec(select(func.count()).select_from(table)).one()
                for table in (AuditEntry, Event, Market, User)]

    before = rows()
    response = client.open(route.format(stall=stall.id), method=ENUM_METHODS.get(key, "POST"),
                           json=body, headers=headers)
    assert (response.status_code, response.mimetype) == (422, "application/problem+json")
    assert set(response.get_json()["errors"]) == {key[1]}
    assert rows() == before
