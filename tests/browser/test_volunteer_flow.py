"""A volunteer on a phone registers a stall and walks it through the funnel, in real Chromium."""

from __future__ import annotations

import itertools
import re

import pytest

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (a failure under CI) with the reason
    expect = None


@pytest.fixture
def lan(seed):
    """A volunteer of a market of her own, where one stall is already registered."""
    market = seed.market(seed.unique("cho"), name="Chợ Vị Thanh")
    lan = seed.user(seed.unique("lan"), markets=[market], display_name="Nguyễn Thị Lan")
    seed.stall(market, lan, stall_code="A-1", shop_name="Rau sạch Cô Ba",
               owner_phone="0912 000 111", account_number="0011012345001")
    return lan, market


def _fill_registration(page, *, phone: str, consent: bool) -> None:
    """Type the form the way a volunteer does: top to bottom, the bank by its name."""
    page.get_by_label("Mã gian hàng").fill("B-7")
    page.get_by_label("Khu / dãy").fill("Khu B – Thịt cá")
    page.get_by_label("Tên gian hàng").fill("Cá đồng Cô Hồng")
    page.get_by_label("Họ tên chủ hộ").press_sequentially("Đặng Thị Hồng")
    page.get_by_label("Số điện thoại").fill(phone)
    bank = page.get_by_role("combobox", name="Ngân hàng")
    bank.press_sequentially("vietcom")
    # Picking a suggestion puts its value in the box (the native list cannot be clicked).
    bank.fill(page.locator("#bank-list option", has_text="Ngoại Thương").get_attribute("value"))
    page.get_by_label("Số tài khoản / số thẻ").fill("1023 4567 89")
    if consent:
        page.get_by_label(re.compile("Chủ hộ đồng ý")).check()


def test_volunteer_registers_a_stall_and_records_each_step(lan, phone_page, login, screenshot):
    volunteer, _market = lan
    page = phone_page
    login(page, volunteer.username, through_the_form=True)
    # One market: the volunteer lands straight on its stall list.
    expect(page.get_by_role("heading", name="Chợ Vị Thanh")).to_be_visible()
    # A shared phone shows whose session is open, even at 360 px.
    expect(page.locator(".topnav .who")).to_be_visible()
    expect(page.locator(".topnav .who")).to_have_text(volunteer.display_name)
    screenshot(page, "volunteer-phone-market")

    page.get_by_role("link", name="Đăng ký gian hàng").click()
    _fill_registration(page, phone="0903 123 456", consent=True)
    # The holder name is suggested as the bank shows it: uppercase, no accents, Đ → D.
    expect(page.get_by_label(re.compile("Tên chủ tài khoản"))).to_have_value("DANG THI HONG")
    screenshot(page, "volunteer-phone-register")
    page.get_by_role("button", name="Lưu đăng ký").click()

    expect(page.get_by_role("heading", name=re.compile("Cá đồng Cô Hồng"))).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Đã đăng ký gian hàng B-7.")
    expect(page.locator(".page-head .badge")).to_have_text("Đã đăng ký")
    facts = page.locator(".facts")
    expect(facts).to_contain_text("Vietcombank")
    expect(facts).to_contain_text("DANG THI HONG")
    expect(facts).to_contain_text("1023 4567 89")
    screenshot(page, "volunteer-phone-stall")
    stall_url = page.url

    page.get_by_role("link", name="‹ Chợ Vị Thanh").click()
    page.get_by_role("searchbox").fill("co hong")
    page.get_by_role("button", name="Tìm").click()
    expect(page.get_by_text("1 gian hàng")).to_be_visible()
    row = page.locator("#stall-list li", has_text="Cá đồng Cô Hồng")
    expect(row).to_contain_text("B-7")
    expect(row.locator(".badge")).to_have_text("Đã đăng ký")
    screenshot(page, "volunteer-phone-search")

    row.click()
    assert page.url == stall_url
    steps = [
        ("Đã in poster", _see_poster_downloads, "Đã in poster"),
        ("Dán poster", None, "Đã dán poster"),
        ("Thanh toán thử thành công", _confirm_test_payment, "Đã thử thanh toán"),
        ("Khách đầu tiên thanh toán", _confirm_first_payment, "Có khách thanh toán"),
    ]
    for action, fill, badge in steps:
        page.locator(".actions").first.get_by_role("link", name=action).click()
        expect(page.get_by_role("heading", name=action)).to_be_visible()
        if fill:
            fill(page, screenshot)
        page.get_by_role("button", name="Xác nhận").click()
        expect(page.get_by_role("status")).to_contain_text(f"Đã ghi: {action}.")
        expect(page.locator(".page-head .badge")).to_have_text(badge)
        expect(page.locator(".timeline li").first).to_contain_text(action)

    timeline = page.locator(".timeline li strong")
    expect(timeline).to_have_text(["Khách đầu tiên thanh toán", "Thanh toán thử thành công",
                                   "Dán poster", "Đã in poster", "Đăng ký"])
    expect(page.locator(".timeline li").first).to_contain_text("45.000")
    # The funnel is complete: no milestone is offered any more.
    expect(page.get_by_role("link", name="Khách đầu tiên thanh toán")).to_have_count(0)
    screenshot(page, "volunteer-phone-done")


