"""Posters through the web: downloads that scan, a market batch in order, prints recorded,
revocation on the public page, the public photo check, scan-to-register and re-check visits."""

from __future__ import annotations

import io
import re
import uuid

import pypdfium2 as pdfium
import pytest
import qrcode
import zxingcpp
from PIL import Image
from sqlmodel import select

from merchant_onboard.domain.vietqr import build_payload
from merchant_onboard.models import Event, PaymentAccount, Poster, Stall
from merchant_onboard.services import onboarding
from merchant_onboard.services import stalls as stall_service


@pytest.fixture
def market(make_market):
    return make_market("cho-vi-thanh", name="Chợ Vị Thanh", campaign_title="Chợ 4.0")


@pytest.fixture
def people(make_user, market):
    return {"lan": make_user("lan", markets=[market]),
            "hung": make_user("hung", role="manager", markets=[market])}


def decode_pages(pdf: bytes) -> list[list[str]]:
    document = pdfium.PdfDocument(pdf)
    pages = []
    for index in range(len(document)):
        image = document[index].render(scale=150 / 72).to_pil()
        pages.append([r.text for r in zxingcpp.read_barcodes(
            image, formats=zxingcpp.BarcodeFormat.QRCode)])
    document.close()
    return pages


#: A VNPAY-QR merchant code (tag 26): a payment to an acquirer, not to the owner's account.
VNPAY_MERCHANT = ("00020101021126280010A0000007750110010531231452045411530370454061500005802VN"
                  "5910CELLPHONES6005HANOI62140303CPS0703T0163041387")


def png_of(text: str) -> bytes:
    buffer = io.BytesIO()
    qrcode.make(text, border=4, box_size=8).save(buffer, format="PNG")
    return buffer.getvalue()


def payload_of(session, stall) -> str:
    return session.exec(select(PaymentAccount.payload).where(
        PaymentAccount.stall_id == stall.id, PaymentAccount.is_primary.is_(True))).one()


@pytest.mark.parametrize("fmt", ["a6", "a5", "a4", "sticker", "png"])
def test_stall_poster_download_scans_to_the_stored_payload(client, auth, session, market, people,
                                                           make_stall, fmt):
    stall = make_stall(market, people["lan"])
    auth.login("lan")
    response = client.get(f"/stalls/{stall.id}/poster?format={fmt}")
    assert response.status_code == 200
    data = response.get_data()
    if fmt == "png":
        assert response.mimetype == "image/png"
        texts = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))]
    else:
        assert response.mimetype == "application/pdf"
        texts = decode_pages(data)[0]
    assert texts == [payload_of(session, stall)]
    # Named for the stall and the format, the format once ("poster-A-1-png.png" before).
    assert response.headers["Content-Disposition"] == 'attachment; filename="{}"'.format(
        {"png": f"poster-{stall.stall_code}.png"}.get(
            fmt, f"poster-{stall.stall_code}-{fmt}.pdf"))
    # Downloading is not printing: nothing is recorded until the volunteer says so.
    assert session.exec(select(Poster)).all() == []


def test_poster_needs_a_bank_account(client, auth, session, market, people):
    census = Stall(market_id=market.id, stall_code="Z-1", sort_key="z-1", public_code="ZZZZ1111")
    session.add(census)
    session.commit()
    auth.login("lan")
    response = client.get(f"/stalls/{census.id}/poster?format=a6")
    assert response.status_code == 422


def test_batch_is_one_pdf_in_zone_then_natural_code_order(client, auth, session, market, people,
                                                          make_stall):
    codes = [("Khu B", "B-1"), ("Khu A", "A-10"), ("Khu A", "A-2"), ("Khu A", "A-1")]
    made = {}
    for number, (zone, code) in enumerate(codes):
        made[code] = make_stall(market, people["lan"], zone=zone, stall_code=code,
                                account_number=f"10{number}2030", owner_phone="")
    auth.login("hung")
    response = client.get(f"/m/{market.code}/posters.pdf?format=a6")
    assert response.status_code == 200
    pages = decode_pages(response.get_data())
    expected = [payload_of(session, made[c]) for c in ("A-1", "A-2", "A-10", "B-1")]
    assert [p[0] for p in pages] == expected


