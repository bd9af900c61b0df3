"""The manager's team page: add volunteers, switch their logins off and on."""

import pytest
from sqlmodel import select

from merchant_onboard.models import AuditEntry, Membership, User


@pytest.fixture
def market(make_market):
    return make_market("cho-vi-thanh")


@pytest.fixture
def manager_client(client, auth, make_user, market):
    make_user("hung", role="manager", markets=[market])
    auth.login("hung")
    return client


def test_manager_adds_a_volunteer_who_can_log_in(manager_client, session, market, app):
    response = manager_client.post(f"/m/{market.code}/team", data={
        "display_name": "Lê Thị Mai", "username": "mai", "password": "mat-khau-dai"})
    assert response.status_code == 302
    mai = session.exec(select(User).where(User.username == "mai")).one()
    assert mai.role == "volunteer" and mai.display_name == "Lê Thị Mai"
    assert session.get(Membership, (mai.id, market.id))
    page = manager_client.get(f"/m/{market.code}/team").get_data(as_text=True)
    assert "Lê Thị Mai" in page
    other = app.test_client()
    assert other.post("/login", data={"username": "mai",
                                      "password": "mat-khau-dai"}).status_code == 302


def test_bad_volunteer_input_is_named(manager_client, session, market):
    response = manager_client.post(f"/m/{market.code}/team", data={
        "username": "Mai Lê", "password": "short"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="e-username"' in page and 'id="e-password"' in page
    assert session.exec(select(User).where(User.role == "volunteer")).all() == []


def test_a_locked_volunteer_cannot_log_in_and_it_is_audited(manager_client, make_user, market,
                                                             session, app):
    lan = make_user("lan", markets=[market])
    locked = manager_client.post(f"/m/{market.code}/team/{lan.id}/active", data={"active": "0"})
    assert locked.status_code == 302
    other = app.test_client()
    assert other.post("/login", data={"username": "lan",
                                      "password": "correct-horse-42"}).status_code == 401
    actions = session.exec(select(AuditEntry.action).where(AuditEntry.target == "lan")).all()
    assert "user.deactivate" in actions


def test_a_manager_cannot_lock_another_manager_or_a_foreign_volunteer(manager_client, make_user,
                                                                       make_market, market):
    other_manager = make_user("tuan", role="manager", markets=[market])
    foreign = make_user("khac", markets=[make_market("cho-khac")])
    for user in (other_manager, foreign):
        response = manager_client.post(f"/m/{market.code}/team/{user.id}/active",
                                       data={"active": "0"})
        assert response.status_code == 404
