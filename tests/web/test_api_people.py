"""The accounts API (issue 13): create logins, members of a market, passwords, resets."""

from __future__ import annotations

import pytest
from sqlmodel import select

from merchant_onboard.models import AuditEntry, Membership, User
from tests.factories import TEST_PASSWORD


@pytest.fixture
def market(make_market):
    return make_market("cho-vi-thanh")


@pytest.fixture
def other(make_market):
    return make_market("cho-khac")


@pytest.fixture
def people(make_user, market, other):
    return {"admin": make_user("an", role="admin"),
            "manager": make_user("hung", role="manager", markets=[market]),
            "lan": make_user("lan", markets=[market, other]),
            "foreign": make_user("khac", markets=[other])}


def test_an_admin_creates_a_manager_with_a_temporary_password(client, api_token, people,
                                                              market, session):
    admin = api_token("an")
    response = client.post("/api/v1/users", headers=admin, json={
        "username": "thu", "display_name": "Phạm Thu", "role": "manager",
        "markets": [market.code]})
    assert response.status_code == 201
    body = response.get_json()
    assert body["role"] == "manager" and body["must_change_password"] is True
    temporary = body["temporary_password"]
    assert response.headers["Cache-Control"] == "no-store"
    # The temporary password only opens the password change.
    thu = api_token("thu", temporary)
    refused = client.get("/api/v1/markets", headers=thu)
    assert refused.status_code == 403
    assert client.post("/api/v1/users/me/password", headers=thu, json={
        "current_password": temporary, "new_password": "thu-mat-khau-moi"}).status_code == 204
    thu = api_token("thu", "thu-mat-khau-moi")
    assert client.get(f"/api/v1/markets/{market.code}/members", headers=thu).status_code == 200
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "user.create",
                                                  AuditEntry.target == "thu")).one()
    assert entry.actor_id == people["admin"].id and entry.created_at is not None


def test_a_manager_creates_volunteers_of_their_markets_only(client, api_token, people, market,
                                                            other):
    manager = api_token("hung")
    made = client.post("/api/v1/users", headers=manager, json={
        "username": "mai", "role": "volunteer", "password": "mai-mat-khau-1",
        "markets": [market.code]})
    assert made.status_code == 201 and "temporary_password" not in made.get_json()
    assert client.post("/api/v1/users", headers=manager, json={
        "username": "mai2", "role": "volunteer", "password": "mai-mat-khau-1",
        "markets": [other.code]}).status_code == 404
    assert client.post("/api/v1/users", headers=manager, json={
        "username": "sep", "role": "manager", "password": "sep-mat-khau-1",
        "markets": [market.code]}).status_code == 403
    assert client.post("/api/v1/users", headers=api_token("lan"), json={
        "username": "ban", "role": "volunteer", "markets": [market.code]}).status_code == 403


def test_a_weak_password_is_a_422_naming_the_field(client, api_token, people, market):
    response = client.post("/api/v1/users", headers=api_token("an"), json={
        "username": "mai", "role": "volunteer", "password": "password123",
        "markets": [market.code]})
    assert response.status_code == 422
    assert "quá phổ biến" in response.get_json()["errors"]["password"][0]


def test_members_are_listed_added_and_removed_from_one_market_only(client, api_token, people,
                                                                  market, other, session):
    manager = api_token("hung")
    listed = client.get(f"/api/v1/markets/{market.code}/members", headers=manager).get_json()
    assert {p["username"] for p in listed["items"]} == {"hung", "lan"}
    assert all("last_activity" in p for p in listed["items"])
    lan_token = api_token("lan")
    removed = client.delete(f"/api/v1/markets/{market.code}/members/lan", headers=manager)
    assert removed.status_code == 204
    assert session.get(Membership, (people["lan"].id, market.id)) is None
    assert session.get(Membership, (people["lan"].id, other.id)) is not None
    assert client.get("/api/v1/markets", headers=lan_token).status_code == 401
    # Another market's volunteer is that market's: the admin adds her, not this manager.
    refused = client.post(f"/api/v1/markets/{market.code}/members/khac", headers=manager)
    assert (refused.status_code, refused.mimetype) == (404, "application/problem+json")
    assert session.get(Membership, (people["foreign"].id, market.id)) is None
    added = client.post(f"/api/v1/markets/{market.code}/members/khac", headers=api_token("an"))
    assert added.status_code == 200 and added.get_json()["username"] == "khac"
    # A manager of another market, or a volunteer, sees nothing of this one's team.
    assert client.get(f"/api/v1/markets/{market.code}/members",
                      headers=api_token("lan")).status_code in (403, 404)
    assert client.delete(f"/api/v1/markets/{other.code}/members/khac",
                         headers=manager).status_code == 404
    assert client.delete(f"/api/v1/markets/{market.code}/members/an",
                         headers=manager).status_code == 404


def test_a_password_change_ends_every_other_token(client, api_token, people):
    first, second = api_token("lan"), api_token("lan")
    wrong = client.post("/api/v1/users/me/password", headers=first, json={
        "current_password": "not-the-one", "new_password": "lan-mat-khau-moi"})
    assert wrong.status_code == 422 and "current_password" in wrong.get_json()["errors"]
    assert client.post("/api/v1/users/me/password", headers=first, json={
        "current_password": TEST_PASSWORD, "new_password": "lan-mat-khau-moi"}).status_code == 204
    for token in (first, second):
        assert client.get("/api/v1/markets", headers=token).status_code == 401
    assert client.get("/api/v1/markets",
                      headers=api_token("lan", "lan-mat-khau-moi")).status_code == 200


