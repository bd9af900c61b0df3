"""Photos without a signal (DESIGN §10): the QR reader comes from the phone, a re-check photo
waits in the outbox, and the public photo check says it needs the network."""

from __future__ import annotations

import io
import re
import uuid
from urllib.parse import urlsplit

import pytest
import qrcode
from sqlmodel import Session, select

from merchant_onboard.db import get_engine
from merchant_onboard.domain.vietqr import build_payload
from merchant_onboard.models import Event, PaymentAccount, Stall
from tests.browser.network import LostAnswer
from tests.browser.test_offline import _app_ready, _badge
from tests.browser.test_phone_scan import SMALL_UPLOAD, camera_photo
from tests.photoset import MERCHANT_QR

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (a failure under CI) with the reason
    expect = None

READER = ("/static/vendor/barcode-detector/ponyfill.js",
          "/static/vendor/zxing-wasm/zxing_reader.wasm")


@pytest.fixture
def field(seed):
    """A volunteer and a stall of her market with its poster printed (a re-check applies)."""
    from merchant_onboard.services.onboarding import record_event

    market = seed.market(seed.unique("cho"), name="Chợ Ngã Bảy")
    volunteer = seed.user(seed.unique("lan"), markets=[market], display_name="Lan")
    stall = seed.stall(market, volunteer, stall_code="A-1", shop_name="Rau sạch Cô Ba",
                       bank="970436", account_number="1023456789")
    record_event(seed.session, actor=volunteer, stall=stall, kind="poster_printed",
                 client_id=str(uuid.uuid4()))
    return volunteer, market, stall


def _rechecks(live_server, stall_id: int) -> list[dict]:
    with Session(get_engine(live_server.app)) as session:
        return [event.data for event in session.exec(select(Event).where(
            Event.stall_id == stall_id, Event.kind == "recheck").order_by(Event.id))]


def _qr_png(text: str) -> dict:
    buffer = io.BytesIO()
    qrcode.make(text, border=4, box_size=10).save(buffer, format="PNG")
    return {"name": "qr.png", "mimeType": "image/png", "buffer": buffer.getvalue()}


def test_the_qr_reader_is_precached_so_a_scan_fills_the_form_without_a_signal(
        field, phone_page, login, live_server, screenshot, tmp_path):
    volunteer, market, _stall = field
    page = phone_page
    login(page, volunteer.username)
    page.goto(f"/m/{market.code}/stalls/new")
    _app_ready(page)
    served: dict[str, bool] = {}
    page.on("response", lambda response: served.__setitem__(
        urlsplit(response.url).path, response.from_service_worker))
    posts: list[str] = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))

    page.context.set_offline(True)
    page.reload()
    page.get_by_label("Mã gian hàng").fill("Q-1")
    page.get_by_label("Tên gian hàng").fill("Bún riêu Cô Hồng")
    page.get_by_label("Họ tên chủ hộ").fill("Đặng Thị Hồng")
    page.get_by_label(re.compile("Chủ hộ đồng ý")).check()
    photo = camera_photo(tmp_path / "owner.jpg", build_payload(bank="970415",
                                                               account="108002345678"))
    page.locator("input[name=qr_photo]").set_input_files(str(photo))
    page.get_by_role("button", name="Đọc ngân hàng và số tài khoản từ ảnh").click()
    expect(page.locator("input[name=account_number]")).to_have_value("108002345678")
    expect(page.locator("input[name=bank]")).to_have_value("VietinBank")
    expect(page.locator(".scan-status")).to_contain_text("Đã đọc mã QR ngay trên máy")
    # The reader came from the service worker's precache: nothing else answers offline
    # (the form never loaded it online).
    for path in READER:
        assert served.get(path) is True, f"{path}: {served.get(path)} from the service worker"
    assert posts == []
    screenshot(page, "offline-scan-filled")

    # A code that is not a bank transfer: said, and nothing is filled.
    page.get_by_label("Số tài khoản / số thẻ").fill("")
    page.locator("input[name=qr_photo]").set_input_files(_qr_png("https://example.com/menu"))
    page.get_by_role("button", name="Đọc ngân hàng và số tài khoản từ ảnh").click()
    expect(page.locator(".scan-status")).to_contain_text("không phải mã chuyển khoản VietQR")
    expect(page.locator("input[name=account_number]")).to_have_value("")

    # Saved offline with the account read, and registered (judged by the server) once online.
    page.locator("input[name=qr_photo]").set_input_files(str(photo))
    page.get_by_role("button", name="Đọc ngân hàng và số tài khoản từ ảnh").click()
    expect(page.locator("input[name=account_number]")).to_have_value("108002345678")
    page.get_by_role("button", name="Lưu đăng ký").click()
    expect(page.locator("#outbox-queued")).to_be_visible()
    page.context.set_offline(False)
    expect(_badge(page)).to_have_attribute("data-pending", "0")
    with Session(get_engine(live_server.app)) as session:
        account = session.exec(select(PaymentAccount).join(Stall).where(
            Stall.market_id == market.id, Stall.stall_code == "Q-1")).one()
    assert (account.bank_bin, account.account_number) == ("970415", "108002345678")


