"""A market's team page: create logins, add and remove members of this market only, reset
passwords; admins lock whole logins and read the audit log (issue 13)."""

import re

import pytest
from sqlmodel import select

from merchant_onboard.models import AuditEntry, Membership, User
from tests.factories import TEST_PASSWORD


@pytest.fixture
def market(make_market):
    return make_market("cho-vi-thanh")


@pytest.fixture
def manager_client(client, auth, make_user, market):
    make_user("hung", role="manager", markets=[market])
    auth.login("hung")
    return client


def login(app, username, password=TEST_PASSWORD):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password})
    return client, response


def actions_on(session, username):
    return session.exec(select(AuditEntry.action).where(AuditEntry.target == username)).all()


def test_manager_adds_a_volunteer_who_can_log_in(manager_client, session, market, app):
    response = manager_client.post(f"/m/{market.code}/team", data={
        "display_name": "Lê Thị Mai", "username": "mai", "password": "mat-khau-dai"})
    assert response.status_code == 302
    mai = session.exec(select(User).where(User.username == "mai")).one()
    assert mai.role == "volunteer" and mai.display_name == "Lê Thị Mai"
    assert session.get(Membership, (mai.id, market.id))
    page = manager_client.get(f"/m/{market.code}/team").get_data(as_text=True)
    assert "Lê Thị Mai" in page
    assert login(app, "mai", "mat-khau-dai")[1].status_code == 302


def test_a_manager_cannot_create_a_manager(manager_client, session, market):
    manager_client.post(f"/m/{market.code}/team", data={
        "username": "sep", "password": "mat-khau-dai", "role": "manager"})
    assert session.exec(select(User.role).where(User.username == "sep")).one() == "volunteer"


@pytest.mark.parametrize(("password", "message"), [
    ("short", "ít nhất 10 ký tự"),
    ("Mai.Nguyen", "trùng tên đăng nhập"),
    ("cho-vi-thanh", "trùng mã chợ"),
    ("1234567890", "quá phổ biến"),
    ("qwertyuiop", "quá phổ biến"),
])
def test_the_password_policy_is_explained_in_vietnamese(manager_client, session, market,
                                                        password, message):
    response = manager_client.post(f"/m/{market.code}/team", data={
        "username": "mai.nguyen", "password": password})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="e-password"' in page and message in page
    assert session.exec(select(User).where(User.role == "volunteer")).all() == []


def test_without_a_password_a_temporary_one_is_shown_once_and_must_be_changed(
        manager_client, market, app, session):
    response = manager_client.post(f"/m/{market.code}/team", data={
        "display_name": "Mai", "username": "mai", "password": ""})
    assert response.status_code == 200
    temporary = re.search(r"data-temporary-password>([^<]+)<", response.get_data(as_text=True))[1]
    assert temporary not in manager_client.get(f"/m/{market.code}/team").get_data(as_text=True)
    mai, answer = login(app, "mai", temporary)
    assert answer.status_code == 302
    # Every page leads to the password change until a password of her own is chosen.
    assert mai.get(f"/m/{market.code}/").headers["Location"] == "/account/password"
    # Manager review item 9: a brand-new account was told its password "was just reset".
    asked = mai.get("/account/password").get_data(as_text=True)
    assert "vừa được đặt lại" not in asked and "mật khẩu tạm" in asked
    changed = mai.post("/account/password", data={"current_password": temporary,
                                                   "new_password": "mai-mat-khau-rieng"})
    assert changed.status_code == 302
    assert mai.get(f"/m/{market.code}/").status_code == 200
    assert login(app, "mai", temporary)[1].status_code == 401


