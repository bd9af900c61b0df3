"""Every page people use passes axe-core's WCAG 2.0/2.1 A and AA rules, at the width it is used at.

Volunteers work on 360 px phones in the sun, managers on laptops: each page is checked in the
state people meet it (a form empty and after a wrong submit, a pending list with an item).
A violation axe rates "serious" or "critical" fails the test and is printed with its rule,
where it is and what is wrong; "moderate" and "minor" ones are printed only.
"""

from __future__ import annotations

import json
import re
import uuid

import pytest

from merchant_onboard.domain.vietqr import build_payload
from tests.browser.test_offline import _app_ready, _census, _register_offline, _tap_found_offline
from tests.browser.test_offline_photos import _qr_png

pytestmark = pytest.mark.browser

try:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (a failure under CI) with the reason
    Axe = expect = None

#: axe's rules for WCAG 2.0 and 2.1, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING = {"serious", "critical"}


class AxeAudit:
    """Runs axe on each page visited and keeps what it finds, page by page."""

    def __init__(self) -> None:
        self.axe = Axe()
        self.found: dict[str, list[dict]] = {}

    def check(self, page, name: str) -> None:
        # The web fonts change text metrics, and so which pixels are behind which letters.
        page.evaluate("document.fonts.ready.then(() => new Promise(done => "
                      "requestAnimationFrame(() => requestAnimationFrame(done))))")
        results = self.axe.run(page, options={
            "runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})
        self.found[name] = results.response["violations"]

    def report(self, impacts: set[str]) -> str:
        lines = []
        for name, violations in self.found.items():
            for violation in violations:
                if violation["impact"] not in impacts:
                    continue
                lines.append(f"{name}: {violation['id']} ({violation['impact']}) "
                             f"{violation['help']}")
                for node in violation["nodes"]:
                    lines.append(f"    {' > '.join(map(str, node['target']))}: "
                                 f"{node['failureSummary']}".replace("\n", " "))
        return "\n".join(lines)

    def assert_clean(self) -> None:
        assert self.found, "no page was checked"
        minor = self.report({"moderate", "minor"})
        if minor:
            print("Moderate and minor findings (not failing):\n" + minor)
        serious = self.report(FAILING)
        assert not serious, "Serious or critical accessibility violations:\n" + serious


@pytest.fixture
def audit() -> AxeAudit:
    return AxeAudit()


@pytest.fixture
def market(seed):
    """A volunteer of two markets; in the first, a stall just registered and one whose test
    payment is done."""
    from merchant_onboard.services.onboarding import record_event

    market = seed.market(seed.unique("cho"), name="Chợ Vị Thanh")
    other = seed.market(seed.unique("cho"), name="Chợ Ngã Bảy")
    volunteer = seed.user(seed.unique("lan"), markets=[market, other],
                          display_name="Nguyễn Thị Lan")
    fresh = seed.stall(market, volunteer, stall_code="A-1", shop_name="Rau sạch Cô Ba",
                       zone="Khu A", owner_phone="0912 000 111", bank="970436",
                       account_number="1023456789")
    printed = seed.stall(market, volunteer, stall_code="B-2", shop_name="Cá đồng Cô Hồng",
                         zone="Khu B", owner_phone="0912 000 222",
                         account_number="0011012345002")
    for kind in ("poster_printed", "poster_installed", "test_payment_verified"):
        record_event(seed.session, actor=volunteer, stall=printed, kind=kind,
                     client_id=str(uuid.uuid4()),
                     data={"amount": 2000, "name_matches": True, "owner_confirmed": True})
    return volunteer, market, fresh, printed


def test_the_pages_anyone_opens_pass_axe_on_a_phone(market, phone_page, audit):
    _volunteer, _market, fresh, _printed = market
    page = phone_page
    page.goto("/login")
    audit.check(page, "login")
    page.get_by_label("Tên đăng nhập").fill("nobody")
    page.get_by_label("Mật khẩu").fill("wrong")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit.check(page, "login (wrong password)")
    page.goto(f"/v/{fresh.public_code}")
    audit.check(page, "verification /v/<code>")
    page.locator("input[name=photo]").set_input_files(
        _qr_png(build_payload(bank="970415", account="108002345678")))
    page.get_by_role("button", name="Kiểm tra ảnh").click()
    expect(page.locator("#result")).to_be_visible()
    audit.check(page, "verification, a foreign QR")
    page.goto("/v?code=ZZZZ-ZZZZ")
    audit.check(page, "verification, a wrong code")
    page.goto("/no-such-page")
    audit.check(page, "404 (signed out)")
    audit.assert_clean()


def test_the_volunteers_pages_pass_axe_on_a_phone(market, seed, phone_page, audit, login):
    volunteer, market, fresh, printed = market
    page = phone_page
    login(page, volunteer.username)
    page.goto("/m/")
    audit.check(page, "market list")
    page.goto(f"/m/{market.code}/")
    audit.check(page, "stall list")
    page.goto(f"/m/{market.code}/stalls/new")
    audit.check(page, "registration form")
    page.get_by_label("Mã gian hàng").fill("B 7 <b>")
    page.get_by_label("Số điện thoại").fill("12345")
    page.get_by_role("button", name="Lưu đăng ký").click()
    expect(page.get_by_role("alert")).to_contain_text("Vui lòng sửa")
    audit.check(page, "registration form with errors")
    page.goto(f"/stalls/{printed.id}")
    audit.check(page, "stall page")
    page.goto(f"/stalls/{fresh.id}/events/poster_printed")
    audit.check(page, "event: poster printed")
    page.goto(f"/stalls/{printed.id}/events/first_payment_confirmed")
    audit.check(page, "event: first payment")
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.get_by_role("alert")).to_be_visible()
    audit.check(page, "event: first payment with errors")
    page.goto(f"/stalls/{fresh.id}/events/refused")
    audit.check(page, "event: refusal")
    page.goto(f"/stalls/{printed.id}/events/poster_printed")
    audit.check(page, "event: a step that does not apply")
    page.goto(f"/stalls/{printed.id}/events/recheck")
    audit.check(page, "photo re-check")
    page.locator("input[name=poster_photo]").set_input_files(
        _qr_png(build_payload(bank="970415", account="108002345678")))
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.locator("#result")).to_be_visible()
    audit.check(page, "photo re-check, a foreign QR")
    page.goto("/account/password")
    audit.check(page, "password change")
    page.goto("/m/no-such-market/")
    audit.check(page, "404 (signed in)")
    # The pending list, with what a volunteer typed without a signal.
    page.goto(f"/m/{market.code}/stalls/new")
    _app_ready(page)
    page.context.set_offline(True)
    _register_offline(page, market.code, "D-1", "Tạp hoá Đức")
    page.goto("/outbox")
    expect(page.locator("#outbox-list .outbox-item")).to_have_count(1)
    # The badge says what its number counts, not only "1".
    expect(page.get_by_role("link", name="Chờ gửi: 1")).to_be_visible()
    audit.check(page, "outbox with a pending item")
    page.context.set_offline(False)
    # A census stall whose page was never opened, found without a signal: the page the phone
    # keeps for it, with the census form.
    _census(seed, market, ["N-7,Khu N,Phạm Thị Ngọc"])
    _tap_found_offline(page, market, "ngoc", "N-7")
    expect(page.locator("#stand-in")).to_have_attribute("data-status", "census")
    audit.check(page, "stall page never kept, census stall (offline)")
    page.context.set_offline(False)
    audit.assert_clean()