@pytest.mark.parametrize("drop", [False, True], ids=["steady", "drop-mid-send"])
def test_a_recheck_photo_taken_offline_waits_small_and_is_recorded_once(
        field, phone_page, login, live_server, screenshot, tmp_path, drop):
    volunteer, market, stall = field
    page = phone_page
    login(page, volunteer.username)
    # The market's list stored on the phone names the stall on the pending list.
    page.goto(f"/m/{market.code}/")
    for _ in range(100):
        if page.evaluate(f"async () => (await MOOutbox.stalls(document.body.dataset.user, "
                         f"{market.code!r})).length"):
            break
        page.wait_for_timeout(100)
    page.goto(f"/stalls/{stall.id}")
    _app_ready(page)
    page.goto(f"/stalls/{stall.id}/events/recheck")
    _app_ready(page)

    page.context.set_offline(True)
    page.reload()
    photo = camera_photo(tmp_path / "poster.jpg", build_payload(bank="970436",
                                                                account="1023456789"))
    assert photo.stat().st_size > 1_000_000
    page.locator("input[name=poster_photo]").set_input_files(str(photo))
    page.get_by_label("Ghi chú").fill("Poster hơi mờ")
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.locator("#outbox-queued")).to_be_visible()
    expect(_badge(page)).to_have_attribute("data-pending", "1")
    item = page.locator("#outbox-list .outbox-item")
    expect(item).to_contain_text("Kiểm tra lại poster")
    expect(item).to_contain_text("A-1")
    expect(item.locator(".outbox-photo")).to_contain_text("Kèm ảnh")
    # Kept on the phone scaled down, as it would have been uploaded.
    kept = page.evaluate("""async () => {
        const items = await MOOutbox.list(document.body.dataset.user);
        const photo = items[0].files[0];
        const bitmap = await createImageBitmap(photo[1]);
        return [photo[0], photo[1].type, photo[1].size, Math.max(bitmap.width, bitmap.height)];
    }""")
    assert kept[:2] == ["poster_photo", "image/jpeg"]
    assert 20_000 < kept[2] <= SMALL_UPLOAD and kept[3] == 1600
    if not drop:
        screenshot(page, "offline-recheck-pending")

    # A reload (the phone restarted) loses nothing, the photo included.
    page.reload()
    expect(_badge(page)).to_have_attribute("data-pending", "1")
    assert page.evaluate("""async () => (await MOOutbox.list(document.body.dataset.user))
                            [0].files[0][1].size""") == kept[2]
    assert _rechecks(live_server, stall.id) == []

    # The server records the re-check; its answer never arrives.
    lost = LostAnswer(page, "**/events/recheck") if drop else None
    page.context.set_offline(False)
    if lost:
        lost.wait()
        lost.kept(_badge(page))
        page.get_by_role("button", name="Gửi lại").click()
    expect(_badge(page)).to_have_attribute("data-pending", "0")
    recorded = _rechecks(live_server, stall.id)
    assert len(recorded) == 1
    assert recorded[0]["match"] is True and recorded[0]["note"] == "Poster hơi mờ"
    page.goto(f"/stalls/{stall.id}")
    expect(page.locator("span.ok", has_text="Khớp")).to_have_count(1)


def test_a_recheck_upload_cut_after_the_server_got_it_is_kept_and_not_recorded_twice(
        field, phone_page, login, live_server, tmp_path):
    volunteer, _market, stall = field
    page = phone_page
    login(page, volunteer.username)
    page.goto(f"/stalls/{stall.id}/events/recheck")
    _app_ready(page)
    cut: list[int] = []

    def lose_the_answer(route):
        # The first send reaches the server, its answer is lost; then the signal is gone.
        if route.request.method != "POST":
            route.fallback()
        elif not cut:
            route.fetch()
            cut.append(len(route.request.post_data_buffer or b""))
            route.abort("connectionreset")
        else:
            route.abort("internetdisconnected")

    page.context.route("**/events/recheck", lose_the_answer)
    photo = camera_photo(tmp_path / "poster.jpg", build_payload(bank="970436",
                                                                account="1023456789"))
    page.locator("input[name=poster_photo]").set_input_files(str(photo))
    page.get_by_role("button", name="Xác nhận").click()
    # The phone believes it is online; the send failed: kept, not lost.
    expect(page.locator("#outbox-queued")).to_be_visible()
    expect(_badge(page)).to_have_attribute("data-pending", "1")
    assert len(cut) == 1 and cut[0] <= SMALL_UPLOAD
    assert len(_rechecks(live_server, stall.id)) == 1
    page.context.unroute("**/events/recheck")
    page.get_by_role("button", name="Gửi lại").click()
    expect(_badge(page)).to_have_attribute("data-pending", "0")
    assert len(_rechecks(live_server, stall.id)) == 1