def test_recording_a_batch_prints_each_stall_once(client, auth, session, market, people,
                                                  make_stall):
    for number in range(3):
        make_stall(market, people["lan"], stall_code=f"A-{number + 1}",
                   account_number=f"55{number}6600", owner_phone="")
    auth.login("hung")
    form = _batch_form(client, market, "?status=")
    assert client.post(f"/m/{market.code}/posters/printed", data=form).status_code == 302
    assert client.post(f"/m/{market.code}/posters/printed", data=form).status_code == 302
    statuses = session.exec(select(Stall.status)).all()
    assert statuses == ["poster_printed"] * 3
    assert len(session.exec(select(Poster)).all()) == 3
    kinds = session.exec(select(Event.kind).where(Event.kind == "poster_printed")).all()
    assert len(kinds) == 3


def test_volunteers_cannot_print_a_market_batch(client, auth, market, people):
    auth.login("lan")
    assert client.get(f"/m/{market.code}/posters").status_code == 403
    assert client.post(f"/m/{market.code}/posters/printed",
                       data={"batch_id": "batch-0000000002"}).status_code == 403


def test_verification_page_shows_revoked_after_a_bank_change(client, auth, session, market,
                                                            people, make_stall):
    stall = make_stall(market, people["lan"])
    auth.login("lan")
    client.post(f"/stalls/{stall.id}/events/poster_printed",
                data={"client_id": str(uuid.uuid4()), "format": "a6"})
    auth.logout()
    page = client.get(f"/v/{stall.public_code.lower()}").get_data(as_text=True)
    assert "Mã xác minh hợp lệ" in page and "•••• 5678" in page and "0011012345678" not in page
    session.refresh(stall)
    stall_service.change_account(session, actor=people["lan"], stall=stall, market=market,
                                 raw={"bank": "970422", "account_number": "777788889999"},
                                 client_id=str(uuid.uuid4()))
    page = client.get(f"/v/{stall.public_code}").get_data(as_text=True)
    assert "THU HỒI" in page
    # The account shown is the one the stall has now, and said to be: a customer holding the
    # revoked poster read a bank that matched nothing in their hand.
    assert "•••• 9999" in page and "•••• 5678" not in page
    assert ("Ngân hàng, chủ tài khoản và số tài khoản dưới đây là tài khoản gian hàng dùng "
            "hiện nay, không phải tài khoản trên poster đã thu hồi.") in page


def test_photo_check_tells_match_foreign_and_garbage(client, session, market, people, make_stall):
    stall = make_stall(market, people["lan"])
    url = f"/v/{stall.public_code}"
    own = client.post(url, data={"photo": (io.BytesIO(png_of(payload_of(session, stall))),
                                           "qr.png")})
    assert "đúng tài khoản đã đăng ký" in own.get_data(as_text=True)
    fake = build_payload(bank="970422", account="99998888777")
    foreign = client.post(url, data={"photo": (io.BytesIO(png_of(fake)), "qr.png")})
    text = foreign.get_data(as_text=True)
    assert "KHÔNG phải tài khoản đã đăng ký" in text and "8777" in text
    website = client.post(url, data={"photo": (io.BytesIO(png_of("https://example.com")),
                                               "qr.png")})
    assert "không phải mã chuyển khoản VietQR" in website.get_data(as_text=True)
    garbage = client.post(url, data={"photo": (io.BytesIO(b"not an image"), "x.jpg")})
    assert garbage.status_code == 422