def test_the_managers_pages_pass_axe_on_a_laptop(seed, laptop_page, audit, login, tmp_path):
    demo = seed.demo()
    page = laptop_page
    login(page, "manager")
    page.goto(f"/m/{demo.code}/")
    audit.check(page, "stall list (manager)")
    page.goto(f"/m/{demo.code}/dashboard")
    audit.check(page, "dashboard")
    page.goto(f"/m/{demo.code}/team")
    audit.check(page, "team")
    page.goto(f"/m/{demo.code}/posters")
    audit.check(page, "poster batch")
    page.goto(f"/m/{demo.code}/settings")
    audit.check(page, "market settings")
    page.goto(f"/m/{demo.code}/census")
    audit.check(page, "census import")
    sheet = tmp_path / "danh-sach.csv"
    sheet.write_text("Mã sạp,Khu,Tên gian hàng,Chủ hộ,SĐT\n"
                     "Z-1,Khu Z,Tạp hoá Cô Ba,Nguyễn Thị Ba,0912345678\n"
                     "Z-2,Khu Z,Rau sạch Út,Trần Văn Út,12345\n", encoding="utf-8")
    page.get_by_label(re.compile("Tệp CSV")).set_input_files(str(sheet))
    with page.expect_navigation():
        page.get_by_role("button", name="Xem trước").click()
    audit.check(page, "census preview")
    page.goto("/account/password")
    audit.check(page, "password change (laptop)")
    page.context.clear_cookies()
    login(page, "admin")
    page.goto("/rollup")
    audit.check(page, "roll-up")
    page.goto("/m/")
    audit.check(page, "market list (admin)")
    page.goto("/admin/people")
    audit.check(page, "people")
    page.goto("/admin/people/volunteer")
    audit.check(page, "a login's name and role")
    page.goto("/admin/audit")
    audit.check(page, "audit log")
    page.goto("/no-such-page")
    audit.check(page, "404 (laptop)")
    audit.assert_clean()