def _see_poster_downloads(page, screenshot) -> None:
    # The step records a print; the posters to print are on the same form.
    links = page.locator(".poster-links a")
    expect(links).to_have_text(["A6", "A5", "A4", "Tem dán", "Ảnh gửi Zalo"])
    screenshot(page, "volunteer-phone-poster-printed")


def _confirm_test_payment(page, screenshot) -> None:
    # The form tells the volunteer which name the bank app must show and the memo to type.
    expect(page.locator(".steps .holder")).to_have_text("DANG THI HONG")
    expect(page.get_by_label("Số tiền (VND)")).to_have_value("2000")
    page.get_by_label("Ứng dụng ngân hàng hiện đúng tên").check()
    page.get_by_label("Chủ gian hàng đã nhận được tiền").check()
    screenshot(page, "volunteer-phone-test-payment")


def _confirm_first_payment(page, _screenshot) -> None:
    page.get_by_label("Số tiền (VND)").fill("45000")
    page.get_by_label(re.compile("Đây là giao dịch của khách hàng")).check()


def test_wrong_registration_shows_vietnamese_errors_and_saves_nothing(
        lan, phone_page, login, screenshot):
    volunteer, market = lan
    page = phone_page
    login(page, volunteer.username)
    page.goto(f"/m/{market.code}/stalls/new")
    _fill_registration(page, phone="12345", consent=False)
    page.get_by_label("Mã gian hàng").fill("B 7 <b>")
    page.get_by_role("button", name="Lưu đăng ký").click()

    expect(page.get_by_role("alert")).to_contain_text("Vui lòng sửa các mục được đánh dấu.")
    expect(page.locator(".field.has-error", has=page.get_by_label("Số điện thoại"))) \
        .to_contain_text("Số điện thoại không hợp lệ")
    expect(page.locator(".field.check.has-error")).to_contain_text("đồng ý")
    # A taller field with an error beside it does not pull its neighbour's input away from
    # its label.
    expect(page.locator(".field.has-error", has=page.get_by_label("Mã gian hàng"))) \
        .to_contain_text("Mã gian hàng chỉ gồm chữ cái không dấu, chữ số")
    # Measured once the page fonts have loaded and the layout has settled: a measure taken
    # while the fallback font is swapped for the web font can catch the two mid-reflow.
    page.evaluate("document.fonts.ready.then(() => new Promise(done => "
                  "requestAnimationFrame(() => requestAnimationFrame(done))))")
    code, zone = (page.get_by_label(label).bounding_box()
                  for label in ("Mã gian hàng", "Khu / dãy"))
    assert abs(code["y"] - zone["y"]) < 1
    # What was typed stays in the form, so only the wrong parts need retyping.
    expect(page.get_by_label("Tên gian hàng")).to_have_value("Cá đồng Cô Hồng")
    expect(page.get_by_label(re.compile("Tên chủ tài khoản"))).to_have_value("DANG THI HONG")
    screenshot(page, "volunteer-phone-errors")

    page.goto(f"/m/{market.code}/?q=B-7")
    expect(page.get_by_text("Không có gian hàng phù hợp.")).to_be_visible()


def test_a_refused_form_comes_back_at_the_first_field_to_fix(lan, phone_page, login):
    """The form came back at its top after a refused save: on a phone the wrong account
    number was three screens down, with nothing but a red mark to find it by."""
    volunteer, market = lan
    page = phone_page
    login(page, volunteer.username)
    page.goto(f"/m/{market.code}/stalls/new")
    _fill_registration(page, phone="0912 345 678", consent=True)
    page.get_by_label("Số tài khoản / số thẻ").fill("12#45")
    page.get_by_role("button", name="Lưu đăng ký").click()
    account = page.get_by_label("Số tài khoản / số thẻ")
    expect(account).to_have_attribute("aria-invalid", "true")
    expect(account).to_be_focused()
    expect(account).to_be_in_viewport()


