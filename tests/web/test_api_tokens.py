"""Bearer tokens: issued for the right password, refused otherwise, throttled like the login."""

from __future__ import annotations

import pytest

from merchant_onboard.services.users import create_user, set_password

PASSWORD = "mat-khau-dung-42"


@pytest.fixture
def lan(session, make_market):
    """A volunteer of cho-a whose password this module knows."""
    return create_user(session, username="lan", password=PASSWORD, role="volunteer",
                       market_codes=[make_market("cho-a").code])


def post_token(client, username="lan", password=PASSWORD):
    return client.post("/api/v1/tokens", json={"username": username, "password": password})


def test_a_token_is_issued_for_the_right_password_and_opens_the_api(client, lan):
    response = post_token(client, "  Lan ")
    assert response.status_code == 201
    body = response.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    assert response.headers["Cache-Control"] == "no-store"
    assert body["user"]["username"] == "lan" and body["user"]["role"] == "volunteer"
    markets = client.get("/api/v1/markets",
                         headers={"Authorization": f"Bearer {body['token']}"})
    assert [m["code"] for m in markets.get_json()["items"]] == ["cho-a"]


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", " Bearer "])
def test_the_schemes_name_is_read_in_any_case(client, lan, scheme):
    """RFC 7235: the scheme is case-insensitive; "bearer <token>" (some clients) got a 401."""
    token = post_token(client).get_json()["token"]
    response = client.get("/api/v1/markets", headers={"Authorization": f"{scheme} {token}"})
    assert response.status_code == 200
    for header in ("Bearer", "Bearer ", "Basic " + token, "Bearertoken"):
        assert client.get("/api/v1/markets",
                          headers={"Authorization": header}).status_code == 401, header


def test_the_api_speaks_english_when_asked_either_way(client, lan):
    """The document says ``?lang=en``; only ``Accept-Language`` was read."""
    for asked in ({"query_string": {"lang": "en"}},
                  {"headers": {"Accept-Language": "en-GB,en;q=0.9"}}):
        response = client.post("/api/v1/tokens", json={}, **asked)
        assert response.status_code == 422
        assert response.get_json()["detail"] == "Some data is invalid.", asked
    assert client.post("/api/v1/tokens", json={}).get_json()["detail"] != \
        "Some data is invalid."


def test_the_routers_own_refusals_are_problems_in_the_requests_language(app, client, lan):
    """A stall id past the database's, an unknown route, a PUT, a NUL and a body over the
    limit were answered in Werkzeug's English whatever the language asked for."""
    headers = {"Authorization": f"Bearer {post_token(client).get_json()['token']}"}
    cases = [(client.get, "/api/v1/stalls/2147483648", {}, 404, "Không tìm thấy."),
             (client.get, "/api/v1/nowhere", {}, 404, "Không tìm thấy."),
             (client.put, "/api/v1/markets", {}, 405, "Thao tác không được hỗ trợ."),
             (client.get, "/api/v1/markets?q=a%00b", {}, 400, "Yêu cầu không hợp lệ."),
             (client.post, "/api/v1/tokens",
              {"data": b"{" + b" " * app.config["MAX_CONTENT_LENGTH"] + b"}",
               "content_type": "application/json"}, 413, "Tệp quá lớn (tối đa 12 MB).")]
    for call, path, extra, status, detail in cases:
        response = call(path, headers=headers, **extra)
        assert (response.status_code, response.mimetype) == (status,
                                                            "application/problem+json"), path
        assert response.get_json()["detail"] == detail, path
    english = client.get("/api/v1/nowhere?lang=en", headers=headers).get_json()["detail"]
    assert english == "Not found."


def test_a_wrong_password_or_unknown_user_is_a_401_problem(client, lan):
    for username, password in (("lan", "wrong-password"), ("nobody", PASSWORD)):
        response = post_token(client, username, password)
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
        assert "token" not in response.get_json()
        assert response.get_json()["detail"]


def test_missing_or_mistyped_credentials_are_a_422_naming_each_field(client, lan):
    response = client.post("/api/v1/tokens", json={"username": 42})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"username", "password"}
    malformed = client.post("/api/v1/tokens", data="{not json",
                            content_type="application/json")
    assert (malformed.status_code, malformed.mimetype) == (400, "application/problem+json")


def test_repeated_failures_are_throttled_even_for_the_right_password(app, client, lan):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        assert post_token(client, password="wrong-password").status_code == 401
    response = post_token(client)
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0


def test_a_password_change_ends_earlier_tokens(client, session, lan):
    headers = {"Authorization": f"Bearer {post_token(client).get_json()['token']}"}
    assert client.get("/api/v1/markets", headers=headers).status_code == 200
    set_password(session, user=lan, password="another-password-7")
    assert client.get("/api/v1/markets", headers=headers).status_code == 401


def test_a_token_carries_nothing_of_the_password_and_ends_with_a_password_change(client, lan,
                                                                               session):
    import base64

    from merchant_onboard.services.users import set_password

    token = post_token(client).get_json()["token"]
    payload = base64.urlsafe_b64decode(token.split(".")[0] + "==").decode()
    assert lan.password_hash[-12:] not in payload and "scrypt" not in payload
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/markets", headers=headers).status_code == 200
    set_password(session, user=lan, password="a-brand-new-password")
    assert client.get("/api/v1/markets", headers=headers).status_code == 401


def test_the_token_says_when_the_password_must_be_changed_first(client, lan, session):
    """A token issued for a temporary password opened nothing but the password change, and
    the answer did not say so: the client learned it from a 403 on its first call."""
    from merchant_onboard.services import users

    assert post_token(client).get_json()["user"]["must_change_password"] is False
    admin = users.create_user(session, username="an", password=PASSWORD, role="admin")
    _user, temporary = users.reset_password(session, actor=admin, username="lan")
    body = post_token(client, password=temporary).get_json()
    assert body["user"]["must_change_password"] is True
    refused = client.get("/api/v1/markets", headers={"Authorization": f"Bearer {body['token']}"})
    assert refused.status_code == 403
