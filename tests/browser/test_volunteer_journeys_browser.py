"""A volunteer on a phone: poster downloads, refusal, re-check and note, language, logout.

Driven in Chromium at 360 px. Downloaded posters are decoded with zxing-cpp; what a step
recorded is checked through the database.
"""

from __future__ import annotations

import io
import re

import pytest
import qrcode
from sqlmodel import select

from merchant_onboard.domain.decode import decode_bytes
from merchant_onboard.domain.vietqr import build_payload
from merchant_onboard.models import Event, PaymentAccount, Stall

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (a failure under CI) with the reason
    expect = None


@pytest.fixture
def lan_and_stall(seed):
    market = seed.market(seed.unique("cho"), name="Chợ Phường 5")
    lan = seed.user(seed.unique("lan"), markets=[market], display_name="Nguyễn Thị Lan")
    stall = seed.stall(market, lan, stall_code="D-3", shop_name="Trái cây Cô Năm",
                       owner_name="Lê Thị Năm", owner_phone="0914 555 333",
                       account_number="0011012347003")
    return lan, market, stall


def _events(seed, stall) -> list[Event]:
    seed.session.expire_all()
    return list(seed.session.exec(select(Event).where(Event.stall_id == stall.id)
                                  .order_by(Event.id)))


def _payload(seed, stall) -> str:
    return seed.session.exec(select(PaymentAccount.payload).where(
        PaymentAccount.stall_id == stall.id, PaymentAccount.is_primary.is_(True))).one()


def _step(page, name: str) -> None:
    page.locator(".card .actions a", has_text=name).first.click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()


@pytest.mark.parametrize("fmt, label", [("png", "Ảnh gửi Zalo"), ("a6", "A6")])
def test_a_downloaded_poster_scans_back_to_the_stalls_account(
        lan_and_stall, seed, phone_page, login, fmt, label):
    lan, _market, stall = lan_and_stall
    page = phone_page
    login(page, lan.username)
    page.goto(f"/stalls/{stall.id}")
    with page.expect_download() as download:
        page.locator(".poster-links").get_by_role("link", name=label, exact=True).click()
    file = download.value
    assert file.suggested_filename.endswith(f".{'png' if fmt == 'png' else 'pdf'}")
    decoded = decode_bytes(open(file.path(), "rb").read())
    assert [d.payload for d in decoded] == [_payload(seed, stall)]
    # Downloading is not printing: the stall has not moved.
    assert [e.kind for e in _events(seed, stall)] == ["registered"]


def test_volunteer_records_a_refusal_with_its_reason(lan_and_stall, seed, phone_page, login,
                                                    screenshot):
    lan, _market, stall = lan_and_stall
    page = phone_page
    login(page, lan.username)
    page.goto(f"/stalls/{stall.id}")
    _step(page, "Từ chối")
    # No reason chosen: asked for, nothing stored.
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.locator("fieldset.has-error")).to_be_visible()
    # The server's answer is a new page: its scripts run once it has loaded (a busy machine
    # let the click below reach the server before app.js had set up the check).
    page.wait_for_load_state()
    assert [e.kind for e in _events(seed, stall)] == ["registered"]

    # "Lý do khác" asks for the note on the phone, before anything is sent (or queued).
    page.get_by_label("Lý do khác").check()
    # A reason chosen: the server's "choose a reason" no longer applies (it stayed, under
    # a chosen reason, beside the note's message below).
    expect(page.locator("fieldset.has-error")).to_have_count(0)
    expect(page.get_by_text("Chọn lý do từ chối.")).to_have_count(0)
    page.evaluate("() => { window.stayed = true; }")  # gone if the page is sent
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.locator(".note-needed")).to_have_text("Ghi rõ lý do khác vào ghi chú.")
    expect(page.get_by_label("Ghi chú")).to_be_focused()
    assert page.evaluate("() => window.stayed === true")
    assert [e.kind for e in _events(seed, stall)] == ["registered"]

    page.get_by_label("Thích dùng tiền mặt").check()
    expect(page.locator(".note-needed")).to_have_count(0)  # no longer applies
    page.get_by_label("Ghi chú").fill("Sẽ hỏi lại sau Tết")
    screenshot(page, "volunteer-phone-refusal")
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.get_by_role("status")).to_contain_text("Đã ghi: Từ chối.")
    expect(page.locator(".page-head .badge")).to_have_text("Từ chối")
    expect(page.get_by_text(re.compile("Lý do từ chối: Thích dùng tiền mặt"))).to_be_visible()
    expect(page.locator(".timeline li").first).to_contain_text("Sẽ hỏi lại sau Tết")
    refusal = _events(seed, stall)[-1]
    assert (refusal.kind, refusal.data["reason"], refusal.data["note"]) == \
        ("refused", "prefers_cash", "Sẽ hỏi lại sau Tết")
    assert seed.session.get(Stall, stall.id).status == "refused"


