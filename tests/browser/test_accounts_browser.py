"""People and access in Chromium (issue 13): an admin creates a manager for a market, the
manager creates a volunteer, the volunteer changes her password and her other browser is
logged out; a reset ends the old session and API token."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LAPTOP, PAGE_TIMEOUT_MS, PHONE

pytestmark = pytest.mark.browser


@pytest.fixture
def context_page(browser, live_server):
    """``context_page(PHONE)``: a page in a browser context of its own (its own cookies)."""
    contexts = []

    def make(options):
        context = browser.new_context(base_url=live_server.base_url, **options)
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def create_login(page, *, name, username, password, role=None):
    form = page.locator("#create-login")
    if role:
        form.get_by_label("Vai trò").select_option(role)
    form.get_by_label("Họ tên").fill(name)
    form.get_by_label("Tên đăng nhập").fill(username)
    form.get_by_label("Mật khẩu").fill(password)
    form.get_by_role("button", name="Tạo tài khoản").click()
    expect(page.get_by_role("status")).to_contain_text(f"Đã tạo tài khoản {username}.")


def test_admin_manager_volunteer_and_a_password_change_logs_out_elsewhere(
        seed, laptop_page, context_page, login, screenshot):
    market = seed.market(seed.unique("cho"), name="Chợ Long Mỹ")
    admin = seed.user(seed.unique("admin"), role="admin")
    manager_name, volunteer_name = seed.unique("thu"), seed.unique("mai")

    # The admin creates a manager for the market, from the market's team page.
    login(laptop_page, admin.username)
    laptop_page.goto(f"/m/{market.code}/team")
    create_login(laptop_page, name="Phạm Thu", username=manager_name,
                 password="thu-mat-khau-1", role="manager")
    expect(laptop_page.locator("#team-list")).to_contain_text("Quản lý chợ")
    screenshot(laptop_page, "admin-creates-manager")

    # That manager creates a volunteer.
    manager = context_page(LAPTOP)
    login(manager, manager_name, "thu-mat-khau-1")
    manager.goto(f"/m/{market.code}/team")
    create_login(manager, name="Lê Mai", username=volunteer_name, password="mai-mat-khau-1")

    # The volunteer is signed in on two phones; she changes her password on the first.
    phone, other_phone = context_page(PHONE), context_page(PHONE)
    for page in (phone, other_phone):
        login(page, volunteer_name, "mai-mat-khau-1", through_the_form=True)
        expect(page.get_by_role("heading", name="Chợ Long Mỹ")).to_be_visible()
    phone.get_by_role("link", name="Lê Mai").click()  # her name leads to her account
    phone.get_by_label("Mật khẩu hiện tại").fill("mai-mat-khau-1")
    phone.get_by_label("Mật khẩu mới").fill("123456789a")
    phone.get_by_role("button", name="Lưu mật khẩu mới").click()
    expect(phone.locator("#e-new_password")).to_contain_text("quá phổ biến")
    screenshot(phone, "password-policy-phone")
    phone.get_by_label("Mật khẩu hiện tại").fill("mai-mat-khau-1")
    phone.get_by_label("Mật khẩu mới").fill("mai-doi-mat-khau-2")
    phone.get_by_role("button", name="Lưu mật khẩu mới").click()
    expect(phone.get_by_role("status")).to_contain_text("Đã đổi mật khẩu")
    # The first phone carries on; the second is logged out.
    phone.reload()
    expect(phone.get_by_role("heading", name="Chợ Long Mỹ")).to_be_visible()
    other_phone.reload()
    expect(other_phone).to_have_url(re.compile(r"/login"))


def test_a_reset_ends_the_old_session_and_api_token(seed, laptop_page, context_page, login,
                                                     live_server, screenshot):
    market = seed.market(seed.unique("cho"), name="Chợ Vĩnh Tường")
    manager = seed.user(seed.unique("hung"), role="manager", markets=[market])
    volunteer = seed.user(seed.unique("lan"), markets=[market], display_name="Nguyễn Lan")
    phone = context_page(PHONE)
    login(phone, volunteer.username, through_the_form=True)
    token = phone.request.post("/api/v1/tokens", data={
        "username": volunteer.username, "password": seed.password}).json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert phone.request.get("/api/v1/markets", headers=bearer).status == 200

    login(laptop_page, manager.username)
    laptop_page.goto(f"/m/{market.code}/team")
    row = laptop_page.locator("#team-list li", has_text="Nguyễn Lan")
    row.get_by_role("button", name="Đặt lại mật khẩu").click()
    # Asked first: a mis-tap logs no one out.
    expect(laptop_page.get_by_role("heading", name="Đặt lại mật khẩu của Nguyễn Lan?")
           ).to_be_visible()
    laptop_page.get_by_role("button", name="Đặt lại mật khẩu").click()
    temporary = laptop_page.locator("[data-temporary-password]").inner_text()
    screenshot(laptop_page, "manager-reset-password")

    phone.reload()
    expect(phone).to_have_url(re.compile(r"/login"))
    assert phone.request.get("/api/v1/markets", headers=bearer).status == 401

    # The temporary password leads straight to choosing her own.
    phone.get_by_label("Tên đăng nhập").fill(volunteer.username)
    phone.get_by_label("Mật khẩu").fill(temporary)
    phone.get_by_role("button", name="Đăng nhập").click()
    expect(phone).to_have_url(re.compile(r"/account/password"))
    phone.get_by_label("Mật khẩu hiện tại").fill(temporary)
    phone.get_by_label("Mật khẩu mới").fill("lan-mat-khau-moi")
    phone.get_by_role("button", name="Lưu mật khẩu mới").click()
    expect(phone.get_by_role("heading", name="Chợ Vĩnh Tường")).to_be_visible()


def test_the_audit_log_fits_a_phone_and_reads_in_words(seed, phone_page, laptop_page, login,
                                                       screenshot):
    """Manager review item 5: at 360 px the page was 654 px wide; the table now scrolls
    inside its own box and the page keeps the screen's width. On a laptop the table was kept
    in the phone's 760 px and scrolled too, hiding the details (a market's new name) at its
    right edge: it now takes the laptop's width and needs no scrolling."""
    market = seed.market(seed.unique("cho"))
    seed.user(seed.unique("lan"), markets=[market], display_name="Nguyễn Thị Lan")
    admin = seed.user(seed.unique("admin"), role="admin", display_name="Quản trị huyện")
    from merchant_onboard.services.markets import update_market

    update_market(seed.session, actor=admin, market=market,
                  raw={"census_size": "80", "campaign_title": "Chợ 4.0 — quét mã",
                       "name": "Chợ đầu mối nông sản thực phẩm Bình Điền, Phường 7, Quận 8"})
    for page, width in ((phone_page, 360), (laptop_page, 1366)):
        login(page, admin.username)
        page.goto("/admin/audit")
        expect(page.locator("#audit-log")).to_contain_text("Số gian hàng (khai báo): 0 → 80")
        screenshot(page, f"audit-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert laptop_page.evaluate("document.getElementById('main').clientWidth") > 1100
    wrap = laptop_page.locator(".table-wrap")
    assert wrap.evaluate("box => box.scrollWidth <= box.clientWidth"), wrap.evaluate(
        "box => [box.scrollWidth, box.clientWidth]")
    # A market's code is read whole, not broken at its dashes over three lines.
    cell = laptop_page.locator("#audit-log td.market", has_text=market.code).first
    assert cell.evaluate("td => { const r = document.createRange(); r.selectNodeContents(td);"
                         " return r.getClientRects().length; }") == 1


def test_an_admin_is_asked_before_locking_a_login(seed, phone_page, login, screenshot):
    """Manager review item 6: "Khoá tài khoản" asks first, on a page naming the person."""
    market = seed.market(seed.unique("cho"))
    lan = seed.user(seed.unique("lan"), markets=[market], display_name="Nguyễn Thị Lan")
    admin = seed.user(seed.unique("admin"), role="admin")
    page = phone_page
    login(page, admin.username)
    page.goto("/admin/people")
    row = page.locator(f'[data-username="{lan.username}"]')
    row.get_by_role("button", name="Khoá tài khoản").click()
    expect(page.get_by_role("heading", name="Khoá tài khoản Nguyễn Thị Lan?")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "admin-confirm-lock-phone")
    page.get_by_role("link", name="Huỷ").click()
    expect(row).not_to_contain_text("đã khoá")
    row.get_by_role("button", name="Khoá tài khoản").click()
    page.get_by_role("button", name="Khoá tài khoản").click()
    expect(page.get_by_role("status")).to_contain_text(f"Đã khoá tài khoản {lan.username}.")
    expect(row).to_contain_text("đã khoá")


def test_an_admin_makes_a_volunteer_a_manager_on_a_phone(browser, live_server, seed,
                                                         phone_page, login, screenshot):
    """The logins page on a phone names each login above its buttons (the edit link beside
    the lock squeezed the name to a few letters), and its edit page moves a volunteer to
    manager, who then manages her market."""
    market = seed.market(seed.unique("cho-moi"))
    admin = seed.user(seed.unique("an"), role="admin")
    minh = seed.user(seed.unique("minh"), markets=[market],
                     display_name="Lê Quang Minh (Đoàn phường)")
    page = phone_page
    login(page, admin.username)
    page.goto("/admin/people")
    screenshot(page, "admin-people-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # The live server is shared: other tests' logins are listed too (one of the same name).
    row = page.locator(f'#people-list li[data-username="{minh.username}"]')
    who, row_box = row.locator(".grow").bounding_box(), row.bounding_box()
    assert who["width"] >= row_box["width"] * 0.8, row.inner_text()
    for control in ("a.button", "button"):
        assert row.locator(control).first.bounding_box()["y"] >= who["y"] + who["height"]
    row.get_by_role("link", name="Sửa").click()
    page.get_by_label("Tên hiển thị").fill("Lê Quang Minh")
    page.get_by_label("Vai trò").select_option("manager")
    screenshot(page, "admin-person-phone")
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".flash, [role=status]").first).to_contain_text(
        f"Đã lưu tài khoản {minh.username}.")
    expect(row).to_contain_text("Quản lý chợ")