def test_photo_check_is_rate_limited(app, client, market, people, make_stall):
    app.config["PUBLIC_CHECK_LIMIT"] = 2
    stall = make_stall(market, people["lan"])
    statuses = [client.post(f"/v/{stall.public_code}",
                            data={"photo": (io.BytesIO(png_of("x")), "q.png")}).status_code
                for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_scan_to_register_fills_bank_and_account(client, auth, market, people):
    auth.login("lan")
    owner_qr = build_payload(bank="970415", account="108002345678")
    response = client.post(f"/m/{market.code}/stalls/new", data={
        "action": "scan", "client_id": "scan-key-000001", "shop_name": "Gạo Út",
        "qr_photo": (io.BytesIO(png_of(owner_qr)), "owner.png")})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="VietinBank"' in page and 'value="108002345678"' in page
    assert 'value="Gạo Út"' in page  # what was typed is kept


def test_scan_to_register_explains_a_vnpay_code(client, auth, market, people):
    auth.login("lan")
    response = client.post(f"/m/{market.code}/stalls/new", data={
        "action": "scan", "client_id": "scan-key-000002",
        "qr_photo": (io.BytesIO(png_of(VNPAY_MERCHANT)), "vnpay.png")})
    assert response.status_code == 422
    assert "VNPAY-QR" in response.get_data(as_text=True)


def test_scan_to_register_reads_a_bank_newer_than_the_list_and_asks_to_pick_it(client, auth,
                                                                             market, people):
    from merchant_onboard.domain.banks import BankRegistry

    newer = BankRegistry.from_text("bin,code,short_name,name\n970499,NEW,NewBank,Mới\n")
    owner_qr = build_payload(bank="970499", account="555566667777", registry=newer)
    auth.login("lan")
    response = client.post(f"/m/{market.code}/stalls/new", data={
        "action": "scan", "client_id": "scan-key-000009",
        "qr_photo": (io.BytesIO(png_of(owner_qr)), "owner.png")})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="555566667777"' in page and "970499" in page and "hãy chọn" in page


def test_recheck_photo_of_a_fake_overlay_is_flagged(client, auth, session, market, people,
                                                    make_stall):
    stall = make_stall(market, people["lan"])
    auth.login("lan")
    for kind in ("poster_printed", "poster_installed"):
        client.post(f"/stalls/{stall.id}/events/{kind}", data={"client_id": str(uuid.uuid4())})
    fake = build_payload(bank="970422", account="99998888777")
    response = client.post(f"/stalls/{stall.id}/events/recheck", data={
        "client_id": str(uuid.uuid4()), "poster_photo": (io.BytesIO(png_of(fake)), "p.png")})
    assert response.status_code == 200
    assert 'data-result="foreign"' in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Stall, stall.id).recheck_mismatch is True
    page = client.get(f"/stalls/{stall.id}").get_data(as_text=True)
    assert "dán đè" in page


def test_batch_errors_are_messages_not_broken_files(client, auth, market, people, make_stall):
    auth.login("hung")
    empty = client.get(f"/m/{market.code}/posters.pdf?format=a6")
    assert empty.status_code == 422
    make_stall(market, people["lan"])
    too_many = client.get(f"/m/{market.code}/posters.pdf?format=sticker&skip=99")
    assert too_many.status_code == 422
    png = client.get(f"/m/{market.code}/posters.pdf?format=png")
    assert png.status_code == 422


