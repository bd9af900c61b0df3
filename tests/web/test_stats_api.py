"""GET /api/v1/markets/{code}/stats: the dashboard's figures for other tools."""

from __future__ import annotations

import uuid

import pytest

from merchant_onboard.models import Role
from merchant_onboard.services import onboarding
from merchant_onboard.services.stats import market_stats

STEPS = [("poster_printed", None), ("poster_installed", None),
         ("test_payment_verified", {"name_matches": "on", "owner_confirmed": "on"}),
         ("first_payment_confirmed", {"amount": "30000", "customer_payment": "on"})]


@pytest.fixture
def market(make_market, make_user, make_stall, session):
    market = make_market("cho-vi-thanh", census_size=8, target_pct=50)
    lan = make_user("lan", markets=[market], display_name="Nguyễn Thị Lan")
    make_user("hung", role=Role.MANAGER, markets=[market])
    make_user("admin", role=Role.ADMIN)
    paid = make_stall(market, lan, stall_code="A-1")
    for kind, data in STEPS:
        onboarding.record_event(session, actor=lan, stall=paid, kind=kind, data=data,
                                client_id=str(uuid.uuid4()))
    make_stall(market, lan, stall_code="A-2", account_number="0011999")
    return market


def test_stats_are_the_dashboard_figures(client, api_token, session, market):
    response = client.get("/api/v1/markets/cho-vi-thanh/stats", headers=api_token("hung"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["counts"] == {"first_payment_confirmed": 1, "registered": 1}
    assert (body["census_size"], body["adoption_rate"], body["target_pct"]) == (8, 0.125, 50)
    assert [(s["status"], s["count"]) for s in body["funnel"]] == [
        ("census", 8), ("registered", 2), ("poster_printed", 1), ("poster_installed", 1),
        ("test_payment_verified", 1), ("first_payment_confirmed", 1)]
    assert body["funnel"][1]["conversion"] == 0.25
    assert body["ageing"]["printed_not_installed"] == {"days": 7, "count": 0}
    assert body["volunteers"][0]["name"] == "Nguyễn Thị Lan"
    assert (body["volunteers"][0]["registrations"], body["volunteers"][0]["payments"]) == (2, 1)
    assert body["median_days_to_first_payment"] is not None
    figures = market_stats(session, market)
    assert body["headline"]["registered"] == figures.headline.registered
    assert body["weekly"][-1]["cumulative"] == 1


@pytest.mark.parametrize(("user", "status"), [("admin", 200), ("lan", 403), ("other", 404)])
def test_stats_access(client, api_token, market, make_market, make_user, user, status):
    if user == "other":
        make_user("other", role=Role.MANAGER, markets=[make_market("cho-khac")])
    response = client.get("/api/v1/markets/cho-vi-thanh/stats", headers=api_token(user))
    assert response.status_code == status
    if status != 200:
        assert response.content_type == "application/problem+json"


def test_stats_need_a_token(client, market):
    assert client.get("/api/v1/markets/cho-vi-thanh/stats").status_code == 401


def test_stats_are_documented(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/markets/{code}/stats"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/MarketStats"}
    assert "volunteers" in document["components"]["schemas"]["MarketStats"]["properties"]


def test_the_document_says_what_each_figure_counts(client):
    """The market's census_size (declared) and the figures' census_size (the denominator)
    share a name; headline.registered counts stalls at registered *or past it*, counts
    ["registered"] those at it. A tool builder reads which is which from the document."""
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    headline = schemas["Headline"]["properties"]
    assert all(field.get("description") for field in headline.values()), [
        name for name, field in headline.items() if not field.get("description")]
    for name in ("registered", "installed", "test_verified"):
        assert "or past it" in headline[name]["description"], name
    assert "declared" in schemas["Market"]["properties"]["census_size"]["description"].lower()
    assert "adoption_rate" in schemas["MarketStats"]["properties"]["census_size"]["description"]