def test_guessing_ones_current_password_through_the_api_is_throttled(client, api_token,
                                                                    people):
    lan = api_token("lan")
    for _ in range(5):
        assert client.post("/api/v1/users/me/password", headers=lan, json={
            "current_password": "not-the-one", "new_password": "lan-mat-khau-moi"}
        ).status_code == 422
    refused = client.post("/api/v1/users/me/password", headers=lan, json={
        "current_password": TEST_PASSWORD, "new_password": "lan-mat-khau-moi"})
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "900")
    assert refused.get_json()["detail"] == \
        "Nhập sai mật khẩu quá nhiều lần. Vui lòng thử lại sau 15 phút."
    assert client.get("/api/v1/markets", headers=lan).status_code == 200  # nothing changed


@pytest.mark.parametrize(("actor", "target", "status"), [
    ("hung", "mai", 200), ("hung", "lan", 403), ("hung", "khac", 404), ("hung", "an", 404),
    ("hung", "hung", 404), ("an", "hung", 200), ("an", "lan", 200), ("lan", "khac", 404),
])
def test_who_may_reset_whose_password(client, api_token, people, session, make_user, market,
                                      actor, target, status):
    # Lan also works in a market Hùng does not manage: only an admin resets her.
    make_user("mai", markets=[market])
    old = api_token(target)
    response = client.post(f"/api/v1/users/{target}/password-reset", headers=api_token(actor))
    assert response.status_code == status
    if status == 200:
        assert client.get("/api/v1/markets", headers=old).status_code == 401
        temporary = response.get_json()["temporary_password"]
        assert client.post("/api/v1/tokens", json={"username": target,
                                                   "password": temporary}).status_code == 201
    else:
        assert client.get("/api/v1/markets", headers=old).status_code == 200


def test_a_reset_can_give_a_one_time_link(client, api_token, people, make_user, market):
    make_user("mai", markets=[market])
    response = client.post("/api/v1/users/mai/password-reset", headers=api_token("hung"),
                           json={"method": "link"})
    link = response.get_json()["reset_link"]
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    assert client.post(path, data={"new_password": "mai-mat-khau-moi"}).status_code == 302
    assert client.application.test_client().post(
        path, data={"new_password": "mai-mat-khau-khac"}).status_code == 404


@pytest.mark.parametrize("method", ["Link", "temporary", "", 1, None])
def test_an_unknown_reset_method_is_a_422_and_resets_nothing(client, api_token, people,
                                                             session, method):
    old = api_token("lan")
    response = client.post("/api/v1/users/lan/password-reset", headers=api_token("hung"),
                           json={"method": method})
    assert (response.status_code, response.mimetype) == (422, "application/problem+json")
    assert set(response.get_json()["errors"]) == {"method"}
    if method is not None:
        assert response.get_json()["errors"]["method"] == [
            "Cách đặt lại mật khẩu không hợp lệ: temporary_password hoặc link."]
    assert client.get("/api/v1/markets", headers=old).status_code == 200  # sessions kept
    assert client.post("/api/v1/tokens", json={"username": "lan",
                                               "password": TEST_PASSWORD}).status_code == 201
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "password.reset")
                        ).all() == []


def test_a_manager_cannot_take_over_another_markets_volunteer(client, api_token, people,
                                                              other, market, session):
    """The manager of another market adds Hùng's volunteer to theirs, then asks for a reset:
    both refused, or its temporary password would let them into Hùng's market as her (and
    taking her out again would log her out everywhere)."""
    stranger = client.post("/api/v1/users", headers=api_token("an"), json={
        "username": "sep", "role": "manager", "password": "sep-mat-khau-1",
        "markets": [other.code]}).get_json()
    assert stranger["username"] == "sep"
    sep = api_token("sep", "sep-mat-khau-1")
    mai = client.post("/api/v1/users", headers=api_token("hung"), json={
        "username": "mai", "role": "volunteer", "password": "mai-mat-khau-1",
        "markets": [market.code]})
    assert mai.status_code == 201
    mai_token = api_token("mai", "mai-mat-khau-1")
    pulled = client.post(f"/api/v1/markets/{other.code}/members/mai", headers=sep)
    assert (pulled.status_code, pulled.mimetype) == (404, "application/problem+json")
    refused = client.post("/api/v1/users/mai/password-reset", headers=sep)
    assert (refused.status_code, refused.mimetype) == (404, "application/problem+json")
    assert "temporary_password" not in refused.get_json()
    assert client.get(f"/api/v1/markets/{market.code}", headers=mai_token).status_code == 200
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "password.reset")
                        ).all() == []


def test_a_market_named_twice_makes_one_membership_not_a_taken_username(client, api_token,
                                                                         people, market,
                                                                         session):
    """An integrator's list with a market twice (once with a space) was answered 409
    "username already taken" for a name nobody had: the second membership's key clash was
    read as the username's."""
    response = client.post("/api/v1/users", headers=api_token("hung"), json={
        "username": "mai", "role": "volunteer", "password": "mai-mat-khau-1",
        "markets": [market.code, f" {market.code}", market.code]})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["markets"] == [market.code]
    mai = session.exec(select(User).where(User.username == "mai")).one()
    assert session.exec(select(Membership.market_id).where(Membership.user_id == mai.id)
                        ).all() == [market.id]
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "user.create",
                                                  AuditEntry.target == "mai")).one()
    assert entry.data == {"role": "volunteer", "markets": [market.code]}