@pytest.mark.parametrize(("query", "field", "message"), [
    ("format=zz", "format", "Khổ poster không hợp lệ"),
    ("status=census", "status", ""),
])
def test_a_batch_page_asked_wrongly_marks_the_field_and_says_why(client, auth, market, people,
                                                                  query, field, message):
    """``?format=zz`` said only "Vui lòng sửa các mục được đánh dấu." with no field marked."""
    auth.login("hung")
    page = client.get(f"/m/{market.code}/posters?{query}").get_data(as_text=True)
    select = re.search(rf'<select id="f-{field}"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in select and f'aria-describedby="e-{field}"' in select
    error = re.search(rf'<p class="error" id="e-{field}">([^<]+)</p>', page).group(1)
    assert message in error


def test_sticker_batch_on_a_partly_used_sheet(client, auth, session, market, people, make_stall):
    stall = make_stall(market, people["lan"])
    auth.login("hung")
    response = client.get(f"/m/{market.code}/posters.pdf?format=sticker&skip=2")
    assert response.status_code == 200
    assert decode_pages(response.get_data()) == [[payload_of(session, stall)]]
    page = client.get(f"/m/{market.code}/posters?format=sticker&skip=2").get_data(as_text=True)
    assert "skip=2" in page


def test_slots_skipped_on_a_sticker_sheet_never_break_another_formats_download(
        client, auth, session, market, people, make_stall):
    """Switched from a part-used sticker sheet to A6, the page kept "skip 3" and its
    download answered a bare 422 ("from 0 to 0") with no way back. Skipping is the sticker
    sheet's: another format skips nothing; a sheet's skip it does not have is said under
    the field, with no download offered."""
    stall = make_stall(market, people["lan"])
    auth.login("hung")
    page = client.get(f"/m/{market.code}/posters?format=a6&skip=3").get_data(as_text=True)
    link = re.search(r'href="(/m/[^"]+/posters\.pdf[^"]*)"', page).group(1).replace("&amp;", "&")
    assert "skip=0" in link
    download = client.get(link)
    assert download.status_code == 200
    assert decode_pages(download.get_data()) == [[payload_of(session, stall)]]
    wrong = client.get(f"/m/{market.code}/posters?format=sticker&skip=9").get_data(as_text=True)
    assert re.search(r'<p class="error" id="e-skip">Số ô bỏ qua phải từ 0 đến 8.</p>', wrong)
    assert 'aria-describedby="e-skip"' in wrong and "posters.pdf" not in wrong


def test_scan_to_register_takes_the_text_the_phone_read_and_checks_it(client, auth, market,
                                                                     people):
    auth.login("lan")
    url = f"/m/{market.code}/stalls/new"
    owner_qr = build_payload(bank="970415", account="108002345678")
    response = client.post(url, data={"action": "scan", "client_id": "scan-key-000003",
                                      "shop_name": "Gạo Út", "qr_text": owner_qr})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="VietinBank"' in page and 'value="108002345678"' in page
    assert 'value="Gạo Út"' in page
    # The browser's word is not trusted: the server parses the text as it would a photo.
    vnpay = client.post(url, data={"action": "scan", "client_id": "scan-key-000004",
                                   "qr_text": VNPAY_MERCHANT})
    assert vnpay.status_code == 422 and "VNPAY-QR" in vnpay.get_data(as_text=True)
    broken = client.post(url, data={"action": "scan", "client_id": "scan-key-000005",
                                    "qr_text": owner_qr[:-4] + "0000"})
    assert broken.status_code == 422 and "108002345678" not in broken.get_data(as_text=True)
    # The owner's MoMo code is a wallet's, not the bank account a VietQR poster needs.
    momo = client.post(url, data={"action": "scan", "client_id": "scan-key-000006",
                                  "qr_text": "2|99|0901234567|NGUYEN VAN A||0|0|0||transfer_myqr"})
    assert momo.status_code == 422 and "mã ví điện tử (MoMo" in momo.get_data(as_text=True)


def test_recheck_result_is_said_at_the_top_of_the_recheck_page(client, auth, market, people,
                                                            session, make_stall):
    stall = make_stall(market, people["lan"])
    auth.login("lan")
    for kind in ("poster_printed", "poster_installed"):
        client.post(f"/stalls/{stall.id}/events/{kind}", data={"client_id": str(uuid.uuid4())})
    own = png_of(payload_of(session, stall))
    page = client.post(f"/stalls/{stall.id}/events/recheck", data={
        "client_id": str(uuid.uuid4()), "poster_photo": (io.BytesIO(own), "p.png")},
    ).get_data(as_text=True)
    said = page.index('data-result="match"')
    assert said < page.index('name="poster_photo"')  # the verdict, then the form again


def test_public_photo_check_answer_comes_before_the_stall_facts(client, session, market,
                                                               people, make_stall):
    stall = make_stall(market, people["lan"])
    fake = build_payload(bank="970422", account="99998888777")
    page = client.post(f"/v/{stall.public_code}", data={
        "photo": (io.BytesIO(png_of(fake)), "qr.png")}).get_data(as_text=True)
    assert page.index("KHÔNG phải tài khoản đã đăng ký") < page.index('class="facts"')


def test_poster_printed_form_says_what_it_records_and_offers_the_downloads(client, auth, market,
                                                                          people, make_stall):
    stall = make_stall(market, people["lan"])
    auth.login("lan")
    stall_page = client.get(f"/stalls/{stall.id}").get_data(as_text=True)
    assert 'data-event="poster_printed"' in stall_page and ">Đã in poster</a>" in stall_page
    form = client.get(f"/stalls/{stall.id}/events/poster_printed").get_data(as_text=True)
    for fmt in ("a6", "a5", "a4", "sticker", "png"):
        assert f'href="/stalls/{stall.id}/poster?format={fmt}"' in form


def test_batch_page_offers_the_stalls_not_yet_printed_by_default(client, auth, market, people,
                                                                make_stall):
    printed, fresh = (make_stall(market, people["lan"], stall_code=code, owner_phone="",
                                 account_number=number)
                      for code, number in (("A-1", "11112222"), ("A-2", "33334444")))
    auth.login("lan")
    client.post(f"/stalls/{printed.id}/events/poster_printed",
                data={"client_id": str(uuid.uuid4())})
    auth.logout()
    auth.login("hung")
    page = client.get(f"/m/{market.code}/posters").get_data(as_text=True)
    assert "<strong>1 poster</strong>" in page
    assert 'name="status" value="registered"' in page
    everything = client.get(f"/m/{market.code}/posters?status=").get_data(as_text=True)
    assert "<strong>2 poster</strong>" in everything


def test_a_batch_with_nothing_to_print_says_so_and_offers_no_download(
        client, auth, market, people, make_stall, make_market, make_user):
    """Manager review item 7: with every poster printed the page still offered "Tải tệp PDF",
    which led to a bare "422" page. It now says so, links every registered stall, and offers
    neither the download nor the record button."""
    stall = make_stall(market, people["lan"], owner_phone="")
    auth.login("lan")
    client.post(f"/stalls/{stall.id}/events/poster_printed",
                data={"client_id": str(uuid.uuid4())})
    auth.logout()
    auth.login("hung")
    empty = make_market("cho-moi")
    make_user("tam", role="manager", markets=[empty])
    page = client.get(f"/m/{market.code}/posters").get_data(as_text=True)
    assert "Mọi gian hàng đã in poster." in page
    assert "posters.pdf" not in page and "Tải tệp PDF" not in page
    assert "Ghi nhận đã in lô này" not in page
    assert f'href="/m/{market.code}/posters?status="' in page
    # Another filter with nothing in it says that nothing matches.
    other = client.get(f"/m/{market.code}/posters?status=poster_installed").get_data(
        as_text=True)
    assert "Không có gian hàng nào phù hợp để in." in other and "posters.pdf" not in other
    # A market with no stall yet has not "printed every poster".
    auth.logout()
    auth.login("tam")
    new = client.get(f"/m/{empty.code}/posters").get_data(as_text=True)
    assert "Mọi gian hàng đã in poster." not in new and "posters.pdf" not in new
    assert "Không có gian hàng nào phù hợp để in." in new


def _batch_form(client, market, query=""):
    page = client.get(f"/m/{market.code}/posters{query}").get_data(as_text=True)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    fields.pop("csrf_token", None)
    return fields


def test_recording_a_batch_twice_after_going_back_records_it_once(client, auth, session, market,
                                                                  people, make_stall):
    for number in range(2):
        make_stall(market, people["lan"], stall_code=f"A-{number + 1}", owner_phone="",
                   account_number=f"77{number}1234")
    auth.login("hung")
    # Every registered stall: after recording, the same stalls are still in the batch, and the
    # page opened again (Back reloads it) names the same batch.
    first = _batch_form(client, market, "?status=")
    assert client.post(f"/m/{market.code}/posters/printed", data=first).status_code == 302
    again = _batch_form(client, market, "?status=")
    assert again == first
    client.post(f"/m/{market.code}/posters/printed", data=again)
    assert len(session.exec(select(Poster)).all()) == 2
    # Another format is another batch.
    assert _batch_form(client, market, "?status=&format=a4")["batch_id"] != first["batch_id"]


def test_a_batch_that_changed_since_its_page_is_neither_downloaded_nor_recorded(
        client, auth, session, market, people, make_stall):
    """The page names the batch it shows; its PDF link and its "record" button carry that
    name. A stall registered meanwhile was not on the page: the download sends the manager
    back to the page as it stands, and the record refuses, both saying why."""
    make_stall(market, people["lan"], stall_code="A-1", owner_phone="", account_number="7701234")
    auth.login("hung")
    page = client.get(f"/m/{market.code}/posters?status=").get_data(as_text=True)
    link = re.search(r'href="(/m/[^"]+/posters\.pdf\?[^"]+)"', page).group(1).replace("&amp;", "&")
    form = _batch_form(client, market, "?status=")
    assert f"batch={form['batch_id']}" in link
    assert client.get(link).status_code == 200  # unchanged: the PDF

    make_stall(market, people["lan"], stall_code="A-2", owner_phone="", account_number="7705678")
    for send in (lambda: client.get(link),
                 lambda: client.post(f"/m/{market.code}/posters/printed", data=form)):
        response = send()
        assert response.status_code == 302
        assert response.headers["Location"].startswith(f"/m/{market.code}/posters?")
        shown = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Danh sách poster đã thay đổi từ khi mở trang" in shown
        assert "2 poster" in shown
    assert session.exec(select(Poster)).all() == []
    assert session.exec(select(Stall.status)).all() == ["registered", "registered"]
    # The page as it stands records.
    fresh = _batch_form(client, market, "?status=")
    assert fresh["batch_id"] != form["batch_id"]
    assert client.post(f"/m/{market.code}/posters/printed", data=fresh).status_code == 302
    assert len(session.exec(select(Poster)).all()) == 2


@pytest.mark.parametrize("kind", ["refused", "inactive"])
def test_no_poster_is_offered_or_made_for_a_stall_refused_or_closed(client, auth, api_token,
                                                                    session, market, people,
                                                                    make_stall, kind):
    """A refused stall's page offered its posters (a working QR) while its public page told
    customers not to pay it."""
    stall = make_stall(market, people["lan"])
    data = {"reason": "prefers_cash"} if kind == "refused" else None
    onboarding.record_event(session, actor=people["lan"], stall=stall, kind=kind, data=data,
                            client_id=str(uuid.uuid4()))
    auth.login("lan")
    page = client.get(f"/stalls/{stall.id}").get_data(as_text=True)
    assert 'class="poster-links"' not in page and 'id="no-poster"' in page
    assert "<svg" not in page.split('class="card account"')[1], "nor its QR to screenshot"
    refused = client.get(f"/stalls/{stall.id}/poster?format=png")
    assert refused.status_code == 422 and "không in poster" in refused.get_data(as_text=True)
    api = client.get(f"/api/v1/stalls/{stall.id}/poster?format=a6", headers=api_token("lan"))
    assert api.status_code == 422 and api.content_type == "application/problem+json"