def test_a_reset_link_fits_a_phone_and_copies_with_one_tap(seed, phone_page, login,
                                                          screenshot):
    """The 24-hour link ran past its card on a laptop and widened a 360 px phone's page to
    878 px, cut off at the screen's edge, with no way to copy it but by hand."""
    market = seed.market(seed.unique("cho"), name="Chợ Vĩnh Tường")
    manager = seed.user(seed.unique("hung"), role="manager", markets=[market])
    seed.user(seed.unique("lan"), markets=[market], display_name="Nguyễn Lan")
    page = phone_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    login(page, manager.username)
    page.goto(f"/m/{market.code}/team")
    row = page.locator("#team-list li", has_text="Nguyễn Lan")
    row.get_by_label("Cách đặt lại").select_option("link")
    row.get_by_role("button", name="Đặt lại mật khẩu").click()
    page.get_by_role("button", name="Đặt lại mật khẩu").click()
    link = page.locator("[data-reset-link]").inner_text()
    assert "/password/" in link
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
    shown, card = (page.locator(selector).bounding_box()
                   for selector in ("[data-reset-link]", "#credential"))
    assert shown["x"] + shown["width"] <= card["x"] + card["width"], (shown, card)
    screenshot(page, "manager-reset-link-phone")
    page.get_by_role("button", name="Sao chép").click()
    expect(page.get_by_role("button", name="Đã sao chép")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link