#: What the keyboard's focus is on, how its ring is drawn, and the colour the ring sits on: the
#: first opaque background behind it (the element's own when the ring is drawn inside it).
FOCUSED = """() => {
    const el = document.activeElement, style = getComputedStyle(el);
    const inside = parseFloat(style.outlineOffset) < 0;
    let behind = inside ? el : el.parentElement;
    while (behind && getComputedStyle(behind).backgroundColor.endsWith(", 0)")) {
        behind = behind.parentElement;
    }
    const box = el.getBoundingClientRect();
    // Its top edge: scrolled to, a tall field may show only its first lines.
    const seen = document.elementFromPoint(box.left + box.width / 2,
                                           box.top + Math.min(box.height / 2, 6));
    return {tag: el.tagName.toLowerCase(), name: el.name || "", id: el.id,
            text: (el.innerText || el.value || "").trim().slice(0, 40),
            outline: style.outlineStyle, width: parseFloat(style.outlineWidth),
            colour: style.outlineColor,
            background: behind ? getComputedStyle(behind).backgroundColor : "rgb(255, 255, 255)",
            top: box.top, onTop: seen !== null && (el === seen || el.contains(seen))};
}"""


def _rgb(css: str) -> tuple[int, int, int]:
    return tuple(int(float(c)) for c in re.findall(r"[\d.]+", css)[:3])


def _contrast(one: str, other: str) -> float:
    def luminance(rgb):
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
                  for c in (v / 255 for v in rgb)]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(_rgb(one)), luminance(_rgb(other))), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _tab(page, *, back: bool = False) -> dict:
    page.keyboard.press("Shift+Tab" if back else "Tab")
    return page.evaluate(FOCUSED)


def _assert_ring(stop: dict) -> None:
    """A solid ring at least 2 px wide, 3:1 against what it is drawn on (WCAG 2.4.7, 1.4.11),
    and not hidden under something else, such as the sticky top bar (2.4.11)."""
    described = json.dumps(stop, ensure_ascii=False)
    assert stop["outline"] == "solid" and stop["width"] >= 2, described
    assert _contrast(stop["colour"], stop["background"]) >= 3, described
    assert stop["onTop"], described