def _qr_photo(tmp_path, name: str, text: str):
    path = tmp_path / name
    buffer = io.BytesIO()
    qrcode.make(text, border=4, box_size=10).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def test_a_recheck_flags_a_qr_stuck_over_the_stalls_and_a_note_is_kept(
        lan_and_stall, seed, phone_page, login, screenshot, tmp_path):
    lan, _market, stall = lan_and_stall
    page = phone_page
    login(page, lan.username)
    page.goto(f"/stalls/{stall.id}")
    # A poster is printed (and would be stuck up) before it can be checked again.
    _step(page, "In poster")
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.locator(".page-head .badge")).to_have_text("Đã in poster")

    _step(page, "Kiểm tra lại poster")
    scam = build_payload(bank="970422", account="9999912345")
    page.locator("input[name=poster_photo]").set_input_files(
        str(_qr_photo(tmp_path, "dan-de.png", scam)))
    page.get_by_role("button", name="Xác nhận").click()
    warning = page.get_by_role("alert")
    expect(warning).to_contain_text("KHÔNG phải tài khoản đã đăng ký")
    expect(warning).to_contain_text("•••• 2345")
    screenshot(page, "volunteer-phone-recheck-mismatch")
    page.get_by_role("link", name="Về trang gian hàng").click()
    expect(page.get_by_role("alert")).to_contain_text("KHÔNG phải tài khoản đã đăng ký")
    expect(page.locator(".timeline li").first).to_contain_text("KHÔNG khớp")
    assert _events(seed, stall)[-1].kind == "recheck"
    assert seed.session.get(Stall, stall.id).recheck_mismatch is True

    # The right poster is stuck back and checked again: the warning goes.
    _step(page, "Kiểm tra lại poster")
    page.locator("input[name=poster_photo]").set_input_files(
        str(_qr_photo(tmp_path, "dung.png", _payload(seed, stall))))
    with page.expect_navigation():
        page.get_by_role("button", name="Xác nhận").click()
    screenshot(page, "volunteer-phone-recheck-match")
    page.goto(f"/stalls/{stall.id}")
    expect(page.locator(".timeline li").first).to_contain_text("Khớp")
    expect(page.get_by_role("alert")).to_have_count(0)
    seed.session.expire_all()
    assert seed.session.get(Stall, stall.id).recheck_mismatch is False

    _step(page, "Ghi chú")
    page.get_by_label("Ghi chú").fill("Đã dán lại poster mới, chủ hộ đã biết")
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.locator(".timeline li").first).to_contain_text("Đã dán lại poster mới")
    kinds = [e.kind for e in _events(seed, stall)]
    assert kinds == ["registered", "poster_printed", "recheck", "recheck", "note"]
    # Neither a re-check nor a note moves the stall along the funnel.
    assert seed.session.get(Stall, stall.id).status == "poster_printed"


def test_the_language_switch_keeps_the_page_and_logout_ends_the_session(
        lan_and_stall, phone_page, login, screenshot):
    lan, _market, stall = lan_and_stall
    page = phone_page
    login(page, lan.username)
    page.goto(f"/stalls/{stall.id}")
    expect(page.get_by_role("heading", name="Tài khoản nhận tiền")).to_be_visible()

    page.get_by_role("link", name="EN", exact=True).click()
    expect(page).to_have_url(re.compile(f"/stalls/{stall.id}$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Receiving account")).to_be_visible()
    screenshot(page, "volunteer-phone-stall-en")
    # The choice is kept from page to page.
    page.get_by_role("link", name=re.compile("Chợ Phường 5")).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="VI", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "vi")

    page.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(re.compile("/login"))
    # The stall page is no longer reachable with this browser's cookies.
    page.goto(f"/stalls/{stall.id}")
    expect(page).to_have_url(re.compile("/login"))
    expect(page.get_by_text("Trái cây Cô Năm")).to_have_count(0)


def test_a_census_stall_registered_leads_back_to_the_list_as_it_was_left(
        lan_and_stall, seed, phone_page, login):
    """Working down a zone's census in a big market: filtered, on its second page, the
    volunteer registers a stall, and "‹ market" led back to the whole market's first page,
    the zone, the status and the page to choose again for every stall."""
    from merchant_onboard.domain.census import parse_census
    from merchant_onboard.services import census

    lan, market, _stall = lan_and_stall
    manager = seed.user(seed.unique("thu"), role="manager", markets=[market])
    text = "Mã gian hàng,Khu,Tên gian hàng,Chủ hộ\n" + "".join(
        f"{zone}-{n},Khu {zone},Sạp {n},Lê Văn {n}\n" for zone in "KL" for n in range(1, 61))
    census.apply_census(seed.session, actor=manager, market=market,
                        rows=parse_census(text.encode()).rows)
    page = phone_page
    login(page, lan.username)
    page.goto(f"/m/{market.code}/")
    page.locator("select[name=status]").select_option("census")
    page.locator("select[name=zone]").select_option("Khu K")
    page.get_by_role("button", name="Tìm").click()
    page.get_by_role("link", name=re.compile("Sau")).click()
    expect(page.locator(".pager")).to_contain_text("2 / 2")
    # The pager is in the server's HTML: wait for the page's scripts, which note the list's
    # address when it is left, as a volunteer's tap comes after them (CI once tapped first).
    page.wait_for_load_state()
    page.locator("#stall-list a", has_text="K-51").click()
    page.get_by_role("link", name="Đăng ký gian hàng này").click()
    page.get_by_role("combobox", name="Ngân hàng").fill("Vietcombank")
    page.get_by_label("Số tài khoản / số thẻ").fill("1023456751")
    page.get_by_label(re.compile("Chủ hộ đồng ý")).check()
    page.get_by_role("button", name="Lưu đăng ký").click()
    expect(page.locator(".flash, .alert").first).to_contain_text("K-51")
    # As above: the way back is the list's address app.js noted, which it gives the link once
    # it runs; a loaded CI machine tapped the server's link first and landed on page 1.
    page.wait_for_load_state()
    page.locator(".crumbs a", has_text=market.name).click()
    expect(page.locator("select[name=status]")).to_have_value("census")
    expect(page.locator("select[name=zone]")).to_have_value("Khu K")
    expect(page.locator(".count")).to_contain_text("59")
    expect(page.locator(".pager")).to_contain_text("2 / 2")
