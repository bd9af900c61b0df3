"""The manager's dashboard and the roll-up in a real Chromium, at laptop and phone width."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(seed):
    """The demo market (60 stalls over the whole funnel); its manager is ``manager``."""
    return seed.demo()


def test_manager_reads_the_dashboard_on_a_laptop(demo, laptop_page, login, screenshot):
    login(laptop_page, "manager")
    laptop_page.goto(f"/m/{demo.code}/")
    page = laptop_page
    with page.expect_navigation():
        page.get_by_role("link", name="Số liệu và báo cáo").click()
    assert page.get_by_role("heading", name="Số liệu triển khai").is_visible()
    adoption = page.locator("[data-figure=adoption]").inner_text()
    assert adoption.endswith("%")
    assert page.locator("svg.chart").count() >= 2
    assert page.locator("#volunteers tbody tr").count() == 2
    # The charts fit the card: no horizontal scrolling of the page.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    screenshot(page, "dashboard-laptop")


def test_dashboard_is_readable_on_a_phone(demo, phone_page, login, screenshot):
    login(phone_page, "manager")
    phone_page.goto(f"/m/{demo.code}/dashboard")
    page = phone_page
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # Chart text stays at least 11 CSS pixels high on a 360 px screen.
    smallest = page.evaluate("""Math.min(...[...document.querySelectorAll('svg.chart text')]
        .map(t => t.getBoundingClientRect().height).filter(h => h > 0))""")
    assert smallest >= 10
    screenshot(page, "dashboard-phone")


def test_the_stuck_stalls_past_the_first_ten_are_a_tap_away(demo, phone_page, laptop_page,
                                                             login, screenshot):
    """Manager review item 4: "và N gian hàng khác" opens the stall list of that card."""
    for page, size in ((phone_page, 360), (laptop_page, 1366)):
        login(page, "manager")
        page.goto(f"/m/{demo.code}/dashboard")
        card = page.locator("[data-rule=registered_no_payment]")
        more = card.locator("a.more")
        shown = card.locator("ul.stuck li").count() + int(more.inner_text().split()[1])
        with page.expect_navigation():
            more.click()
        assert page.locator(".filter-note").inner_text().startswith(
            "Đã đăng ký, chưa có khách thanh toán quá 14 ngày")
        total = int(page.locator(".count").inner_text().split()[0])
        assert total == shown
        assert page.evaluate("document.documentElement.scrollWidth") <= size
        screenshot(page, f"stuck-stalls-{size}")


def test_admin_reads_the_roll_up(demo, seed, laptop_page, phone_page, login, screenshot):
    seed.market("cho-browser-rollup", name="Chợ Tân An", province="Long An", ward="Phường 2")
    seed.user("admin-rollup", role="admin")
    login(laptop_page, "admin-rollup")
    laptop_page.goto("/")
    with laptop_page.expect_navigation():
        laptop_page.get_by_role("link", name="Tổng hợp").click()
    assert laptop_page.locator("#rollup tbody tr").count() >= 2
    assert laptop_page.locator("#rollup-totals").is_visible()
    screenshot(laptop_page, "rollup-laptop")
    login(phone_page, "admin-rollup")
    phone_page.goto("/rollup?sort=adoption&desc=1")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone_page, "rollup-phone")


#: An A4 page's printable width at the browser's 96 px an inch (210 mm less 1 cm margins).
A4_PRINTABLE_PX = 718


def test_the_roll_up_and_the_stall_list_print_whole_and_say_what_they_hold(
        demo, seed, laptop_page, login, screenshot):
    """Printed, the roll-up's "Mục tiêu" column ran past the card's edge and the province
    dropdown printed as "Mọi tỉnh/thành" for any filter; the stall list printed its first 50
    rows under "60 gian hàng" with nothing saying it was one page of two."""
    seed.market("cho-browser-print", name="Chợ Tân An", province="Long An", ward="Phường 2")
    seed.user("admin-print", role="admin")
    page = laptop_page
    login(page, "admin-print")
    page.set_viewport_size({"width": A4_PRINTABLE_PX, "height": 1000})
    page.emulate_media(media="print")
    page.goto("/rollup?province=Long An&ward=Phường 2")
    table, card = page.locator("#rollup").bounding_box(), page.locator("#rollup").locator(
        "xpath=ancestor::section[1]").bounding_box()
    assert table["x"] + table["width"] <= card["x"] + card["width"] + 1
    assert page.evaluate("document.documentElement.scrollWidth") <= A4_PRINTABLE_PX
    assert page.locator("form.filters").is_hidden()
    assert page.locator("#rollup-place").inner_text() == "Địa bàn: Phường 2, Long An"
    screenshot(page, "rollup-print")
    page.goto("/rollup")
    assert page.locator("#rollup-place").inner_text() == "Địa bàn: mọi tỉnh/thành"
    page.goto(f"/m/{demo.code}/")
    assert page.locator(".pager").inner_text().strip() == "Trang 1 / 2"
    assert page.locator(".pager .button").first.is_hidden()
    page.emulate_media(media="screen")
    assert page.locator(".pager > span").inner_text().strip() == "1 / 2"


def test_manager_imports_the_census_from_a_phone(seed, phone_page, login, screenshot,
                                                 tmp_path):
    market = seed.market("cho-browser-census", name="Chợ Cái Răng", census_size=4)
    seed.user("hung-census", role="manager", markets=[market])
    sheet = tmp_path / "danh-sach.csv"
    sheet.write_text("\ufeffSTT,Mã sạp,Khu,Tên gian hàng,Chủ hộ,SĐT\n"
                     "1,A-1,Khu A,Tạp hoá Cô Ba,Nguyễn Thị Ba,0912345678\n"
                     "2,A-2,Khu A,Rau sạch Út,Trần Văn Út,12345\n"
                     "3,B-1,Khu B,Cá đồng Tư,Lê Văn Tư,\n"
                     "4,B-2,Khu B,Bún riêu Hồng,Đặng Thị Hồng,0987 654 321\n"
                     "5,B-2,Khu B,Bún riêu Hồng,Đặng Thị Hồng,\n"
                     "6,C-1,Khu C,Gạo Sáu,Võ Văn Sáu,\n", encoding="utf-8")
    login(phone_page, "hung-census")
    page = phone_page
    page.goto(f"/m/{market.code}/census")
    page.get_by_label("Tệp CSV hoặc Excel (.xlsx)").set_input_files(str(sheet))
    with page.expect_navigation():
        page.get_by_role("button", name="Xem trước").click()
    assert page.locator("[data-count=add]").inner_text() == "Thêm mới 3"
    assert page.locator("[data-count=reject]").inner_text() == "Bị từ chối 3"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "census-preview-phone")
    with page.expect_navigation():
        page.get_by_role("button", name="Xác nhận: thêm 3, cập nhật 0").click()
    assert page.locator("[data-figure=census]").inner_text() == "4"
    assert "Đã nhập danh sách: thêm 3" in page.locator(".flash").inner_text()


@pytest.mark.parametrize("typed", ["1.433", "1,433", "1 433"])
def test_a_census_size_typed_as_people_write_it_is_kept(demo, seed, laptop_page, login, typed):
    """A manager copies the commune's "1.433" into the settings: as a number field Chromium
    sent "1,433" and "1 433" as nothing, which saved the market as declaring no size at all,
    silently."""
    from merchant_onboard.models import Market

    login(laptop_page, "manager")
    page = laptop_page
    page.goto(f"/m/{demo.code}/settings")
    page.get_by_label("Số gian hàng (khai báo)").fill(typed)
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu").click()
    seed.session.expire_all()
    assert seed.session.get(Market, demo.id).census_size == 1433
