"""Requests that used to end in a 500: each now gets a clear 4xx (or a 503 to retry), and
changes nothing."""

from __future__ import annotations

import io
import json
import sqlite3
import uuid

import pypdfium2
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from sqlmodel import select

from merchant_onboard.domain.errors import FormErrors
from merchant_onboard.models import Market, Role, Stall, User
from merchant_onboard.services.users import create_user
from tests.factories import TEST_PASSWORD, stall_fields


@pytest.fixture
def market(make_market, make_user):
    market = make_market("cho-vi-thanh")
    make_user("lan", markets=[market])
    make_user("hung", role=Role.MANAGER, markets=[market])
    make_user("admin", role=Role.ADMIN)
    return market


@pytest.fixture
def lan(market, session) -> User:
    return session.exec(select(User).where(User.username == "lan")).one()


def _stall_count(session) -> int:
    session.expire_all()
    return session.scalar(select(sa.func.count(Stall.id))) or 0


@pytest.mark.expect_server_error
@pytest.mark.own_app
def test_the_error_page_renders_after_a_database_error(app, client, auth, market):
    """The 500 page used to read the signed-in user through the failed session
    (DetachedInstanceError in the top bar) and fall back to the server's bare page."""
    from merchant_onboard.db import get_session

    @app.get("/test-database-error")
    def database_error():
        from flask_login import current_user

        assert current_user.display_name  # the user is loaded through the request's session
        session = get_session()
        session.add(Market(code=None, name=None))  # NOT NULL: the flush fails
        session.flush()

    auth.login("lan")
    response = client.get("/test-database-error")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Có lỗi ở máy chủ" in page and "<html" in page


def test_a_method_not_allowed_says_which_are(client, market):
    page = client.get("/logout")
    assert page.status_code == 405 and "POST" in page.headers["Allow"]
    api = client.get("/api/v1/tokens")
    assert api.status_code == 405 and "POST" in api.headers["Allow"]
    assert api.content_type == "application/problem+json"


def test_ids_beyond_a_database_integer_are_not_found(client, auth, api_token, market):
    headers = api_token("lan")
    for stall_id in (2**31, 99999999999999999999):
        api = client.get(f"/api/v1/stalls/{stall_id}", headers=headers)
        assert api.status_code == 404, api.get_data(as_text=True)
    auth.login("lan")
    assert client.get(f"/stalls/{2**31}").status_code == 404
    assert client.get(f"/stalls/{2**31 - 1}").status_code == 404


def test_a_huge_page_number_shows_a_page(client, auth, market):
    auth.login("hung")
    huge = client.get(f"/m/{market.code}/?q=a&page=99999999999999999999")
    # The list's last page (its only one here), the search kept.
    assert huge.status_code == 302 and huge.location == f"/m/{market.code}/?q=a"
    assert client.get(huge.location).status_code == 200
    auth.logout()
    auth.login("admin")
    assert client.get("/rollup?page=99999999999999999999").status_code == 200


