"""Session cookies are verified once per worker and remembered (web/session_cookies.py): the
remembered answer must always be the one verifying the cookie again would give."""

from __future__ import annotations

import pytest
from flask import Flask, session

from merchant_onboard.web import session_cookies
from merchant_onboard.web.session_cookies import RememberingSessionInterface

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def cookie_for(app: Flask, **values) -> str:
    """A session cookie signed by ``app`` now, holding ``values``."""
    with app.test_request_context():
        return app.session_interface.get_signing_serializer(app).dumps(values)


def opened(app: Flask, cookie: str | None) -> dict:
    """The session ``app`` opens for a request carrying ``cookie`` (pushing the request
    context opens it), as a plain dict."""
    headers = {"Cookie": f"session={cookie}"} if cookie else {}
    with app.test_request_context(headers=headers):
        return dict(session)


@pytest.fixture
def checks(app, monkeypatch) -> list[str]:
    """Every full verification of a cookie (signature, decoding) is recorded here."""
    seen: list[str] = []
    serializer_class = type(app.session_interface.get_signing_serializer(app))
    original = serializer_class.loads

    def loads(self, value, *args, **kwargs):
        seen.append(value)
        return original(self, value, *args, **kwargs)

    monkeypatch.setattr(serializer_class, "loads", loads)
    return seen


def test_the_app_uses_the_remembering_interface(app):
    assert isinstance(app.session_interface, RememberingSessionInterface)


def test_a_cookie_is_verified_once_and_then_remembered(app, checks):
    cookie = cookie_for(app, _user_id="7", lang="en")
    first, second = opened(app, cookie), opened(app, cookie)
    assert dict(first) == dict(second) == {"_user_id": "7", "lang": "en"}
    assert checks == [cookie]


def test_changing_an_opened_session_leaves_the_remembered_one_as_it_was(app):
    cookie = cookie_for(app, _user_id="7", lang="vi")
    with app.test_request_context(headers={"Cookie": f"session={cookie}"}):
        session["lang"] = "en"
        session.pop("_user_id")
        assert session.modified
    assert opened(app, cookie) == {"_user_id": "7", "lang": "vi"}


def test_a_tampered_or_foreign_cookie_opens_an_empty_session(app):
    cookie = cookie_for(app, _user_id="7")
    assert opened(app, cookie) == {"_user_id": "7"}
    body, signature = cookie.rsplit(".", 1)
    assert opened(app, body + "." + signature[::-1]) == {}
    other = Flask("other")
    other.secret_key = "another-secret"
    assert opened(app, cookie_for(other, _user_id="1")) == {}
    assert opened(app, None) == {}


def test_a_new_secret_key_refuses_a_remembered_cookie(app):
    cookie = cookie_for(app, _user_id="7")
    assert opened(app, cookie) == {"_user_id": "7"}
    app.secret_key = "rotated-secret"
    assert opened(app, cookie) == {}


def test_a_remembered_cookie_still_expires_with_the_session_lifetime(app, monkeypatch, checks):
    cookie = cookie_for(app, _user_id="7")
    assert opened(app, cookie) == {"_user_id": "7"}
    lifetime = app.permanent_session_lifetime.total_seconds()
    real = session_cookies.time.time
    monkeypatch.setattr(session_cookies.time, "time", lambda: real() + lifetime + 5)
    assert opened(app, cookie) == {}
    assert checks == [cookie]  # refused from what was remembered, by its age alone


def test_sessions_holding_lists_are_verified_every_time(app, checks):
    cookie = cookie_for(app, _user_id="7", _flashes=[["success", "Đã lưu."]])
    for _ in range(2):
        assert opened(app, cookie)["_flashes"] == [["success", "Đã lưu."]]
    assert checks == [cookie, cookie]


def test_the_memory_is_bounded(app):
    interface = RememberingSessionInterface(size=2)
    app.session_interface = interface
    for n in range(5):
        opened(app, cookie_for(app, _user_id=str(n)))
    assert len(interface._verified) == 2


def test_a_logged_in_volunteer_browses_and_logs_out(client, auth, make_market, make_user):
    market = make_market("cho-phien")
    make_user("lan", markets=[market])
    auth.login("lan")
    for _ in range(3):
        assert client.get("/m/cho-phien/").status_code == 200
    auth.logout()
    assert client.get("/m/cho-phien/").status_code == 302
