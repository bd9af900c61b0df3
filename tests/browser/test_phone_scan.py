"""QR codes read on the phone, photos sent small: Chromium at 360 px, nothing outside the app.

Every request that leaves loopback is refused and listed, so a polyfill fetching its
WebAssembly from a CDN (its default) fails these tests.
"""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import qrcode
from PIL import Image
from playwright.sync_api import expect

from merchant_onboard.domain.vietqr import build_payload

pytestmark = pytest.mark.browser

#: What the upload of a re-check photo may weigh once the phone has scaled it down.
SMALL_UPLOAD = 300 * 1024


def camera_photo(path: Path, text: str) -> Path:
    """A 12 MP (4000×3000) JPEG like a phone's: a QR drawn big on a noisy, shaded background."""
    shade = Image.linear_gradient("L").resize((4000, 3000)).point(lambda v: 150 + v // 3)
    noise = Image.effect_noise((4000, 3000), 24)
    photo = Image.merge("RGB", (Image.blend(shade, noise, 0.25), shade, shade))
    code = qrcode.make(text, border=4, box_size=10).get_image().convert("RGB")
    photo.paste(code.resize((1800, 1800), Image.Resampling.NEAREST), (1100, 600))
    photo.save(path, "JPEG", quality=92)
    return path


@pytest.fixture
def watched(phone_page):
    """The phone page with outside requests refused; returns what it sent and what was refused."""
    sent: list = []
    refused: list[str] = []

    def route(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    phone_page.context.route("**/*", route)
    phone_page.on("request", lambda request: sent.append(request))
    return phone_page, sent, refused


def test_a_12_mp_photo_fills_bank_and_account_with_only_the_text_sent(
        live_server, seed, watched, login, screenshot, tmp_path):
    page, sent, refused = watched
    market = seed.market(seed.unique("cho"), name="Chợ Vị Thanh")
    volunteer = seed.user(seed.unique("lan"), markets=[market])
    login(page, volunteer.username)
    page.goto(f"/m/{market.code}/stalls/new")
    page.get_by_label("Tên gian hàng").fill("Bún riêu Cô Hồng")
    owner_qr = build_payload(bank="970415", account="108002345678")
    photo = camera_photo(tmp_path / "owner.jpg", owner_qr)
    assert Image.open(photo).size == (4000, 3000)
    page.locator("input[name=qr_photo]").set_input_files(str(photo))
    sent.clear()
    with page.expect_navigation():
        page.get_by_role("button", name="Đọc ngân hàng và số tài khoản từ ảnh").click()
    assert page.locator("input[name=bank]").input_value() == "VietinBank"
    assert page.locator("input[name=account_number]").input_value() == "108002345678"
    assert page.get_by_label("Tên gian hàng").input_value() == "Bún riêu Cô Hồng"
    posts = [r for r in sent if r.method == "POST"]
    assert len(posts) == 1
    body = posts[0].post_data_buffer
    # The decoded text went, the photo did not: its bytes would weigh megabytes.
    assert owner_qr.encode() in body and posts[0].sizes()["requestBodySize"] < 8_000
    assert b"image/jpeg" not in body
    # This Chromium has no BarcodeDetector: the app's own polyfill and WebAssembly did it.
    paths = {urlsplit(r.url).path for r in sent}
    assert {"/static/vendor/barcode-detector/ponyfill.js",
            "/static/vendor/zxing-wasm/zxing_reader.wasm"} <= paths
    assert refused == []
    screenshot(page, "scan-phone-photo-filled")


def test_a_re_check_photo_is_sent_scaled_down_with_its_result_on_top(
        live_server, seed, watched, login, screenshot, tmp_path):
    page, sent, refused = watched
    market = seed.market(seed.unique("cho"), name="Chợ Vị Thanh")
    volunteer = seed.user(seed.unique("lan"), markets=[market])
    stall = seed.stall(market, volunteer, shop_name="Tạp hoá Cô Ba", bank="970436",
                       account_number="1023456789")
    login(page, volunteer.username)
    for kind in ("poster_printed", "poster_installed"):
        page.goto(f"/stalls/{stall.id}/events/{kind}")
        with page.expect_navigation():
            page.get_by_role("button", name="Xác nhận").click()
    page.goto(f"/stalls/{stall.id}/events/recheck")
    payload = build_payload(bank="970436", account="1023456789")
    photo = camera_photo(tmp_path / "poster.jpg", payload)
    assert photo.stat().st_size > 1_000_000
    page.locator("input[name=poster_photo]").set_input_files(str(photo))
    sent.clear()
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.get_by_role("status").first).to_contain_text("đúng tài khoản đã đăng ký")
    upload = next(r for r in sent if r.method == "POST")
    # Its body as it crossed the network (Playwright cannot show a body holding a file).
    assert 50_000 < upload.sizes()["requestBodySize"] <= SMALL_UPLOAD
    assert refused == []
    screenshot(page, "recheck-phone-result")


def test_the_public_photo_check_sends_a_small_photo(live_server, seed, watched, screenshot,
                                                    tmp_path):
    page, sent, refused = watched
    market = seed.market(seed.unique("cho"), name="Chợ Vị Thanh")
    volunteer = seed.user(seed.unique("lan"), markets=[market])
    stall = seed.stall(market, volunteer, shop_name="Tạp hoá Cô Ba")
    page.goto(f"/v/{stall.public_code}")
    fake = build_payload(bank="970422", account="99998888777")
    page.locator("input[name=photo]").set_input_files(str(camera_photo(tmp_path / "f.jpg", fake)))
    sent.clear()
    page.get_by_role("button", name="Kiểm tra ảnh").click()
    expect(page.get_by_role("alert").first).to_contain_text("KHÔNG phải tài khoản đã đăng ký")
    upload = next(r for r in sent if r.method == "POST")
    assert 50_000 < upload.sizes()["requestBodySize"] <= SMALL_UPLOAD
    assert refused == []
    screenshot(page, "verify-phone-photo-check")


def test_without_javascript_the_photo_is_uploaded_and_read_by_the_server(
        browser, live_server, seed, login, tmp_path):
    context = browser.new_context(base_url=live_server.base_url, java_script_enabled=False,
                                  viewport={"width": 360, "height": 740})
    page = context.new_page()
    market = seed.market(seed.unique("cho"))
    volunteer = seed.user(seed.unique("lan"), markets=[market])
    login(page, volunteer.username)
    page.goto(f"/m/{market.code}/stalls/new")
    owner_qr = build_payload(bank="970415", account="108002345678")
    buffer = io.BytesIO()
    qrcode.make(owner_qr, border=4, box_size=10).save(buffer, format="PNG")
    page.locator("input[name=qr_photo]").set_input_files(
        {"name": f"{uuid.uuid4().hex}.png", "mimeType": "image/png", "buffer": buffer.getvalue()})
    with page.expect_navigation():
        page.get_by_role("button", name="Đọc ngân hàng và số tài khoản từ ảnh").click()
    assert page.locator("input[name=account_number]").input_value() == "108002345678"
    context.close()


def camera_video(path: Path, text: str) -> Path:
    """A Y4M clip (what Chromium's fake camera plays) of a phone screen showing a QR."""
    frame = Image.new("RGB", (640, 480), (40, 40, 40))
    code = qrcode.make(text, border=4, box_size=8).get_image().convert("RGB")
    frame.paste(code.resize((420, 420), Image.Resampling.NEAREST), (110, 30))
    y, cb, cr = frame.convert("YCbCr").split()
    planes = y.tobytes() + cb.resize((320, 240)).tobytes() + cr.resize((320, 240)).tobytes()
    path.write_bytes(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n"
                     + b"".join(b"FRAME\n" + planes for _ in range(10)))
    return path


def test_the_live_camera_reads_the_owners_qr(browser, live_server, seed, login, tmp_path):
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE

    owner_qr = build_payload(bank="970415", account="108002345679")
    clip = camera_video(tmp_path / "camera.y4m", owner_qr)
    market = seed.market(seed.unique("cho"))
    volunteer = seed.user(seed.unique("lan"), markets=[market])
    # A Chromium of its own: the fake camera is chosen when the browser starts.
    camera_browser = browser.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + [
        "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={clip}"])
    try:
        context = camera_browser.new_context(base_url=live_server.base_url, permissions=["camera"],
                                      **PHONE)
        page = context.new_page()
        sent: list = []
        page.on("request", lambda request: sent.append(request))
        login(page, volunteer.username)
        page.goto(f"/m/{market.code}/stalls/new")
        with page.expect_navigation():
            page.get_by_role("button", name="Quét bằng camera").click()
        assert page.locator("input[name=account_number]").input_value() == "108002345679"
        assert page.locator("input[name=bank]").input_value() == "VietinBank"
        scan = next(r for r in sent if r.method == "POST" and "stalls/new" in r.url)
        assert owner_qr.encode() in scan.post_data_buffer
    finally:
        camera_browser.close()


def test_saving_with_a_photo_still_chosen_leaves_the_photo_on_the_phone(
        live_server, seed, watched, login, tmp_path):
    page, sent, refused = watched
    market = seed.market(seed.unique("cho"))
    volunteer = seed.user(seed.unique("lan"), markets=[market])
    login(page, volunteer.username)
    page.goto(f"/m/{market.code}/stalls/new")
    page.get_by_label("Mã gian hàng").fill("E-1")
    page.get_by_label("Tên gian hàng").fill("Chè Cô Út")
    page.get_by_label("Họ tên chủ hộ").fill("Võ Thị Út")
    page.locator("input[name=bank]").fill("Vietcombank")
    page.locator("input[name=account_number]").fill("0011012345678")
    page.locator("input[name=consent]").check()
    photo = camera_photo(tmp_path / "owner.jpg", build_payload(bank="970415", account="1"))
    page.locator("input[name=qr_photo]").set_input_files(str(photo))
    sent.clear()
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu đăng ký").click()
    expect(page.get_by_role("status").first).to_contain_text("Đã đăng ký gian hàng E-1.")
    save = next(r for r in sent if r.method == "POST")
    assert save.sizes()["requestBodySize"] < 8_000
    assert refused == []
