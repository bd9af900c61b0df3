"""Scan-to-register and the public photo check, in Chromium at a phone's size."""

from __future__ import annotations

import io

import pytest
import qrcode
from playwright.sync_api import expect

from merchant_onboard.domain.vietqr import build_payload

pytestmark = pytest.mark.browser


def qr_png(tmp_path, name: str, text: str):
    path = tmp_path / name
    buffer = io.BytesIO()
    qrcode.make(text, border=4, box_size=10).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def test_volunteer_fills_bank_and_account_from_the_owners_qr(live_server, seed, phone_page,
                                                             login, screenshot, tmp_path):
    market = seed.market(seed.unique("cho"), name="Chợ Vị Thanh")
    volunteer = seed.user(seed.unique("lan"), markets=[market])
    login(phone_page, volunteer.username)
    phone_page.goto(f"/m/{market.code}/stalls/new")
    phone_page.get_by_label("Tên gian hàng").fill("Bún riêu Cô Hồng")
    photo = qr_png(tmp_path, "owner.png", build_payload(bank="970415", account="108002345678"))
    # The picker speaks Vietnamese whatever the phone's language, and names the photo chosen.
    picker = phone_page.locator(".field.scan .file-pick")
    expect(picker.get_by_role("button", name="Chụp hoặc chọn ảnh")).to_be_visible()
    expect(picker.locator(".file-name")).to_have_text("Chưa chọn ảnh")
    phone_page.locator("input[name=qr_photo]").set_input_files(str(photo))
    expect(picker.locator(".file-name")).to_have_text("owner.png")
    with phone_page.expect_navigation():
        phone_page.get_by_role("button", name="Đọc ngân hàng và số tài khoản từ ảnh").click()
    assert phone_page.locator("input[name=bank]").input_value() == "VietinBank"
    assert phone_page.locator("input[name=account_number]").input_value() == "108002345678"
    # What the volunteer typed before scanning is still there.
    assert phone_page.get_by_label("Tên gian hàng").input_value() == "Bún riêu Cô Hồng"
    screenshot(phone_page, "scan-to-register-filled")
    # The scanned values register as they are.
    phone_page.get_by_label("Mã gian hàng").fill("D-7")
    phone_page.get_by_label("Họ tên chủ hộ").fill("Phạm Thị Hồng")
    phone_page.locator("input[name=consent]").check()
    with phone_page.expect_navigation():
        phone_page.get_by_role("button", name="Lưu đăng ký").click()
    page = phone_page.content()
    assert "VietinBank" in page and "PHAM THI HONG" in page and "1080 0234 5678" in page


def test_a_vnpay_code_is_explained_not_accepted(live_server, seed, phone_page, login,
                                                tmp_path):
    market = seed.market(seed.unique("cho"))
    volunteer = seed.user(seed.unique("lan"), markets=[market])
    login(phone_page, volunteer.username)
    phone_page.goto(f"/m/{market.code}/stalls/new")
    vnpay = ("00020101021126280010A0000007750110010531231452045411530370454061500005802VN"
             "5910CELLPHONES6005HANOI62140303CPS0703T0163041387")
    phone_page.locator("input[name=qr_photo]").set_input_files(str(qr_png(tmp_path, "v.png",
                                                                          vnpay)))
    with phone_page.expect_navigation():
        phone_page.get_by_role("button", name="Đọc ngân hàng và số tài khoản từ ảnh").click()
    assert "VNPAY-QR" in phone_page.locator("#e-qr_photo").inner_text()
    assert phone_page.locator("input[name=bank]").input_value() == ""


def test_customer_catches_an_overlaid_qr(live_server, seed, phone_page, screenshot, tmp_path):
    market = seed.market(seed.unique("cho"), name="Chợ Vị Thanh")
    volunteer = seed.user(seed.unique("lan"), markets=[market])
    stall = seed.stall(market, volunteer, shop_name="Tạp hoá Cô Ba")
    phone_page.goto(f"/v/{stall.public_code}")
    assert "Tạp hoá Cô Ba" in phone_page.content()
    fake = qr_png(tmp_path, "fake.png", build_payload(bank="970422", account="99998888777"))
    phone_page.locator("input[name=photo]").set_input_files(str(fake))
    with phone_page.expect_navigation():
        phone_page.get_by_role("button", name="Kiểm tra ảnh").click()
    warning = phone_page.get_by_role("alert").first.inner_text()
    assert "KHÔNG phải tài khoản đã đăng ký" in warning
    assert phone_page.url.endswith("#result")
    # Above the fold of a 640 px screen, measured from the top of the page (not the scroll).
    bottom = phone_page.locator('[data-result="foreign"]').evaluate(
        "el => el.getBoundingClientRect().bottom + window.scrollY")
    assert bottom <= 640
    phone_page.evaluate("window.scrollTo(0, 0)")
    screenshot(phone_page, "verify-overlay-warning")