def test_removing_a_volunteer_from_one_market_keeps_the_other(app, client, auth, make_user,
                                                              make_market, market, session):
    """The market-scoped lock: the manager of market B removes Lan from B only."""
    other = make_market("cho-khac")
    make_user("hung", role="manager", markets=[other])
    lan = make_user("lan", markets=[market, other])
    lan_phone, _ = login(app, "lan")
    assert lan_phone.get(f"/m/{other.code}/").status_code == 200
    auth.login("hung")
    assert client.post(f"/m/{other.code}/team/lan/remove",
                       data={"confirm": "1"}).status_code == 302
    assert session.get(Membership, (lan.id, other.id)) is None
    assert session.get(Membership, (lan.id, market.id)) is not None
    # Her open session ended; logging in again she works in her other market only.
    assert lan_phone.get(f"/m/{market.code}/").status_code == 302
    lan_phone, _ = login(app, "lan")
    assert lan_phone.get(f"/m/{market.code}/").status_code == 200
    assert lan_phone.get(f"/m/{other.code}/").status_code == 404
    assert "membership.remove" in actions_on(session, "lan")
    # The manager of market B cannot touch her login as a whole.
    assert client.post("/admin/people/lan/active", data={"active": "0"}).status_code == 403


def test_a_manager_cannot_remove_or_reset_a_manager_or_a_foreign_volunteer(
        manager_client, make_user, make_market, market, session):
    make_user("tuan", role="manager", markets=[market])
    make_user("khac", markets=[make_market("cho-khac")])
    for username in ("tuan", "khac", "nobody"):
        for confirm in ("", "1"):  # neither the question nor the removal
            assert manager_client.post(f"/m/{market.code}/team/{username}/remove",
                                       data={"confirm": confirm}).status_code == 404
        for confirm in ("", "1"):
            assert manager_client.post(f"/m/{market.code}/team/{username}/reset",
                                       data={"confirm": confirm}).status_code == 404
    assert session.exec(select(AuditEntry).where(
        AuditEntry.action.in_(["membership.remove", "password.reset"]))).all() == []


def test_the_team_page_offers_a_reset_only_for_volunteers_the_manager_may_reset(
        manager_client, make_user, make_market, market):
    """A volunteer who also works in a market the manager does not manage is the admin's to
    reset: the page said "Đặt lại mật khẩu" and led to a refusal."""
    other = make_market("cho-khac")
    make_user("lan", display_name="Lan", markets=[market, other])
    make_user("mai", display_name="Mai", markets=[market])
    page = manager_client.get(f"/m/{market.code}/team").get_data(as_text=True)
    rows = dict(re.findall(r'<li class="row-link" data-username="(\w+)">(.*?)</li>', page, re.S))
    assert f"/m/{market.code}/team/mai/reset" in rows["mai"]
    assert "/reset" not in rows["lan"]
    assert "quản trị viên đặt lại mật khẩu" in rows["lan"]
    # Taking her out of this market is still the manager's.
    assert f"/m/{market.code}/team/lan/remove" in rows["lan"]


def test_a_manager_adds_an_existing_volunteer_but_not_a_manager_nor_anothers(
        manager_client, make_user, make_market, market, session):
    """A manager pulled another market's volunteer in (then could take her out, logging her
    out everywhere, and her own manager could no longer reset her password)."""
    minh = make_user("minh")  # a login in no market yet
    hoa = make_user("hoa", markets=[make_market("cho-khac")])
    make_user("tuan", role="manager")
    assert manager_client.post(f"/m/{market.code}/team/members",
                               data={"username": "minh"}).status_code == 302
    assert session.get(Membership, (minh.id, market.id)) is not None
    for name in ("tuan", "hoa"):
        refused = manager_client.post(f"/m/{market.code}/team/members", data={"username": name})
        assert refused.status_code == 422
        assert f"Không thêm được “{name}”" in refused.get_data(as_text=True)
    assert session.get(Membership, (hoa.id, market.id)) is None
    assert "membership.add" in actions_on(session, "minh")
    assert "membership.add" not in actions_on(session, "hoa")


@pytest.mark.parametrize("typed", ["", "   "])
def test_adding_a_member_without_a_username_asks_for_one(manager_client, market, typed):
    """It answered "Không tìm thấy người dùng “”." as if someone had been looked for."""
    refused = manager_client.post(f"/m/{market.code}/team/members", data={"username": typed})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Nhập tên đăng nhập của người cần thêm." in page
    assert "Không tìm thấy người dùng" not in page


