"""Markets through the API: each user sees their own, only administrators create them."""

from __future__ import annotations

import pytest

from merchant_onboard.db import engines
from merchant_onboard.models import Role
from tests.sql import Statements

NEW_MARKET = {"code": "cho-moi", "name": "Chợ Mới", "province": "Cần Thơ",
              "census_size": 120, "target_pct": 85}


def test_a_volunteer_lists_and_reads_only_their_markets(client, make_market, make_user,
                                                        api_token):
    own = make_market("cho-a", name="Chợ A")
    make_market("cho-b")
    make_user("lan", markets=[own])
    headers = api_token("lan")
    listed = client.get("/api/v1/markets", headers=headers).get_json()
    assert [m["code"] for m in listed["items"]] == ["cho-a"] and listed["total"] == 1
    market = client.get("/api/v1/markets/cho-a", headers=headers).get_json()
    assert (market["name"], market["province"], market["target_pct"]) == (
        "Chợ A", "Hậu Giang", 80)
    foreign = client.get("/api/v1/markets/cho-b", headers=headers)
    assert (foreign.status_code, foreign.mimetype) == (404, "application/problem+json")


def test_an_admin_creates_a_market_and_a_retry_answers_200_with_it(client, make_user,
                                                                    api_token):
    make_user("root", role=Role.ADMIN)
    headers = {**api_token("root"), "Idempotency-Key": "0b8e5a64-market"}
    created = client.post("/api/v1/markets", json=NEW_MARKET, headers=headers)
    assert created.status_code == 201
    assert created.headers["Location"].endswith("/api/v1/markets/cho-moi")
    assert created.get_json()["census_size"] == 120
    retry = client.post("/api/v1/markets", json=NEW_MARKET, headers=headers)
    assert retry.status_code == 200 and retry.get_json() == created.get_json()
    listed = client.get("/api/v1/markets", headers=headers).get_json()
    assert [m["code"] for m in listed["items"]] == ["cho-moi"]


def test_another_market_under_a_taken_code_is_a_409(client, make_market, make_user, api_token):
    make_market("cho-moi", name="Chợ Cũ")
    make_user("root", role=Role.ADMIN)
    response = client.post("/api/v1/markets", json=NEW_MARKET, headers=api_token("root"))
    assert response.status_code == 409
    assert "code" in response.get_json()["errors"]
    # A former code of a market (its pages lead there) is taken too: a 409, not a 404.
    headers = api_token("root")
    renamed = client.patch("/api/v1/markets/cho-moi", json={"code": "cho-cu"}, headers=headers)
    assert renamed.status_code == 200, renamed.get_json()
    again = client.post("/api/v1/markets", json=NEW_MARKET, headers=headers)
    assert again.status_code == 409 and "mã cũ của Chợ Cũ" in again.get_json()["errors"]["code"][0]


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.MANAGER])
def test_only_administrators_create_markets(client, make_market, make_user, api_token, role):
    make_user("lan", role=role, markets=[make_market("cho-a")])
    headers = api_token("lan")
    response = client.post("/api/v1/markets", json=NEW_MARKET, headers=headers)
    assert (response.status_code, response.mimetype) == (403, "application/problem+json")
    listed = client.get("/api/v1/markets", headers=headers).get_json()
    assert [m["code"] for m in listed["items"]] == ["cho-a"]


def test_bad_market_fields_are_a_422_naming_each_field(client, make_user, api_token):
    make_user("root", role=Role.ADMIN)
    headers = api_token("root")
    bad = {"code": "Chợ Mới!", "name": "", "kind": "mall", "census_size": -1,
           "target_pct": 101, "colour": "red"}
    response = client.post("/api/v1/markets", json=bad, headers=headers)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"colour"}
    del bad["colour"]
    response = client.post("/api/v1/markets", json=bad, headers=headers)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"code", "name", "kind", "census_size",
                                                  "target_pct"}
    assert client.get("/api/v1/markets", headers=headers).get_json()["total"] == 0


def test_reading_a_market_loads_the_tokens_user_once(app, client, make_market, make_user,
                                                     api_token):
    # The token's user with the market and the membership, in one statement
    # (web/market_entry.py); the response's headers reuse the user the token named instead of
    # loading it again.
    make_user("lan", markets=[make_market("cho-a", name="Chợ A")])
    headers = api_token("lan")
    with Statements(*engines(app)) as statements:
        response = client.get("/api/v1/markets/cho-a", headers=headers)
    assert response.get_json()["name"] == "Chợ A"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert statements.count == 1
