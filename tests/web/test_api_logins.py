"""Logins through the API, as the admins' logins page has them: the list, one login, and a
change of its name, role or lock (``services/users.py: update_login``, the pages' rules)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from merchant_onboard.models import AuditEntry, User


@pytest.fixture
def market(make_market):
    return make_market("cho-vi-thanh")


@pytest.fixture
def people(make_user, market, make_market):
    other = make_market("cho-khac")
    return {"admin": make_user("an", role="admin", display_name="An Admin"),
            "boss": make_user("binh", role="admin"),
            "manager": make_user("hung", role="manager", markets=[market]),
            "lan": make_user("lan", markets=[market, other], display_name="Nguyen Thi Lan")}


def stored(session, username):
    session.expire_all()
    user = session.exec(select(User).where(User.username == username)).one()
    return user.display_name, user.role, user.active, user.session_epoch


def audited(session):
    session.expire_all()
    return [(a.action, a.target) for a in session.exec(
        select(AuditEntry).where(AuditEntry.action.startswith("user."),
                                 AuditEntry.action != "user.create").order_by(AuditEntry.id))]


def test_an_admin_lists_the_logins_as_the_logins_page_shows_them(client, api_token, people,
                                                                 market):
    listed = client.get("/api/v1/users", headers=api_token("an"))
    assert listed.status_code == 200
    body = listed.get_json()
    assert body["total"] == 4
    assert [(p["username"], p["role"], p["display_name"], p["active"], p["markets"])
            for p in body["items"]] == [
        ("an", "admin", "An Admin", True, []), ("binh", "admin", "Binh", True, []),
        ("hung", "manager", "Hung", True, [market.code]),
        ("lan", "volunteer", "Nguyen Thi Lan", True, ["cho-khac", market.code])]
    one = client.get("/api/v1/users/ LAN ", headers=api_token("an")).get_json()
    assert one == body["items"][3]


def test_an_admin_renames_a_login_and_makes_it_a_manager_and_the_page_shows_it(
        client, api_token, auth, people, market, session):
    token = api_token("lan")
    changed = client.patch("/api/v1/users/lan", headers=api_token("an"), json={
        "display_name": " Nguyễn Thị Lan ", "role": "manager"})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert (body["username"], body["display_name"], body["role"], body["active"]) == \
        ("lan", "Nguyễn Thị Lan", "manager", True)
    assert body["markets"] == ["cho-khac", market.code]
    # A volunteer made a manager keeps her sessions; she now manages her markets.
    assert client.get(f"/api/v1/markets/{market.code}/members", headers=token).status_code \
        == 200
    assert audited(session) == [("user.update", "lan")]
    auth.login("an")
    page = client.get("/admin/people").get_data(as_text=True)
    row = page.split('data-username="lan"', 1)[1].split("</li>", 1)[0]
    assert "Nguyễn Thị Lan" in row and "Quản lý chợ" in row


def test_a_manager_made_a_volunteer_loses_her_tokens(client, api_token, people, market,
                                                     session):
    token = api_token("hung")
    changed = client.patch("/api/v1/users/hung", headers=api_token("an"),
                           json={"role": "volunteer"})
    assert changed.status_code == 200 and changed.get_json()["role"] == "volunteer"
    assert client.get("/api/v1/markets", headers=token).status_code == 401
    again = api_token("hung")
    assert client.get(f"/api/v1/markets/{market.code}/members", headers=again).status_code \
        == 403


def test_a_lock_through_the_api_ends_the_logins_tokens_and_an_unlock_lets_it_back(
        client, api_token, people, session):
    token = api_token("lan")
    admin = api_token("an")
    locked = client.patch("/api/v1/users/lan", headers=admin, json={"active": False})
    assert locked.status_code == 200 and locked.get_json()["active"] is False
    assert client.get("/api/v1/markets", headers=token).status_code == 401
    assert client.post("/api/v1/tokens", json={"username": "lan", "password": "x" * 12}
                       ).status_code in (401, 403, 422)
    unlocked = client.patch("/api/v1/users/lan", headers=admin, json={"active": True})
    assert unlocked.get_json()["active"] is True
    # Unlocking does not bring back what the lock ended.
    assert client.get("/api/v1/markets", headers=token).status_code == 401
    assert client.get("/api/v1/markets", headers=api_token("lan")).status_code == 200
    assert audited(session) == [("user.lock", "lan"), ("user.unlock", "lan")]


def test_sending_what_is_stored_writes_nothing(client, api_token, people, session):
    token = api_token("lan")
    before = stored(session, "lan")
    for body in ({}, {"display_name": "Nguyen Thi Lan"}, {"role": "volunteer"},
                 {"active": True}):
        answer = client.patch("/api/v1/users/lan", headers=api_token("an"), json=body)
        assert answer.status_code == 200, body
        assert answer.get_json()["display_name"] == "Nguyen Thi Lan"
    assert stored(session, "lan") == before
    assert audited(session) == []
    assert client.get("/api/v1/markets", headers=token).status_code == 200


@pytest.mark.parametrize("who", ["hung", "lan"])
def test_managers_and_volunteers_may_not_read_or_change_logins(client, api_token, people,
                                                               session, who):
    headers = api_token(who)
    before = stored(session, "lan")
    for method, url, body in (("GET", "/api/v1/users", None), ("GET", "/api/v1/users/lan", None),
                              ("PATCH", "/api/v1/users/lan", {"display_name": "Lan"}),
                              ("PATCH", "/api/v1/users/lan", {"active": False}),
                              ("PATCH", "/api/v1/users/lan", {"role": "manager"})):
        answer = client.open(url, method=method, headers=headers, json=body)
        assert (answer.status_code, answer.mimetype) == (403, "application/problem+json"), \
            (method, url, body)
        assert answer.get_json()["detail"].startswith("Chỉ quản trị viên mới")
    assert stored(session, "lan") == before
    assert audited(session) == []


def test_an_unknown_login_is_a_404(client, api_token, people):
    admin = api_token("an")
    for method, body in (("GET", None), ("PATCH", {"active": False}),
                         ("PATCH", {"display_name": "Ai đó"})):
        answer = client.open("/api/v1/users/nobody", method=method, headers=admin, json=body)
        assert (answer.status_code, answer.mimetype) == (404, "application/problem+json")
        assert answer.get_json()["detail"] == "Không tìm thấy người dùng “nobody”."


@pytest.mark.parametrize(("body", "fields"), [
    ({"role": "admin"}, {"role"}),
    ({"role": ""}, {"role"}),
    ({"role": 1}, {"role"}),
    ({"display_name": "x" * 121}, {"display_name"}),
    ({"display_name": None}, {"display_name"}),
    ({"display_name": "Lan\x07"}, {"display_name"}),
    ({"active": "false"}, {"active"}),
    ({"active": None}, {"active"}),
    ({"username": "lan2"}, {"username"}),
    ({"display_name": "x" * 121, "role": "admin", "active": False}, {"display_name", "role"}),
])
def test_a_bad_field_is_a_422_naming_it_and_nothing_changes(client, api_token, people,
                                                            session, body, fields):
    token = api_token("lan")
    before = stored(session, "lan")
    answer = client.patch("/api/v1/users/lan", headers=api_token("an"), json=body)
    assert (answer.status_code, answer.mimetype) == (422, "application/problem+json")
    assert set(answer.get_json()["errors"]) == fields
    if body.get("role") == "admin":
        assert answer.get_json()["errors"]["role"] == [
            "Chọn vai trò quản lý chợ hoặc tình nguyện viên."]
    assert stored(session, "lan") == before
    assert audited(session) == []
    assert client.get("/api/v1/markets", headers=token).status_code == 200


def test_a_body_that_is_no_json_object_is_a_problem(client, api_token, people):
    answer = client.patch("/api/v1/users/lan", headers=api_token("an"), data="[]",
                          content_type="application/json")
    assert (answer.status_code, answer.mimetype) == (400, "application/problem+json")


def test_an_admins_login_is_changed_on_the_command_line_only(client, api_token, auth, people,
                                                            session):
    """Its name and role, as the page says; another admin may still be locked, and one's own
    login may not be."""
    admin = api_token("an")
    before = stored(session, "binh")
    auth.login("an")
    web = client.get("/admin/people/binh")
    assert web.status_code == 403
    message = "Tài khoản quản trị chỉ sửa được bằng dòng lệnh."
    assert message in web.get_data(as_text=True)
    for body in ({"display_name": "Bình"}, {"role": "manager"},
                 {"display_name": "Binh", "active": False}):
        refused = client.patch("/api/v1/users/binh", headers=admin, json=body)
        assert (refused.status_code, refused.get_json()["detail"]) == (403, message), body
    assert stored(session, "binh") == before
    own = client.patch("/api/v1/users/an", headers=admin, json={"active": False})
    assert (own.status_code, own.get_json()["detail"]) == \
        (403, "Không thể tự khoá tài khoản của chính mình.")
    assert client.patch("/api/v1/users/an", headers=admin,
                        json={"display_name": "An"}).get_json()["detail"] == message
    assert client.get("/api/v1/users/an", headers=admin).status_code == 200
    assert audited(session) == []
    locked = client.patch("/api/v1/users/binh", headers=admin, json={"active": False})
    assert locked.status_code == 200 and locked.get_json()["active"] is False