def test_adding_someone_unknown_is_said_at_the_field_with_what_was_typed(manager_client, market):
    """The page came back at its top with "Không tìm thấy người dùng" above the form, far
    below on a phone, the name typed gone and nothing marked: the field now carries the
    message (the page's script goes to it) and keeps what was typed."""
    refused = manager_client.post(f"/m/{market.code}/team/members",
                                  data={"username": "nobody.here"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    member = page.split('id="f-member"', 1)[1].split(">", 1)[0]
    assert 'aria-invalid="true"' in member and 'value="nobody.here"' in member
    assert 'aria-describedby="e-member"' in member
    assert '<p class="error" id="e-member">Không thêm được “nobody.here”: không có' in page


def test_switching_language_on_a_forms_answer_goes_back_to_the_forms_page(manager_client,
                                                                          market):
    """After a refused "add to market" the address is the form's (a POST only): "EN" loaded
    it again and answered 405. The switch now leads back to the page the form was on."""
    import html
    import re

    team = f"http://localhost/m/{market.code}/team"
    refused = manager_client.post(f"/m/{market.code}/team/members",
                                  data={"username": "nobody.here"}, headers={"Referer": team})
    switch = html.unescape(re.search(r'<a href="([^"]+)" hreflang="en"',
                                     refused.get_data(as_text=True)).group(1))
    back = manager_client.get(switch)
    assert back.status_code == 302 and back.headers["Location"] == f"/m/{market.code}/team"
    page = manager_client.get(back.headers["Location"])
    assert page.status_code == 200 and '<html lang="en">' in page.get_data(as_text=True)
    # Without a page to go back to (no Referer), to the start rather than to a 405.
    refused = manager_client.post(f"/m/{market.code}/team/members", data={"username": "x"})
    switch = html.unescape(re.search(r'<a href="([^"]+)" hreflang="vi"',
                                     refused.get_data(as_text=True)).group(1))
    assert manager_client.get(switch, follow_redirects=True).status_code == 200


def test_the_english_audit_log_names_done_actions_and_the_buttons_what_they_do(
        manager_client, client, auth, make_user, market):
    """The audit log read "Create account" beside "Changed market settings": its names now
    say what was done, while the team page's buttons keep saying what they do."""
    manager_client.post(f"/m/{market.code}/team", data={
        "display_name": "Lan", "username": "lan.nguyen", "password": "mat-khau-dai-1"})
    team = manager_client.get(f"/m/{market.code}/team?lang=en").get_data(as_text=True)
    assert "Create account" in team and "Add to market" in team
    auth.logout()
    make_user("root", role="admin")
    auth.login("root")
    log = client.get("/admin/audit?lang=en").get_data(as_text=True)
    assert "<td>Created login</td>" in log and "Create account" not in log
    assert client.get("/admin/audit?lang=vi").get_data(as_text=True).count(
        "<td>Tạo tài khoản</td>") >= 1


def test_adding_someone_already_in_the_market_says_so(manager_client, make_user, market,
                                                      session):
    """Manager review item 9: it said "Đã thêm … vào chợ." though nothing changed."""
    make_user("lan", markets=[market], display_name="Nguyễn Thị Lan Anh Phương")
    again = manager_client.post(f"/m/{market.code}/team/members", data={"username": "lan"},
                                follow_redirects=True).get_data(as_text=True)
    assert "lan đã ở trong chợ này." in again and "Đã thêm lan" not in again
    assert "membership.add" not in actions_on(session, "lan")
    # A name cut short on the list shows whole on hover.
    assert 'title="Nguyễn Thị Lan Anh Phương"' in again


@pytest.mark.parametrize("method", ["temporary", "link"])
def test_a_reset_ends_the_old_session_and_gives_a_one_time_way_in(manager_client, make_user,
                                                                  market, app, session, method):
    make_user("lan", markets=[market])
    phone, _ = login(app, "lan")
    assert phone.get(f"/m/{market.code}/").status_code == 200
    # First the question: nothing is reset until it is answered.
    question = manager_client.post(f"/m/{market.code}/team/lan/reset",
                                   data={"method": method})
    asked = question.get_data(as_text=True)
    assert question.status_code == 200 and "Đặt lại mật khẩu của Lan?" in asked
    assert f'name="method" value="{method}"' in asked and 'name="confirm" value="1"' in asked
    assert phone.get(f"/m/{market.code}/").status_code == 200
    assert "password.reset" not in actions_on(session, "lan")
    page = manager_client.post(f"/m/{market.code}/team/lan/reset",
                               data={"method": method, "confirm": "1"}).get_data(as_text=True)
    assert phone.get(f"/m/{market.code}/").status_code == 302
    assert login(app, "lan")[1].status_code == 401  # the old password is gone too
    new_phone = app.test_client()
    if method == "temporary":
        temporary = re.search(r"data-temporary-password>([^<]+)<", page)[1]
        new_phone.post("/login", data={"username": "lan", "password": temporary})
        answer = new_phone.post("/account/password", data={
            "current_password": temporary, "new_password": "lan-mat-khau-moi"})
    else:
        link = re.search(r"data-reset-link>([^<]+)<", page)[1]
        path = link.split("://", 1)[1].split("/", 1)[1]
        answer = new_phone.post("/" + path, data={"new_password": "lan-mat-khau-moi"})
        # Used once: the same link does not work a second time.
        assert app.test_client().get("/" + path).status_code == 404
    assert answer.status_code == 302
    assert new_phone.get(f"/m/{market.code}/").status_code == 200
    assert login(app, "lan", "lan-mat-khau-moi")[1].status_code == 302
    assert "password.reset" in actions_on(session, "lan")


def test_an_unknown_reset_method_resets_nothing(manager_client, make_user, market, app,
                                                session):
    make_user("lan", markets=[market])
    phone, _ = login(app, "lan")
    response = manager_client.post(f"/m/{market.code}/team/lan/reset",
                                   data={"method": "Link", "confirm": "1"})
    assert response.status_code == 400
    assert phone.get(f"/m/{market.code}/").status_code == 200  # the session lives on
    assert login(app, "lan")[1].status_code == 302
    assert "password.reset" not in actions_on(session, "lan")


def test_an_admin_creates_a_manager_who_manages_the_market(client, auth, make_user, market, app,
                                                           session):
    make_user("an", role="admin")
    auth.login("an")
    response = client.post(f"/m/{market.code}/team", data={
        "role": "manager", "display_name": "Trần Hùng", "username": "hung",
        "password": "hung-mat-khau-1"})
    assert response.status_code == 302
    hung, _ = login(app, "hung", "hung-mat-khau-1")
    assert hung.get(f"/m/{market.code}/team").status_code == 200
    assert "user.create" in actions_on(session, "hung")


def selected_role(page: str) -> str:
    return re.search(r'<option value="(\w+)"\s*selected>', page.split('id="f-role"')[1]).group(1)


def test_an_admins_new_login_is_a_volunteer_unless_manager_is_chosen(client, auth, make_user,
                                                                     market, session):
    """The admin's form chose "Quản lý chợ" unless changed, and again after each login it
    made: a market's ten volunteers created in a row became managers (able to add logins,
    reset passwords and change the market's settings) as soon as one switch was forgotten,
    and a role cannot be changed afterwards. The login with the fewest rights is the one the
    form chooses; a refused form keeps the role that was chosen."""
    make_user("an", role="admin")
    auth.login("an")
    assert selected_role(client.get(f"/m/{market.code}/team").get_data(as_text=True)) == \
        "volunteer"
    made = client.post(f"/m/{market.code}/team", data={"role": "manager", "username": "hung"})
    page = made.get_data(as_text=True)
    assert made.status_code == 200 and "data-temporary-password" in page
    assert selected_role(page) == "volunteer"
    refused = client.post(f"/m/{market.code}/team",
                          data={"role": "manager", "username": "tuan", "password": "short"})
    assert refused.status_code == 422 and selected_role(refused.get_data(as_text=True)) == \
        "manager"
    assert session.exec(select(User.role).where(User.username == "hung")).one() == "manager"


def test_an_admin_lock_ends_sessions_and_unlocking_does_not_revive_them(
        client, auth, make_user, market, app, session):
    make_user("an", role="admin")
    make_user("lan", markets=[market])
    phone, _ = login(app, "lan")
    auth.login("an")
    assert client.post("/admin/people/lan/active",
                       data={"active": "0", "confirm": "1"}).status_code == 302
    assert phone.get(f"/m/{market.code}/").status_code == 302
    locked = login(app, "lan")[1]
    assert locked.status_code == 403
    assert "đã bị khoá" in locked.get_data(as_text=True)
    client.post("/admin/people/lan/active", data={"active": "1"})
    assert phone.get(f"/m/{market.code}/").status_code == 302
    assert login(app, "lan")[1].status_code == 302
    assert {"user.lock", "user.unlock"} <= set(actions_on(session, "lan"))


def test_admins_read_the_audit_log_others_may_not(client, auth, make_user, market, app):
    make_user("an", role="admin")
    make_user("hung", role="manager", markets=[market])
    make_user("lan", markets=[market])
    hung, _ = login(app, "hung")
    assert hung.post(f"/m/{market.code}/team/lan/remove",
                     data={"confirm": "1"}).status_code == 302
    assert hung.get("/admin/audit").status_code == 403
    assert hung.get("/admin/people").status_code == 403
    auth.login("an")
    rows = _audit_cells(client.get("/admin/audit").get_data(as_text=True))
    assert ["hung", "Đưa ra khỏi chợ", "lan"] in [cells[1:4] for cells in rows]
    only_passwords = _audit_cells(client.get("/admin/audit?action=password.").get_data(
        as_text=True))
    assert rows and not any("Đưa ra khỏi chợ" in cells for cells in only_passwords)
    people = client.get("/admin/people").get_data(as_text=True)
    assert 'data-username="hung"' in people and market.code in people


def _audit_cells(page: str) -> list[list[str]]:
    """The audit table's body rows as the text of their cells (details joined by " · ")."""
    body = page.split('id="audit-log"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    def text(cell: str) -> str:
        parts = (" ".join(re.sub(r"<[^>]+>", " ", part).split())
                 for part in cell.split('<span class="detail">'))
        return " · ".join(part for part in parts if part)

    return [[text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_the_audit_log_reads_as_plain_vietnamese(client, auth, make_user, market, app):
    """Manager review item 5: the log showed ``user.create`` and Python reprs
    (``markets: ['cho-vi-thanh']``, ``masked: False``); a settings change said only which
    fields changed. Each action now has a name, each detail a label and a readable value,
    and a settings change its old and new values."""
    make_user("an", role="admin")
    make_user("hung", role="manager", markets=[market])
    make_user("lan", markets=[market])
    hung, _ = login(app, "hung")
    hung.post(f"/m/{market.code}/settings", data={"census_size": "80", "target_pct": "80"})
    hung.get(f"/m/{market.code}/export.csv")
    auth.login("an")
    page = client.get("/admin/audit").get_data(as_text=True)
    rows = {(cells[2], cells[3]): cells[5] for cells in _audit_cells(page)}
    assert rows["Tạo tài khoản", "lan"] == "Vai trò: Tình nguyện viên · Chợ: cho-vi-thanh"
    assert rows["Đổi cài đặt chợ", market.code] == "Số gian hàng (khai báo): 0 → 80"
    assert rows["Xuất danh sách gian hàng", market.code] == \
        "Định dạng: CSV · Che số điện thoại và số tài khoản: Không"
    table = str(_audit_cells(page))
    for code in ("user.create", "market.update", "export.stalls", "[&#39;", "False"):
        assert code not in table


def test_the_audit_filter_offers_every_action_the_code_writes(client, auth, make_user):
    """Every action a service writes has a name and an entry in the filter (census imports
    and market changes had none)."""
    import ast
    from pathlib import Path

    import merchant_onboard
    from merchant_onboard.web.labels import AUDIT_ACTION_LABELS

    writers = {"AuditEntry", "audit", "_audit", "_audit_download", "record"}
    written = set()
    for path in Path(merchant_onboard.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(
                    node.func, "attr", None)) in writers:
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    written |= {c.value for c in ast.walk(arg) if isinstance(c, ast.Constant)
                                and isinstance(c.value, str)
                                and re.fullmatch(r"[a-z]+\.[a-z_]+", c.value)}
    assert {"census.import", "market.update", "user.create"} <= written
    assert written == set(AUDIT_ACTION_LABELS)
    make_user("an", role="admin")
    auth.login("an")
    page = client.get("/admin/audit").get_data(as_text=True)
    offered = set(re.findall(r'<option value="([^"]+)"', page))
    assert written <= offered


def test_removing_someone_from_the_market_asks_first_naming_them(app, client, auth, make_user,
                                                                 market, session):
    """Manager review item 6: "Đưa ra khỏi chợ" took effect on one tap, and ended the
    volunteer's sessions while she might be working. The first post now only shows a page
    naming her and what will happen, with a form to confirm; nothing changes until then."""
    make_user("hung", role="manager", markets=[market])
    lan = make_user("lan", markets=[market], display_name="Nguyễn Thị Lan")
    lan_phone, _ = login(app, "lan")
    auth.login("hung")
    asked = client.post(f"/m/{market.code}/team/lan/remove")
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert "Đưa Nguyễn Thị Lan ra khỏi" in page and "đăng xuất ngay" in page
    assert 'name="confirm" value="1"' in page
    assert session.get(Membership, (lan.id, market.id)) is not None
    assert lan_phone.get(f"/m/{market.code}/").status_code == 200
    assert "membership.remove" not in actions_on(session, "lan")
    done = client.post(f"/m/{market.code}/team/lan/remove", data={"confirm": "1"})
    assert done.status_code == 302
    assert session.get(Membership, (lan.id, market.id)) is None
    assert lan_phone.get(f"/m/{market.code}/").status_code == 302


def test_locking_a_login_asks_first_naming_the_person(app, client, auth, make_user, market,
                                                      session):
    make_user("an", role="admin")
    make_user("lan", markets=[market], display_name="Nguyễn Thị Lan")
    lan_phone, _ = login(app, "lan")
    auth.login("an")
    asked = client.post("/admin/people/lan/active", data={"active": "0"})
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert "Khoá tài khoản Nguyễn Thị Lan?" in page and "đăng xuất ngay" in page
    assert lan_phone.get(f"/m/{market.code}/").status_code == 200
    assert "user.lock" not in actions_on(session, "lan")
    done = client.post("/admin/people/lan/active", data={"active": "0", "confirm": "1"})
    assert done.status_code == 302
    assert lan_phone.get(f"/m/{market.code}/").status_code == 302
    # Unlocking harms no one: it needs no confirmation.
    assert client.post("/admin/people/lan/active", data={"active": "1"}).status_code == 302
    assert login(app, "lan")[1].status_code == 302


def test_an_admin_makes_a_volunteer_the_markets_manager_and_corrects_her_name(
        client, auth, make_user, market, app, session):
    """There was no page for it: a volunteer who became the market's manager needed a new
    login (a new username, her history apart), and a name typed wrong stayed on every team
    page and log."""
    make_user("an", role="admin")
    lan = make_user("lan", markets=[market], display_name="Nguyen Thi Lan")
    auth.login("an")
    people = client.get("/admin/people").get_data(as_text=True)
    assert 'href="/admin/people/lan"' in people and 'href="/admin/people/an"' not in people
    page = client.get("/admin/people/lan").get_data(as_text=True)
    assert 'value="Nguyen Thi Lan"' in page and re.search(
        r'<option value="volunteer"\s*selected>', page) and market.code in page
    refused = client.post("/admin/people/lan", data={"display_name": "Nguyễn Thị Lan",
                                                     "role": "admin"})
    assert refused.status_code == 422
    assert "Chọn vai trò quản lý chợ hoặc tình nguyện viên." in refused.get_data(as_text=True)
    session.expire_all()
    assert (session.get(User, lan.id).role, session.get(User, lan.id).display_name) == \
        ("volunteer", "Nguyen Thi Lan")
    saved = client.post("/admin/people/lan", data={"display_name": "Nguyễn Thị Lan",
                                                   "role": "manager"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/admin/people")
    assert "Đã lưu tài khoản lan." in client.get("/admin/people").get_data(as_text=True)
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "Sửa tài khoản" in audit and "Tình nguyện viên → Quản lý chợ" in audit
    assert "Nguyen Thi Lan → Nguyễn Thị Lan" in audit
    lan_client, _ = login(app, "lan")
    assert lan_client.get(f"/m/{market.code}/settings").status_code == 200


def test_switching_language_on_a_resets_answer_goes_to_the_team(manager_client, make_user,
                                                                 market):
    """The reset's answer came from its confirmation page, itself at the reset's address (a
    POST only): "EN" there answered 405, the credential gone with the page."""
    import html
    import re

    make_user("mai", display_name="Mai", markets=[market])
    reset = f"/m/{market.code}/team/mai/reset"
    confirm = manager_client.post(reset, data={"method": "temporary"})
    assert confirm.status_code == 200
    answer = manager_client.post(reset, data={"method": "temporary", "confirm": "1"},
                                 headers={"Referer": f"http://localhost{reset}"})
    switch = html.unescape(re.search(r'<a href="([^"]+)" hreflang="en"',
                                     answer.get_data(as_text=True)).group(1))
    back = manager_client.get(switch)
    assert back.status_code == 302 and back.headers["Location"] == f"/m/{market.code}/team"
    # The confirmation page itself (a POST's answer whose Referer is the team) goes back there.
    confirm = manager_client.post(reset, data={"method": "temporary"},
                                  headers={"Referer": f"http://localhost/m/{market.code}/team"})
    switch = html.unescape(re.search(r'<a href="([^"]+)" hreflang="vi"',  # English by now
                                     confirm.get_data(as_text=True)).group(1))
    assert manager_client.get(switch).headers["Location"] == f"/m/{market.code}/team"


def test_a_language_switch_never_leads_to_an_address_that_takes_only_posts(
        manager_client, make_user, market):
    import html
    import re

    make_user("mai", display_name="Mai", markets=[market])
    reset = f"/m/{market.code}/team/mai/reset"
    # Any form's answer whose page came from a POST-only address: to the start, not a 405.
    refused = manager_client.post(f"/m/{market.code}/team/members", data={"username": "x"},
                                  headers={"Referer": f"http://localhost{reset}"})
    switch = html.unescape(re.search(r'<a href="([^"]+)" hreflang="en"',
                                     refused.get_data(as_text=True)).group(1))
    back = manager_client.get(switch)
    assert back.status_code == 302 and back.headers["Location"] == "/"


def test_a_reset_sent_again_by_a_reload_resets_nothing_and_says_so(manager_client, make_user,
                                                                   market, session):
    """F5 on the reset's answer sent it again: a second password, the one just read out to
    the volunteer no longer working, and two resets in the log."""
    from werkzeug.security import check_password_hash

    mai = make_user("mai", display_name="Mai", markets=[market])
    reset = f"/m/{market.code}/team/mai/reset"
    confirm = manager_client.post(reset, data={"method": "temporary"}).get_data(as_text=True)
    request_id = re.search(r'name="request" value="([^"]+)"', confirm).group(1)
    form = {"method": "temporary", "confirm": "1", "request": request_id}
    answer = manager_client.post(reset, data=form).get_data(as_text=True)
    password = re.search(r'data-temporary-password>([a-z0-9]+)</code>', answer).group(1)

    again = manager_client.post(reset, data=form)
    assert again.status_code == 303 and again.headers["Location"] == f"/m/{market.code}/team"
    page = manager_client.get(again.headers["Location"]).get_data(as_text=True)
    assert "Mật khẩu của mai đã được đặt lại bằng lần gửi này." in page
    resets = session.exec(select(AuditEntry).where(AuditEntry.action == "password.reset")).all()
    assert [(e.target, e.market_id, e.data.get("by")) for e in resets] == [
        ("mai", market.id, "temporary")]
    session.refresh(mai)
    assert check_password_hash(mai.password_hash, password)  # the one given still works

    # A new confirmation is a new reset.
    confirm = manager_client.post(reset, data={"method": "link"}).get_data(as_text=True)
    assert re.search(r'name="request" value="([^"]+)"', confirm).group(1) != request_id


def test_a_locked_volunteer_is_the_admins_to_reset_and_a_link_says_it_is_locked(
        manager_client, client, auth, make_user, market, session):
    """The team page offered a manager the reset of a login an admin had locked; its link
    then said "expired or used", which another link would not have mended."""
    from merchant_onboard.services import users
    from merchant_onboard.web.security import reset_link_token

    hoa = make_user("hoa", display_name="Hoa", markets=[market])
    hoa.active = False
    session.add(hoa)
    session.commit()
    page = manager_client.get(f"/m/{market.code}/team").get_data(as_text=True)
    rows = dict(re.findall(r'<li class="row-link" data-username="(\w+)">(.*?)</li>', page, re.S))
    assert "/reset" not in rows["hoa"]
    assert "Đã khoá: quản trị viên mở khoá và đặt lại mật khẩu." in rows["hoa"]
    refused = manager_client.post(f"/m/{market.code}/team/hoa/reset",
                                  data={"method": "link", "confirm": "1"})
    assert refused.status_code == 403
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "password.reset")
                        ).all() == []

    # An admin may reset a locked login (before unlocking it); its link says it is locked.
    admin = make_user("root", role="admin")
    users.reset_password(session, actor=admin, username="hoa")
    session.refresh(hoa)
    with manager_client.application.test_request_context():
        link = reset_link_token(hoa)
    answer = client.get(f"/password/{link}")
    assert answer.status_code == 403
    assert "Tài khoản này đang bị khoá" in answer.get_data(as_text=True)


def test_an_admin_resets_a_login_in_no_market_from_its_page(client, auth, make_user, session):
    """A login in no market had no team page to be reset from: only the command line."""
    make_user("root", role="admin")
    tam = make_user("tam", display_name="Tâm")  # in no market
    auth.login("root")
    url = "/admin/people/tam/reset"
    page = client.get("/admin/people/tam").get_data(as_text=True)
    assert f'action="{url}"' in page
    confirm = client.post(url, data={"method": "link"}).get_data(as_text=True)
    assert "Đặt lại mật khẩu của Tâm?" in confirm
    request_id = re.search(r'name="request" value="([^"]+)"', confirm).group(1)
    answer = client.post(url, data={"method": "link", "confirm": "1", "request": request_id})
    assert answer.status_code == 200
    assert "/password/" in re.search(r"data-reset-link>([^<]+)<", answer.get_data(as_text=True)
                                     ).group(1)
    session.refresh(tam)
    assert tam.must_change_password
    again = client.post(url, data={"method": "link", "confirm": "1", "request": request_id})
    assert again.status_code == 303 and again.headers["Location"] == "/admin/people/tam"
    resets = session.exec(select(AuditEntry).where(AuditEntry.action == "password.reset")).all()
    assert [(e.target, e.market_id, e.data["by"]) for e in resets] == [("tam", None, "link")]
    # Not an admin's, as the rest of the page.
    make_user("root2", role="admin")
    assert client.post("/admin/people/root2/reset", data={"method": "link"}).status_code == 403


def test_a_locked_logins_page_says_so_beside_its_reset(client, auth, make_user, session):
    make_user("root", role="admin")
    tam = make_user("tam", display_name="Tâm")
    auth.login("root")
    assert 'id="person-locked"' not in client.get("/admin/people/tam").get_data(as_text=True)
    tam.active = False
    session.add(tam)
    session.commit()
    page = client.get("/admin/people/tam").get_data(as_text=True)
    assert "Tài khoản này đang bị khoá: mật khẩu tạm hoặc liên kết chỉ dùng được" in page


def test_the_audit_log_is_read_for_one_market(client, auth, make_user, make_market, market,
                                              session):
    """The log could be narrowed by kind of action only: one market's history was read among
    every market's."""
    other = make_market("cho-khac", name="Chợ Khác")
    root = make_user("root", role="admin")
    from merchant_onboard.services import users

    users.create_login(session, actor=root, username="lan", role="volunteer",
                       market_codes=[market.code])
    users.create_login(session, actor=root, username="mai", role="volunteer",
                       market_codes=[other.code])
    auth.login("root")
    page = client.get("/admin/audit", query_string={"market": other.code}).get_data(as_text=True)
    rows = page.split('id="audit-log"', 1)[1]
    assert "<td>mai</td>" in rows and "<td>lan</td>" not in rows
    assert f'<option value="{other.code}" selected>' in page
    everything = client.get("/admin/audit").get_data(as_text=True).split('id="audit-log"', 1)[1]
    assert "<td>mai</td>" in everything and "<td>lan</td>" in everything