def test_a_manager_tabs_through_the_registration_form_in_order_with_a_visible_ring(
        seed, laptop_page, login):
    market = seed.market(seed.unique("cho"), name="Chợ Vị Thanh")
    manager = seed.user(seed.unique("hung"), role="manager", markets=[market],
                        display_name="Trần Văn Hùng")
    page = laptop_page
    login(page, manager.username)
    page.goto(f"/m/{market.code}/stalls/new")

    # The first stop skips the bar's five links; it shows when focused.
    skip = _tab(page)
    assert skip["text"] == "Bỏ qua đến nội dung chính" and skip["top"] >= 0, skip
    _assert_ring(skip)
    page.keyboard.press("Enter")
    stops = []
    while True:
        stop = _tab(page)
        _assert_ring(stop)
        stops.append(stop)
        if stop["text"] == "Lưu đăng ký" or len(stops) > 40:
            break
    assert stops[0]["text"] == "‹ Chợ Vị Thanh", "the skip link leads past the top bar"
    fields = [s["name"] for s in stops if s["tag"] in ("input", "textarea")]
    # Top to bottom, as the form reads: the stall, its owner, the account, the consent.
    assert fields == ["stall_code", "zone", "shop_name", "category", "owner_name",
                      "owner_phone", "bank", "account_number", "holder_name", "card", "notes",
                      "consent"]
    assert stops[-1]["tag"] == "button"
    # Back up the form: each field comes into view below the bar, not under it.
    for _ in range(len(stops) - 1):
        _assert_ring(_tab(page, back=True))


def test_a_manager_tabs_through_the_dashboard_with_a_visible_ring_on_every_stop(
        seed, laptop_page, login):
    demo = seed.demo()
    page = laptop_page
    login(page, "manager")
    page.goto(f"/m/{demo.code}/dashboard")
    stops = [_tab(page)]
    # Every link and button of the page, the bar's white links on green included, until the
    # focus leaves the page.
    while stops[-1]["tag"] != "body" and len(stops) < 120:
        _assert_ring(stops[-1])
        stops.append(_tab(page))
    texts = [s["text"] for s in stops]
    assert texts[0] == "Bỏ qua đến nội dung chính"
    assert {"Chợ", "EN", "Đăng xuất"} <= set(texts), texts
    assert texts.index("Đăng xuất") < texts.index("Nhập danh sách"), "the bar, then the page"
    assert len(stops) > 30, texts
    for _ in range(len(stops) - 2):
        _assert_ring(_tab(page, back=True))


def test_a_fields_hint_and_its_error_are_read_with_it(seed, laptop_page, login):
    """A screen reader announced "Tên đăng nhập, edit text" and never the hint under it
    ("Chữ thường không dấu…"), nor why a ticked-off consent box was refused."""
    market = seed.market(seed.unique("cho"), name="Chợ Vị Thanh")
    manager = seed.user(seed.unique("hung"), role="manager", markets=[market])
    page = laptop_page
    login(page, manager.username)
    page.goto(f"/m/{market.code}/team")
    username = page.locator("#create-login").get_by_label("Tên đăng nhập")
    expect(username).to_have_accessible_description("Chữ thường không dấu, ví dụ lan.nguyen")
    username.fill("Lan Nguyễn")
    page.get_by_role("button", name="Tạo tài khoản").click()
    username = page.locator("#create-login").get_by_label("Tên đăng nhập")
    expect(username).to_have_attribute("aria-invalid", "true")
    expect(username).to_have_accessible_description(
        re.compile(r"^Tên đăng nhập gồm .+ Chữ thường không dấu, ví dụ lan\.nguyen$"))

    page.goto(f"/m/{market.code}/stalls/new")
    page.get_by_role("button", name="Lưu đăng ký").click()
    consent = page.get_by_label(re.compile("Chủ hộ đồng ý"))
    expect(consent).to_have_attribute("aria-invalid", "true")
    expect(consent).to_have_accessible_description(re.compile("đồng ý"))