@pytest.mark.parametrize("body", [
    "[" * 100_000 + "]" * 100_000,
    json.dumps(json.loads('{"a":' * 40 + "1" + "}" * 40)),
    '{"username": "lan", ',
])
def test_a_malformed_or_too_deep_body_is_a_400(client, market, body):
    response = client.post("/api/v1/tokens", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"


@pytest.mark.parametrize("body", [
    '{"username": "thu", "display_name": "Thu", "role": "volunteer", "role": "manager", '
    '"markets": ["cho-vi-thanh"]}',
    '{"username": "thu", "display_name": "Thu", "markets": ["cho-vi-thanh"], '
    '"extra": {"a": 1, "a": 2}}',
])
def test_a_body_naming_a_field_twice_is_a_400_and_changes_nothing(client, api_token, market,
                                                                    session, body):
    """Parsers disagree on which of two equal keys counts (Python's takes the last, others the
    first): a proxy or log that read "volunteer" let an admin's request make a manager."""
    response = client.post("/api/v1/users", headers=api_token("admin"), data=body,
                           content_type="application/json")
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    session.expire_all()
    assert session.exec(select(User).where(User.username == "thu")).first() is None


@pytest.mark.parametrize("username", ["lan\u0000", "\ud800lan"])
def test_unstorable_text_is_refused_before_any_query(client, market, username):
    api = client.post("/api/v1/tokens", data=json.dumps({"username": username,
                                                         "password": TEST_PASSWORD}),
                      content_type="application/json")
    assert api.status_code == 400
    assert client.post("/login", data={"username": "lan\x00",
                                       "password": TEST_PASSWORD}).status_code == 400
    assert client.get("/m/cho%00vi/").status_code == 400


def test_a_multipart_part_without_a_name_is_no_server_error(client, market):
    """Found by the API fuzzer: the unstorable-text check met the key None."""
    body = b"--B\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n--B--\r\n"
    response = client.post("/login", data=body, content_type="multipart/form-data; boundary=B")
    assert response.status_code < 500


def test_control_characters_in_a_shop_name_are_refused_per_field(client, api_token, market,
                                                                  session):
    response = client.post(f"/api/v1/markets/{market.code}/stalls", headers=api_token("lan"),
                           json={**stall_fields(shop_name="Tạp hoá\x07 Cô Ba"),
                                 "client_id": str(uuid.uuid4())})
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["shop_name"]
    assert _stall_count(session) == 0


def test_an_over_long_display_name_is_a_field_error(session, market):
    with pytest.raises(FormErrors) as caught:
        create_user(session, username="dai", password=TEST_PASSWORD, role=Role.VOLUNTEER,
                    display_name="x" * 500)
    assert [e.field for e in caught.value.errors] == ["display_name"]


def test_the_export_leaves_out_control_characters_stored_earlier(client, auth, market, lan,
                                                                  make_stall, session):
    stall = make_stall(market, lan)
    with session.get_bind().begin() as conn:
        conn.execute(sa.text("UPDATE stall SET shop_name = :name WHERE id = :id"),
                     {"name": "Tạp hoá\x01\x0b Cô Ba", "id": stall.id})
    auth.login("hung")
    response = client.get(f"/m/{market.code}/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert "Tạp hoá Cô Ba" in [cell.value for row in sheet.iter_rows() for cell in row]


def _pdf_text(data: bytes) -> str:
    pdf = pypdfium2.PdfDocument(data)
    return "".join(page.get_textpage().get_text_range() for page in pdf)


def test_a_forged_host_never_reaches_a_poster(app, client, api_token, market, lan, make_stall):
    stall = make_stall(market, lan)
    headers = api_token("lan")
    forged = client.get(f"/api/v1/stalls/{stall.id}/poster?format=a6",
                        headers={**headers, "Host": "evil.example"})
    assert forged.status_code == 200
    assert "evil.example" not in _pdf_text(forged.data)
    assert "localhost/v/" in _pdf_text(forged.data)
    app.config["PUBLIC_BASE_URL"] = "https://qr.example.vn"
    configured = client.get(f"/api/v1/stalls/{stall.id}/poster?format=a6",
                            headers={**headers, "Host": "evil.example"})
    assert "qr.example.vn/v/" in _pdf_text(configured.data)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_write_that_waits_out_the_lock_is_told_to_retry(app_config, api_token, market,
                                                          session):
    from merchant_onboard import create_app
    from merchant_onboard.db import dispose

    impatient = create_app({**app_config, "DB_BUSY_TIMEOUT": 0.2})
    client = impatient.test_client()
    headers = {**api_token("lan")}
    path = app_config["DATABASE_URL"].removeprefix("sqlite:///")
    holder = sqlite3.connect(path)
    holder.execute("BEGIN IMMEDIATE")
    try:
        response = client.post(f"/api/v1/markets/{market.code}/stalls", headers=headers,
                               json={**stall_fields(), "client_id": str(uuid.uuid4())})
    finally:
        holder.rollback()
        holder.close()
        dispose(impatient)
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert _stall_count(session) == 0
