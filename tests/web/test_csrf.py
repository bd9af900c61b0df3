"""Every web form is protected against CSRF: a post without the session's token is refused
and changes nothing. The API is exempt by design (bearer tokens only, never the cookie)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from merchant_onboard.models import User
from tests.factories import TEST_PASSWORD
from tests.web.test_route_matrix import MATRIX, concrete_url, world  # noqa: F401 (a fixture)


@pytest.fixture
def csrf_app(app_with) -> Flask:
    """The app as it runs for real, CSRF on (the suite's ``app`` turns it off), on the same
    database as ``app``."""
    return app_with(WTF_CSRF_ENABLED=True)


def token_of(client: FlaskClient, url: str = "/login") -> str:
    return client.get(url).get_data(as_text=True).split(
        'name="csrf_token" value="')[1].split('"')[0]


def logged_in(app: Flask, username: str) -> tuple[FlaskClient, str]:
    client = app.test_client()
    token = token_of(client)
    response = client.post("/login", data={"username": username, "password": TEST_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302
    return client, token_of(client, "/m/")


def test_team_form_without_csrf_token_creates_no_login(csrf_app, session, make_market,
                                                       make_user):
    """Issue 15 behaviour 2: the team form (a manager creating a volunteer login) is not
    exempt from CSRF: another site cannot make a manager's browser create a login."""
    market = make_market("cho-vi-thanh")
    make_user("hung", role="manager", markets=[market])
    client, token = logged_in(csrf_app, "hung")
    form = {"display_name": "Kẻ Lạ", "username": "intruder", "password": "mat-khau-dai-12"}
    forged = client.post(f"/m/{market.code}/team", data=form)
    assert forged.status_code == 400
    assert session.exec(select(User).where(User.username == "intruder")).first() is None
    # The same form with the page's token is not refused for CSRF.
    assert client.post(f"/m/{market.code}/team",
                       data={**form, "csrf_token": token}).status_code != 400


WEB_POSTS = [row for row in MATRIX if row.method == "POST" and not row.rule.startswith("/api/")]


@pytest.mark.parametrize("row", WEB_POSTS, ids=[row.rule for row in WEB_POSTS])
def test_every_web_form_refuses_a_post_without_the_csrf_token(csrf_app, world, row):
    """Any form a logged-in admin may send, sent without the token: 400, whatever the form."""
    client, _token = logged_in(csrf_app, "admin")
    response = client.post(concrete_url(row.rule, world), data={})
    assert response.status_code == 400


def test_the_outbox_is_told_the_signed_in_user_and_a_token_of_this_session(csrf_app, make_user):
    """A phone's waiting items hold the token of the session they were saved in; after a
    restart or a new login the outbox sends them with the token of the session it has."""
    lan = make_user("lan")
    client, _token = logged_in(csrf_app, "lan")
    answer = client.get("/outbox/session")
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.json["user"] == str(lan.id)
    fresh = answer.json["csrf_token"]
    assert client.post("/m/", data={"csrf_token": fresh}).status_code != 400
    # A new session (the phone restarted, the same volunteer signed in again) has a new one.
    again, _token = logged_in(csrf_app, "lan")
    assert again.post("/m/", data={"csrf_token": fresh}).status_code == 400
    assert again.post("/m/", data={"csrf_token": again.get("/outbox/session").json[
        "csrf_token"]}).status_code != 400
    assert csrf_app.test_client().get("/outbox/session").status_code == 302