#: The smallest tap target a thumb hits without hitting its neighbour (Android's 48 dp, WCAG
#: 2.5.8's 24 px with spacing): the top bar's links sit side by side, so each gets 40 px.
TAP = 40


@pytest.mark.parametrize("role", ["volunteer", "admin"])  # an admin has one link more
def test_the_top_bar_is_thumb_sized_on_a_phone_with_a_pending_badge(lan, seed, phone_page, login,
                                                                    screenshot, role):
    """"EN" was 18 × 20 px, 8 px from "Đăng xuất": a volunteer switched language or logged
    out by mistake. An admin's bar, one link longer, hid "EN" under the badge."""
    volunteer, market = lan
    if role == "admin":
        volunteer = seed.user(seed.unique("admin"), role=role, display_name="Trần Văn Quản Trị")
    page = phone_page
    login(page, volunteer.username)
    page.goto(f"/m/{market.code}/")
    # The widest the bar gets: the pending badge beside the name.
    page.evaluate("""() => { const b = document.querySelector('.outbox-badge');
                             b.hidden = false; b.textContent = '⇅ 12'; }""")
    targets = page.locator(".topbar a:visible, .topbar button:visible")
    boxes = [targets.nth(i).bounding_box() for i in range(targets.count())]
    # brand, markets, own name, language, badge, log out; and an admin's roll-up
    assert len(boxes) == (7 if role == "admin" else 6)
    for box in boxes:
        assert box["height"] >= TAP and box["width"] >= TAP, boxes
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    for one, other in itertools.combinations(boxes, 2):
        apart = (one["x"] + one["width"] <= other["x"] or other["x"] + other["width"] <= one["x"]
                 or one["y"] + one["height"] <= other["y"]
                 or other["y"] + other["height"] <= one["y"])
        assert apart, f"tap targets overlap: {one} {other}"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, f"{role}-phone-topbar")


def test_a_holder_name_typed_with_accents_is_written_as_the_bank_shows_it(lan, phone_page,
                                                                         login):
    """Typed by hand under the hint "KHÔNG DẤU", the accents stayed until the form was saved."""
    volunteer, market = lan
    page = phone_page
    login(page, volunteer.username)
    page.goto(f"/m/{market.code}/stalls/new")
    holder = page.get_by_label(re.compile("Tên chủ tài khoản"))
    holder.fill("Lê Thị Ánh Nguyệt Ðào")
    expect(holder).to_have_value("LÊ THỊ ÁNH NGUYỆT ÐÀO")  # while typing: capitals only
    page.get_by_label("Số điện thoại").click()  # leaving the field
    expect(holder).to_have_value("LE THI ANH NGUYET DAO")


def test_every_placeholder_of_the_registration_form_fits_its_field_on_a_phone(lan, phone_page,
                                                                             login):
    """The bank's placeholder was cut off at 360 px ("…: Vietcombank, V")."""
    volunteer, market = lan
    page = phone_page
    login(page, volunteer.username)
    page.goto(f"/m/{market.code}/stalls/new")
    cut = page.evaluate("""() => [...document.querySelectorAll('input[placeholder]')].filter(input => {
        const style = getComputedStyle(input);
        const context = document.createElement('canvas').getContext('2d');
        context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        return context.measureText(input.placeholder).width > room;
    }).map(input => input.name)""")
    assert cut == []
    expect(page.locator("#h-bank")).to_have_text("Gõ tên, tên viết tắt hoặc mã BIN của ngân hàng.")


def test_a_long_market_name_stays_inside_the_market_list_on_a_phone(seed, phone_page, login):
    """A market name of one long word (accepted: it fits the poster) ran out of its row to
    the right of the market list."""
    market = seed.market(seed.unique("cho"), name="Chợ" + "Đ" * 45)
    volunteer = seed.user(seed.unique("lan"), markets=[market])
    page = phone_page
    login(page, volunteer.username)
    page.goto("/m/")
    row = page.locator(".row-link", has_text="ĐĐĐĐ")
    assert row.evaluate("a => a.scrollWidth <= a.clientWidth"), row.evaluate(
        "a => [a.scrollWidth, a.clientWidth]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
