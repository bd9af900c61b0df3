"""Sessions end when they should (issue 13): a session generation carried by every session
cookie, remember cookie and API token; logout and password changes end the copies."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from merchant_onboard import create_app
from merchant_onboard.db import dispose
from tests.factories import TEST_PASSWORD


@pytest.fixture
def market(make_market):
    return make_market("cho-phien")


@pytest.fixture
def lan(make_user, market):
    return make_user("lan", markets=[market])


def replay(app, **cookies: str):
    """A new browser holding only ``cookies`` (copied from another one)."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief


def signed_in(client, market) -> bool:
    return client.get(f"/m/{market.code}/").status_code == 200


def test_a_session_cookie_saved_before_logout_is_refused_after_it(app, client, auth, lan,
                                                                   market, api_token):
    auth.login("lan")
    saved = client.get_cookie("session").value
    token = api_token("lan")
    assert signed_in(replay(app, session=saved), market)
    auth.logout()
    assert not signed_in(replay(app, session=saved), market)
    assert client.get("/api/v1/markets", headers=token).status_code == 401


def test_a_session_cookie_saved_before_a_password_change_is_refused(app, client, auth, lan,
                                                                     market):
    auth.login("lan")
    saved = client.get_cookie("session").value
    changed = client.post("/account/password", data={"current_password": TEST_PASSWORD,
                                                      "new_password": "mot-mat-khau-moi"})
    assert changed.status_code == 302
    assert not signed_in(replay(app, session=saved), market)
    assert signed_in(client, market)  # the browser that changed it carries on


def test_a_remember_cookie_ends_with_a_password_change(app, client, lan, market):
    client.post("/login", data={"username": "lan", "password": TEST_PASSWORD,
                                "remember": "on"})
    remembered = client.get_cookie("remember_token").value
    assert signed_in(replay(app, remember_token=remembered), market)
    client.post("/account/password", data={"current_password": TEST_PASSWORD,
                                           "new_password": "mot-mat-khau-moi"})
    assert not signed_in(replay(app, remember_token=remembered), market)


def test_the_wrong_current_password_changes_nothing(client, auth, lan, market):
    auth.login("lan")
    refused = client.post("/account/password", data={"current_password": "not-it-at-all",
                                                      "new_password": "mot-mat-khau-moi"})
    assert refused.status_code == 422
    assert "Mật khẩu hiện tại không đúng" in refused.get_data(as_text=True)
    assert signed_in(client, market)


def test_guessing_the_current_password_is_stopped_like_a_login(client, auth, lan, market):
    """A phone left signed in is no way around the login throttle: after five wrong current
    passwords the form (and the login, from that address) waits out the window."""
    auth.login("lan")
    for _ in range(5):
        assert client.post("/account/password", data={
            "current_password": "not-it-at-all", "new_password": "mot-mat-khau-moi"}
        ).status_code == 422
    refused = client.post("/account/password", data={"current_password": TEST_PASSWORD,
                                                      "new_password": "mot-mat-khau-moi"})
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "900"
    page = refused.get_data(as_text=True)
    assert "Nhập sai mật khẩu quá nhiều lần. Vui lòng thử lại sau 15 phút." in page
    # The refusal is of the whole form: no field to correct is spoken of.
    assert "Vui lòng sửa các mục được đánh dấu." not in page
    assert signed_in(client, market)  # still signed in, the password unchanged
    fresh = client.application.test_client()
    assert fresh.post("/login", data={"username": "lan", "password": TEST_PASSWORD}
                      ).status_code == 429


def _remember_expiry(response) -> timedelta:
    cookie = next(c for c in response.headers.getlist("Set-Cookie")
                  if c.startswith("remember_token="))
    expires = next(part.split("=", 1)[1] for part in cookie.split("; ")
                   if part.lower().startswith("expires="))
    return parsedate_to_datetime(expires) - datetime.now(UTC)


def test_remember_me_lasts_30_days(client, lan):
    response = client.post("/login", data={"username": "lan", "password": TEST_PASSWORD,
                                           "remember": "on"})
    assert timedelta(days=29, hours=23) < _remember_expiry(response) <= timedelta(days=30)
    plain = client.application.test_client().post(
        "/login", data={"username": "lan", "password": TEST_PASSWORD})
    assert not any(c.startswith("remember_token=") for c in plain.headers.getlist("Set-Cookie"))


def test_remember_me_is_configurable(app_config, lan, monkeypatch):
    monkeypatch.setenv("MO_REMEMBER_COOKIE_DURATION", str(7 * 24 * 3600))
    app = create_app(app_config)
    response = app.test_client().post("/login", data={"username": "lan",
                                                      "password": TEST_PASSWORD,
                                                      "remember": "on"})
    assert timedelta(days=6, hours=23) < _remember_expiry(response) <= timedelta(days=7)
    dispose(app)


def test_remember_me_slides_with_use(client, lan, market):
    client.post("/login", data={"username": "lan", "password": TEST_PASSWORD,
                                "remember": "on"})
    same_day = client.get(f"/m/{market.code}/")
    assert not any(c.startswith("remember_token=")
                   for c in same_day.headers.getlist("Set-Cookie"))
    with client.session_transaction() as session:  # the cookie was last renewed yesterday
        session["remembered_on"] = date.today().toordinal() - 1
    next_day = client.get(f"/m/{market.code}/")
    assert timedelta(days=29, hours=23) < _remember_expiry(next_day)


def test_logging_in_starts_a_new_session(client, lan):
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone who set this browser's cookie"
        before = dict(session)
    client.post("/login", data={"username": "lan", "password": TEST_PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != before.get("csrf_token")


def test_a_cookie_without_the_generation_is_refused(app, lan, market):
    """A cookie signed with the right key but naming the user id alone (as before the
    generation existed) is not enough."""
    from flask_login.utils import encode_cookie

    with app.test_request_context():
        forged = encode_cookie(str(lan.id))
    assert not signed_in(replay(app, remember_token=forged), market)