def test_the_public_photo_check_says_it_needs_the_network(field, phone_page, screenshot,
                                                          tmp_path):
    _volunteer, _market, stall = field
    page = phone_page
    page.goto(f"/v/{stall.public_code}")
    expect(page.get_by_text("Cần có mạng: ảnh được gửi lên máy chủ")).to_be_visible()
    posts: list[str] = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))
    page.context.set_offline(True)
    page.locator("input[name=photo]").set_input_files(_qr_png(build_payload(
        bank="970436", account="1023456789")))
    page.get_by_role("button", name="Kiểm tra ảnh").click()
    expect(page.locator("#photo-check .scan-status")).to_contain_text("Đang không có mạng")
    assert posts == []
    screenshot(page, "verify-offline-photo-check")


def test_a_scan_whose_send_is_lost_returns_to_the_form_which_then_reads_on_the_phone(
        field, phone_page, login, tmp_path):
    volunteer, market, _stall = field
    page = phone_page
    login(page, volunteer.username)
    page.goto(f"/m/{market.code}/stalls/new")
    _app_ready(page)
    page.get_by_label("Mã gian hàng").fill("Q-2")
    page.get_by_label("Tên gian hàng").fill("Chè Cô Út")
    # The phone shows a bar of signal, but nothing gets through.
    page.context.route("**/stalls/new", lambda route: route.abort("internetdisconnected")
                       if route.request.method == "POST" else route.fallback())
    photo = camera_photo(tmp_path / "owner.jpg", build_payload(bank="970415",
                                                               account="108002345670"))
    page.locator("input[name=qr_photo]").set_input_files(str(photo))
    page.get_by_role("button", name="Đọc ngân hàng và số tài khoản từ ảnh").click()
    expect(page.locator(".scan-status")).to_contain_text("chưa gửi được mã QR")
    # Back on the form, with what was typed.
    expect(page.get_by_label("Mã gian hàng")).to_have_value("Q-2")
    expect(page.get_by_label("Tên gian hàng")).to_have_value("Chè Cô Út")
    page.locator("input[name=qr_photo]").set_input_files(str(photo))
    page.get_by_role("button", name="Đọc ngân hàng và số tài khoản từ ảnh").click()
    expect(page.locator("input[name=account_number]")).to_have_value("108002345670")
    expect(page.locator(".scan-status")).to_contain_text("Đã đọc mã QR ngay trên máy")


@pytest.mark.parametrize(("found", "result", "heading"), [
    (build_payload(bank="970415", account="108009999999"), "foreign",
     "CẢNH BÁO: có mã QR KHÔNG phải tài khoản đã đăng ký"),
    (MERCHANT_QR, "other_payment", "CẢNH BÁO: có mã thanh toán KHÔNG phải mã VietQR"),
], ids=["foreign-vietqr", "merchant-qr"])
def test_a_recheck_sent_later_that_finds_a_foreign_qr_stays_on_the_phone_as_a_warning(
        field, phone_page, login, live_server, screenshot, tmp_path, found, result, heading):
    """The volunteer has walked on when a queued re-check is sent: a warning verdict (a QR
    stuck over the stall's, or a payment code nobody vouches for) stays on the pending list,
    the badge says so, until seen."""
    volunteer, market, stall = field
    page = phone_page
    login(page, volunteer.username)
    page.goto(f"/m/{market.code}/")
    for _ in range(100):
        if page.evaluate(f"async () => (await MOOutbox.stalls(document.body.dataset.user, "
                         f"{market.code!r})).length"):
            break
        page.wait_for_timeout(100)
    page.goto(f"/stalls/{stall.id}/events/recheck")
    _app_ready(page)
    page.context.set_offline(True)
    page.reload()
    fake = camera_photo(tmp_path / "fake.jpg", found)
    page.locator("input[name=poster_photo]").set_input_files(str(fake))
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.locator("#outbox-queued")).to_be_visible()
    expect(_badge(page)).to_have_attribute("data-pending", "1")

    page.context.set_offline(False)
    badge = _badge(page)
    expect(badge).to_have_attribute("data-pending", "0")
    expect(badge).to_have_attribute("data-warnings", "1")
    expect(badge).to_be_visible()
    item = page.locator("#outbox-list .outbox-item")
    expect(item).to_have_attribute("data-status", "warning")
    expect(item).to_contain_text("A-1")
    expect(item.locator(".outbox-error")).to_contain_text(heading)
    expect(item.get_by_role("link", name="Mở trang gian hàng")).to_have_attribute(
        "href", f"/stalls/{stall.id}")
    screenshot(page, f"offline-recheck-warning-{result}")
    recorded = _rechecks(live_server, stall.id)
    assert len(recorded) == 1 and recorded[0]["result"] == result
    # Kept without its photo: it was sent, and is never sent again.
    assert page.evaluate("""async () => (await MOOutbox.list(document.body.dataset.user))
                            .map(i => [i.status, i.files.length])""") == [["warning", 0]]
    page.get_by_role("button", name="Gửi lại").click()
    item.get_by_role("button", name="Đã xem").click()
    expect(badge).to_have_attribute("data-warnings", "0")
    expect(badge).to_be_hidden()
    assert len(_rechecks(live_server, stall.id)) == 1
