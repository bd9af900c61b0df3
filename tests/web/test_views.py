"""The volunteer's pages: forms that say what is wrong in Vietnamese and change nothing."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlmodel import select

from merchant_onboard.models import Event, Stall, User
from tests.factories import TEST_PASSWORD, stall_fields


@pytest.fixture
def market(make_market):
    return make_market("cho-vi-thanh", name="Chợ Vị Thanh")


@pytest.fixture
def logged_in(client, auth, make_user, market):
    make_user("lan", markets=[market])
    auth.login("lan")
    return client


def stall_count(session):
    return session.exec(select(sa.func.count()).select_from(Stall)).one()


def form(**overrides):
    fields = stall_fields(**{"client_id": "form-key-00000001", "consent": "on", **overrides})
    return {k: v for k, v in fields.items() if v not in (None, "")}


def test_register_form_then_stall_page(logged_in, session, market):
    response = logged_in.post(f"/m/{market.code}/stalls/new",
                              data=form(owner_name="Đặng Thị Hồng"))
    assert response.status_code == 302
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tạp hoá Cô Ba" in page and "DANG THI HONG" in page
    assert "Đã đăng ký" in page
    # The next step offered is printing the poster, and the QR is drawn inline.
    assert 'data-event="poster_printed"' in page and "<svg" in page


def test_register_form_shows_vietnamese_errors_and_saves_nothing(logged_in, session, market):
    response = logged_in.post(f"/m/{market.code}/stalls/new",
                              data=form(owner_phone="123", consent="", bank="zzz"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Cần chủ gian hàng đồng ý" in page
    assert "Chọn ngân hàng trong danh sách" in page
    assert 'aria-invalid="true"' in page
    # What was typed is kept so the volunteer only fixes the wrong fields.
    assert 'value="Tạp hoá Cô Ba"' in page
    assert stall_count(session) == 0


def test_a_stall_code_with_an_accented_letter_is_told_to_drop_the_accent(logged_in, session,
                                                                         market):
    page = logged_in.post(f"/m/{market.code}/stalls/new",
                          data=form(stall_code="Ô-1")).get_data(as_text=True)
    assert "chữ cái không dấu" in page
    assert stall_count(session) == 0


def test_each_page_title_ends_with_the_apps_name_not_the_packages(logged_in, market):
    """Browser tabs and the phone's task list showed "… · merchant_onboard"."""
    page = logged_in.get(f"/m/{market.code}/").get_data(as_text=True)
    assert f"<title>{market.name} · Số hoá chợ</title>" in page
    english = logged_in.get("/login?lang=en").get_data(as_text=True)
    assert "merchant_onboard</title>" not in english


def test_a_language_chosen_in_a_link_holds_through_the_way_to_the_login(client, market):
    """A link "…/m/cho-vi-thanh/?lang=en" sent to someone logged out led to the Vietnamese
    login page, and kept Vietnamese afterwards: the choice was read only where a page was
    drawn, never by the redirect to the login."""
    moved = client.get(f"/m/{market.code}/?lang=en")
    assert moved.status_code == 302
    page = client.get(moved.headers["Location"]).get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in" in page
    assert '<html lang="en">' in client.get("/no-such-page").get_data(as_text=True)


def test_double_submit_registers_once(logged_in, session, market):
    first = logged_in.post(f"/m/{market.code}/stalls/new", data=form())
    second = logged_in.post(f"/m/{market.code}/stalls/new", data=form())
    assert first.headers["Location"] == second.headers["Location"]
    assert stall_count(session) == 1


def test_phone_warning_then_confirmation(logged_in, session, market):
    logged_in.post(f"/m/{market.code}/stalls/new", data=form())
    data = form(stall_code="A-2", account_number="22223333", client_id="form-key-00000002")
    warned = logged_in.post(f"/m/{market.code}/stalls/new", data=data)
    assert warned.status_code == 422
    assert "Số điện thoại này đã dùng cho gian hàng A-1" in warned.get_data(as_text=True)
    confirmed = logged_in.post(f"/m/{market.code}/stalls/new", data={**data, "confirm_phone": "on"})
    assert confirmed.status_code == 302
    assert stall_count(session) == 2


def test_the_phone_warning_comes_with_the_forms_other_mistakes(logged_in, session, market):
    """A phone another stall has was said only once every other mistake was fixed: a
    volunteer at the stall sent the form a third time to learn of it."""
    logged_in.post(f"/m/{market.code}/stalls/new", data=form())
    data = form(stall_code="A-2", account_number="", client_id="form-key-00000003")
    refused = logged_in.post(f"/m/{market.code}/stalls/new", data=data)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'id="e-account_number"' in page  # the mistake…
    assert "Số điện thoại này đã dùng cho gian hàng A-1" in page  # …and the warning
    assert 'name="confirm_phone"' in page
    assert 'id="e-owner_phone"' not in page  # a warning to confirm, not a mistake
    fixed = logged_in.post(f"/m/{market.code}/stalls/new", data={
        **data, "account_number": "22223333", "confirm_phone": "on"})
    assert fixed.status_code == 302
    assert stall_count(session) == 2


def test_stall_list_search_and_filter(logged_in, make_stall, session, market):
    from merchant_onboard.services.users import require_user

    lan = require_user(session, "lan")
    make_stall(market, lan, stall_code="B-10", shop_name="Cá đồng Út", account_number="101010",
               owner_phone="")
    make_stall(market, lan, stall_code="B-9", shop_name="Bún riêu Hồng", account_number="909090",
               owner_phone="")
    page = logged_in.get(f"/m/{market.code}/").get_data(as_text=True)
    assert page.index("B-9") < page.index("B-10")
    found = logged_in.get(f"/m/{market.code}/?q=bun+rieu").get_data(as_text=True)
    assert "Bún riêu Hồng" in found and "Cá đồng Út" not in found
    none = logged_in.get(f"/m/{market.code}/?status=refused").get_data(as_text=True)
    assert "Không có gian hàng phù hợp" in none


def test_search_finds_a_stall_code_typed_without_its_dash_and_a_whole_phone(
        logged_in, make_stall, make_user, session, market):
    from merchant_onboard.services.users import require_user

    lan = require_user(session, "lan")
    make_stall(market, lan, stall_code="A-1", shop_name="Rau Cô Ba", account_number="111222",
               owner_phone="0912345678")
    make_stall(market, lan, stall_code="B-2", shop_name="Cá Út", account_number="333444",
               owner_phone="0987654321")
    for query in ("a1", "A 1", "a-1", "0912 345 678", "+84912345678"):
        found = logged_in.get(f"/m/{market.code}/", query_string={"q": query})
        page = found.get_data(as_text=True)
        assert "Rau Cô Ba" in page and "Cá Út" not in page, query
    # Its last digits find it for a volunteer, who sees the owners' phones in full...
    part = logged_in.get(f"/m/{market.code}/", query_string={"q": "345678"}).get_data(as_text=True)
    assert "Rau Cô Ba" in part and "Cá Út" not in part
    none = logged_in.get(f"/m/{market.code}/", query_string={"q": "9999"}).get_data(as_text=True)
    assert "Không có gian hàng phù hợp." in none and "bằng cả số" not in none
    # ...but not for an admin, who sees them masked: searching by parts would spell a number
    # out digit by digit.
    logged_in.post("/logout")
    make_user("root", role="admin")
    logged_in.post("/login", data={"username": "root", "password": TEST_PASSWORD})
    part = logged_in.get(f"/m/{market.code}/", query_string={"q": "345678"}).get_data(as_text=True)
    assert "Rau Cô Ba" not in part and "bằng cả số" in part, "and is told why"
    whole = logged_in.get(f"/m/{market.code}/", query_string={"q": "0912345678"})
    assert "Rau Cô Ba" in whole.get_data(as_text=True)


def test_event_form_records_and_redirects(logged_in, make_stall, session, market):
    from merchant_onboard.services.users import require_user

    stall = make_stall(market, require_user(session, "lan"))
    response = logged_in.post(f"/stalls/{stall.id}/events/poster_printed",
                              data={"client_id": "evt-key-000001", "format": "a6"})
    assert response.status_code == 302
    early = logged_in.post(f"/stalls/{stall.id}/events/test_payment_verified",
                           data={"client_id": "evt-key-000002"})
    assert early.status_code == 409
    logged_in.post(f"/stalls/{stall.id}/events/poster_installed",
                   data={"client_id": "evt-key-000003"})
    bad = logged_in.post(f"/stalls/{stall.id}/events/test_payment_verified",
                         data={"client_id": "evt-key-000004"})
    assert bad.status_code == 422
    assert "Chỉ xác nhận khi ứng dụng ngân hàng hiện đúng tên" in bad.get_data(as_text=True)
    kinds = session.exec(select(Event.kind).where(Event.stall_id == stall.id)).all()
    assert sorted(kinds) == ["poster_installed", "poster_printed", "registered"]


def test_a_step_the_stall_is_past_says_so_in_words_above_the_form(logged_in, make_stall,
                                                                  session, market):
    """A step recorded twice (a double tap, two volunteers at one stall, the phone sending
    what it kept) was refused with "fix the marked fields" and nothing marked; the phone's
    pending list could only say "HTTP 409". The page now says why, naming the step and the
    status as the pages do, where the phone reads a refusal's reason."""
    from merchant_onboard.services.users import require_user

    stall = make_stall(market, require_user(session, "lan"))
    for client_id in ("evt-key-000011", "evt-key-000012"):
        logged_in.post(f"/stalls/{stall.id}/events/poster_printed",
                       data={"client_id": client_id, "format": "a6"})
    assert logged_in.post(f"/stalls/{stall.id}/events/poster_installed",
                          data={"client_id": "evt-key-000013"}).status_code == 302
    again = logged_in.post(f"/stalls/{stall.id}/events/poster_installed",
                           data={"client_id": "evt-key-000014"})
    assert again.status_code == 409
    page = again.get_data(as_text=True)
    assert ('<div class="alert" role="alert"><p>Không thể ghi “Dán poster” khi gian hàng đang '
            'ở trạng thái “Đã dán poster”.</p>') in re.sub(r">\s+<", "><", page)
    assert "Vui lòng sửa các mục được đánh dấu." not in page
    logged_in.get("/lang/en")
    english = logged_in.post(f"/stalls/{stall.id}/events/poster_installed",
                             data={"client_id": "evt-key-000015"}).get_data(as_text=True)
    assert "poster_installed" not in re.sub(r'(action|href)="[^"]*"', "", english)
    kinds = session.exec(select(Event.kind).where(Event.stall_id == stall.id)).all()
    assert sorted(kinds) == ["poster_installed", "poster_printed", "poster_printed",
                             "registered"]


def walk_by_form(client, stall, steps):
    for index, (kind, data) in enumerate(steps):
        response = client.post(f"/stalls/{stall.id}/events/{kind}",
                               data={"client_id": f"walk-key-{index:06d}", **data})
        assert response.status_code == 302, response.get_data(as_text=True)


INSTALLED = [("poster_printed", {"format": "a6"}), ("poster_installed", {})]
TESTED = [*INSTALLED, ("test_payment_verified", {"amount": "2.000", "name_matches": "on",
                                                 "owner_confirmed": "on"})]


@pytest.mark.parametrize(("kind", "data", "field", "message", "before"), [
    ("test_payment_verified", {"amount": "²", "name_matches": "on", "owner_confirmed": "on"},
     "amount", "Số tiền là số nguyên VND lớn hơn 0.", INSTALLED),
    ("test_payment_verified", {"amount": "2,5", "name_matches": "on", "owner_confirmed": "on"},
     "amount", "Số tiền là số nguyên VND lớn hơn 0.", INSTALLED),
    ("first_payment_confirmed", {"amount": "2000.0", "customer_payment": "on"},
     "amount", "Số tiền là số nguyên VND lớn hơn 0.", TESTED),
    ("first_payment_confirmed", {"amount": "20.000", "paid_at": "0001-01-01T00:00",
                                 "customer_payment": "on"},
     "paid_at", "Thời điểm thanh toán không hợp lệ.", TESTED),
    ("first_payment_confirmed", {"amount": "20.000", "paid_at": "2026-11-01T07:00",
                                 "customer_payment": "on"},
     "paid_at", "Thời điểm thanh toán không thể trước lúc gian hàng được đăng ký", TESTED),
    ("poster_printed", {"format": "bogus"},
     "format", "Khổ poster không hợp lệ (a6, a5, a4, sticker, png).", []),
    ("refused", {"reason": "other", "note": ""},
     "note", "Ghi rõ lý do khác vào ghi chú.", []),
])
def test_an_event_form_says_what_is_wrong_next_to_the_field_and_records_nothing(
        logged_in, make_stall, session, market, kind, data, field, message, before):
    from merchant_onboard.services.users import require_user

    stall = make_stall(market, require_user(session, "lan"))
    walk_by_form(logged_in, stall, before)
    response = logged_in.post(f"/stalls/{stall.id}/events/{kind}",
                              data={"client_id": "bad-key-000001", **data})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    shown = page.split(f'name="{field}"', 1)[1]
    assert message in shown.split("</div>", 1)[0]
    kinds = session.exec(select(Event.kind).where(Event.stall_id == stall.id)).all()
    assert len(kinds) == 1 + len(before)


def test_the_history_shows_when_the_first_customer_paid(logged_in, session, market):
    import uuid
    from datetime import UTC, datetime, timedelta, timezone

    from merchant_onboard.services.stalls import register_stall
    from merchant_onboard.services.users import require_user

    registered = datetime.now(UTC) - timedelta(hours=5)
    stall = register_stall(session, actor=require_user(session, "lan"), market=market,
                           raw=stall_fields(), client_id=str(uuid.uuid4()), confirm_phone=True,
                           at=registered).stall
    paid = registered.astimezone(timezone(timedelta(hours=7))) + timedelta(hours=1)
    walk_by_form(logged_in, stall, [*TESTED, ("first_payment_confirmed", {
        "amount": "20.000", "paid_at": f"{paid:%Y-%m-%dT%H:%M}", "customer_payment": "on"})])
    page = logged_in.get(f"/stalls/{stall.id}").get_data(as_text=True)
    entry = page.split('data-kind="first_payment_confirmed"', 1)[1].split("</li>", 1)[0]
    assert f"Thời điểm thanh toán: {paid:%H:%M} {paid.day}/{paid.month}/{paid:%y}" in entry


def test_unknown_event_kind_is_404(logged_in, make_stall, session, market):
    from merchant_onboard.services.users import require_user

    stall = make_stall(market, require_user(session, "lan"))
    assert logged_in.get(f"/stalls/{stall.id}/events/registered").status_code == 404


def test_english_is_available(logged_in, market):
    page = logged_in.get(f"/m/{market.code}/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page


def test_the_language_link_switches_even_from_a_page_opened_with_lang(logged_in, market):
    english = logged_in.get(f"/m/{market.code}/?lang=en&status=registered").get_data(
        as_text=True)
    link = english.split('hreflang="vi"', 1)[0].rsplit('href="', 1)[1].split('"', 1)[0]
    back = logged_in.get(link.replace("&amp;", "&"))
    assert back.status_code == 302
    assert back.headers["Location"] == f"/m/{market.code}/?status=registered"
    page = logged_in.get(back.headers["Location"]).get_data(as_text=True)
    assert '<html lang="vi">' in page
    # Off-site targets are still refused.
    assert logged_in.get("/lang/en?next=//evil.example/").headers["Location"] == "/"


def test_forms_without_csrf_token_are_refused(app_with, session, make_market, make_user):
    app = app_with(WTF_CSRF_ENABLED=True)
    market = make_market("cho-csrf")
    make_user("lan", markets=[market])
    client = app.test_client()
    assert client.post("/login", data={"username": "lan", "password": "x"}).status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    from tests.factories import TEST_PASSWORD

    ok = client.post("/login", data={"username": "lan", "password": TEST_PASSWORD,
                                     "csrf_token": token})
    assert ok.status_code == 302
    refused = client.post(f"/m/{market.code}/stalls/new", data=form())
    assert refused.status_code == 400
    assert stall_count(session) == 0


def test_login_is_throttled_after_repeated_failures(client, make_user, market):
    make_user("lan", markets=[market])
    for _ in range(5):
        wrong = client.post("/login", data={"username": "lan", "password": "wrong"})
        assert wrong.status_code == 401
    blocked = client.post("/login", data={"username": "lan", "password": "correct-horse-42"})
    assert blocked.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in blocked.get_data(as_text=True)


def test_login_does_not_redirect_off_site(client, make_user, market):
    make_user("lan", markets=[market])
    response = client.post("/login?next=//evil.example/x",
                           data={"username": "lan", "password": "correct-horse-42"})
    assert response.headers["Location"] == "/"


#: Targets that are not a plain path on this site: CR/LF (Werkzeug refuses such a Location
#: header, and the login answered 500), other controls, and a backslash (browsers read "/\\evil"
#: as "//evil").
_UNSAFE_NEXT = ["/%0d%0aX:1", "/%0aX:1", "/%09/evil.example", "/%5Cevil.example/",
                "/%5C%5Cevil.example/", "/%7Fx", "/%C2%85x"]


@pytest.mark.parametrize("target", _UNSAFE_NEXT)
def test_login_with_an_unsafe_next_goes_home(client, make_user, market, target):
    make_user("lan", markets=[market])
    response = client.post(f"/login?next={target}",
                           data={"username": "lan", "password": "correct-horse-42"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", _UNSAFE_NEXT)
def test_language_switch_with_an_unsafe_next_goes_home(logged_in, target):
    response = logged_in.get(f"/lang/en?next={target}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_goes_on_to_a_same_site_next(client, make_user, market):
    make_user("lan", markets=[market])
    response = client.post(f"/login?next=/m/{market.code}/%3Fq%3Db%25C3%25BAn",
                           data={"username": "lan", "password": "correct-horse-42"})
    assert response.headers["Location"] == f"/m/{market.code}/?q=b%C3%BAn"


def test_session_cookie_is_http_only_and_lax(client, make_user, market):
    make_user("lan", markets=[market])
    response = client.post("/login", data={"username": "lan", "password": "correct-horse-42"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_pages_carry_security_headers(client, auth, market, make_user):
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Cache-Control" not in response.headers
    make_user("lan", markets=[market])
    auth.login("lan")
    # Signed in, pages are private; a response that set its own cache rule keeps it alone.
    page = client.get(f"/m/{market.code}/")
    assert page.headers.getlist("Cache-Control") == ["private, no-store"]
    assert page.headers.getlist("X-Frame-Options") == ["DENY"]


def test_https_answers_tell_browsers_to_stay_on_https(app, client):
    # A volunteer who once reached the service over HTTPS is never sent over plain HTTP
    # again (a market's open Wi-Fi rewriting a typed http:// link to steal the session).
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    # Over plain HTTP browsers ignore the header (RFC 6797 §8.1): it is not sent.
    assert "Strict-Transport-Security" not in client.get("/login").headers
    app.config["HSTS_MAX_AGE"] = 0  # a deployment still moving to HTTPS turns it off
    assert "Strict-Transport-Security" not in client.get(
        "/login", base_url="https://localhost").headers


@pytest.mark.parametrize(("field", "value", "message"), [
    ("stall_code", "", "Nhập mã gian hàng"),
    ("stall_code", "A-1 <script>", "Mã gian hàng chỉ gồm chữ cái không dấu, chữ số"),
    ("shop_name", "", "Trường này bắt buộc"),
    ("owner_name", "", "Trường này bắt buộc"),
    ("owner_phone", "0123", ""),
    ("bank", "Ngân hàng không có", "Chọn ngân hàng trong danh sách"),
    ("account_number", "", "Nhập số tài khoản"),
    ("account_number", "12345678901234567890", ""),
    ("holder_name", "X" * 60, "Tên chủ tài khoản tối đa"),
    ("consent", "", "Cần chủ gian hàng đồng ý"),
    ("notes", "x" * 2001, "Tối đa 2.000 ký tự"),
])
def test_each_bad_form_field_is_named_and_nothing_is_saved(logged_in, session, market, field,
                                                           value, message):
    response = logged_in.post(f"/m/{market.code}/stalls/new", data={**form(), field: value})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="e-{field}"' in page or (field == "consent" and "has-error" in page)
    assert message in page
    assert stall_count(session) == 0


def test_a_step_that_does_not_apply_shows_no_form(logged_in, make_stall, session, market):
    from merchant_onboard.services.users import require_user

    stall = make_stall(market, require_user(session, "lan"))
    page = logged_in.get(f"/stalls/{stall.id}/events/first_payment_confirmed")
    text = page.get_data(as_text=True)
    assert "Bước này không áp dụng" in text and 'name="amount"' not in text
    allowed = logged_in.get(f"/stalls/{stall.id}/events/poster_printed").get_data(as_text=True)
    assert 'name="format"' in allowed and "Bước này không áp dụng" not in allowed


def test_an_onboarded_stall_shows_it_is_done_and_no_primary_step(logged_in, make_stall, session,
                                                                  market):
    import uuid

    from merchant_onboard.services import onboarding
    from merchant_onboard.services.users import require_user

    lan = require_user(session, "lan")
    stall = make_stall(market, lan)
    steps = [("poster_printed", {"format": "a6"}), ("poster_installed", None),
             ("test_payment_verified", {"amount": 2000, "name_matches": True,
                                        "owner_confirmed": True}),
             ("first_payment_confirmed", {"amount": 45000, "customer_payment": True})]
    before = logged_in.get(f"/stalls/{stall.id}").get_data(as_text=True)
    assert "Bước tiếp theo" in before and 'class="button primary" data-event' in before
    for kind, data in steps:
        onboarding.record_event(session, actor=lan, stall=stall, kind=kind, data=data,
                                client_id=str(uuid.uuid4()))
    page = logged_in.get(f"/stalls/{stall.id}").get_data(as_text=True)
    assert "Đã hoàn tất" in page and "Bước tiếp theo" not in page
    assert 'class="button primary" data-event' not in page
    assert 'class="button secondary" data-event="poster_printed"' in page  # a reprint, if needed


@pytest.mark.parametrize("holder", ["census", "registered"])
def test_a_taken_code_is_named_with_the_other_mistakes_and_links_to_its_stall(
        logged_in, session, market, make_user, holder):
    from merchant_onboard.domain.census import parse_census
    from merchant_onboard.models import Role
    from merchant_onboard.services import census

    if holder == "census":
        manager = make_user("thu", Role.MANAGER, markets=[market])
        census.apply_census(session, actor=manager, market=market,
                            rows=parse_census("Mã gian hàng,Chủ hộ\nB-2,Lê Văn Tư\n"
                                              .encode()).rows)
    else:
        logged_in.post(f"/m/{market.code}/stalls/new", data=form(stall_code="B-2"))
    before = stall_count(session)
    response = logged_in.post(f"/m/{market.code}/stalls/new",
                              data=form(stall_code="B-2", owner_phone="123",
                                        client_id="form-key-00000002",
                                        account_number="0011099999999"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    # Both at once: the code taken and the phone, not the second only after fixing the first.
    assert "Mã B-2 đã có trong chợ" in page and 'id="e-owner_phone"' in page
    stall_id = session.exec(select(Stall.id).where(Stall.stall_code == "B-2")).one()
    if holder == "census":
        assert f'formaction="/stalls/{stall_id}/register"' in page
        assert "Đăng ký gian hàng B-2 có sẵn trong danh sách" in page
    else:
        assert f'href="/stalls/{stall_id}"' in page and "Mở gian hàng B-2" in page
    assert stall_count(session) == before


def test_the_api_names_a_taken_code_with_the_other_mistakes(client, session, market,
                                                            make_user, make_stall, api_token):
    lan = make_user("lan", markets=[market])
    make_stall(market, lan, stall_code="B-2")
    response = client.post(f"/api/v1/markets/{market.code}/stalls", headers=api_token("lan"),
                           json={**stall_fields(stall_code="B-2", owner_phone="123",
                                                account_number="0011099999999"),
                                 "consent": True, "client_id": "api-key-000000001"})
    assert response.status_code == 422
    assert {"stall_code", "owner_phone"} <= set(response.get_json()["errors"])
    assert stall_count(session) == 1


def test_the_form_takes_a_khmer_name_and_refuses_an_emoji_in_vietnamese(logged_in, session,
                                                                          market):
    refused = logged_in.post(f"/m/{market.code}/stalls/new",
                             data=form(shop_name="Bún bò Srey 😀"))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Poster không in được các ký tự: 😀" in page
    assert stall_count(session) == 0
    taken = logged_in.post(f"/m/{market.code}/stalls/new",
                           data=form(shop_name="ហាងលក់បាយ ស្រីពៅ 陳記"))
    assert taken.status_code == 302
    assert "ហាងលក់បាយ ស្រីពៅ 陳記" in logged_in.get(taken.headers["Location"]).get_data(
        as_text=True)


def test_the_census_button_carries_the_typed_account_to_the_census_stall_form(
        logged_in, session, market, make_user):
    """The "already in the census" button posts what was typed to the census stall's form,
    which shows it with nothing written: it needs no script on the phone, so a tap before the
    page's script has run carries it too. The account always goes; a stall field only where
    the census left it empty."""
    from merchant_onboard.domain.census import parse_census
    from merchant_onboard.models import Event, Role
    from merchant_onboard.services import census

    manager = make_user("thu", Role.MANAGER, markets=[market])
    census.apply_census(session, actor=manager, market=market, rows=parse_census(
        "Mã gian hàng,Chủ hộ,Khu\nB-2,Lê Văn Tư,Khu B\n".encode()).rows)
    typed = form(stall_code="B-2", zone="Khu Z", shop_name="Trái cây Tư",
                 owner_name="Lê Văn Bốn", bank="970436", account_number="0011099999999",
                 holder_name="LE THI NAM", card="on")
    refused = logged_in.post(f"/m/{market.code}/stalls/new", data=typed)
    stall_id = session.exec(select(Stall.id).where(Stall.stall_code == "B-2")).one()
    page = refused.get_data(as_text=True)
    assert (f'formaction="/stalls/{stall_id}/register" name="action" value="carry"' in page)
    before = (stall_count(session), len(session.exec(select(Event)).all()))

    carried = logged_in.post(f"/stalls/{stall_id}/register", data={**typed, "action": "carry"})
    page = carried.get_data(as_text=True)
    assert carried.status_code == 200
    assert 'value="0011099999999"' in page and 'value="LE THI NAM"' in page
    assert 'name="bank" list="bank-list" value="970436"' in page
    assert 'name="card" value="on" checked' in page
    assert 'value="Trái cây Tư"' in page  # empty in the census: what was typed
    assert 'value="Khu B"' in page and 'value="Khu Z"' not in page  # the census's own
    assert 'value="Lê Văn Tư"' in page and "Lê Văn Bốn" not in page
    assert 'name="client_id" value="form-key-00000001"' not in page  # a fresh one
    assert "has-error" not in page and 'class="alert' not in page
    session.expire_all()
    assert (stall_count(session), len(session.exec(select(Event)).all())) == before


def test_a_page_past_the_end_of_the_list_is_its_last_page(logged_in, session, make_stall,
                                                          market):
    """``?page=999`` (an old bookmark, a list that got shorter) showed "51 gian hàng", "no
    stall found" and "999 / 2" on one page."""
    lan = session.exec(select(User).where(User.username == "lan")).one()
    for n in range(1, 52):
        make_stall(market, lan, stall_code=f"A-{n}", owner_phone=f"0912{n:06d}",
                   account_number=f"0011{n:09d}")
    past = logged_in.get("/m/cho-vi-thanh/?status=registered&page=999")
    assert past.status_code == 302
    assert past.location == "/m/cho-vi-thanh/?status=registered&page=2"
    last = logged_in.get(past.location).get_data(as_text=True)
    assert last.count("data-stall-code=") == 1 and "2 / 2" in last
    # A search finding nothing has no page but its first.
    assert logged_in.get("/m/cho-vi-thanh/?q=zzz&page=3").location == "/m/cho-vi-thanh/?q=zzz"


def test_a_step_sent_late_from_the_phone_is_dated_when_it_was_done(logged_in, session, market):
    """The outbox sends a step saved without a signal with the phone's time (device_time):
    the history said when the signal came back, and a first payment without its time typed
    was dated then too."""
    import uuid
    from datetime import UTC, datetime, timedelta, timezone

    from merchant_onboard.services.stalls import register_stall
    from merchant_onboard.services.users import require_user

    registered = datetime.now(UTC) - timedelta(hours=5)
    stall = register_stall(session, actor=require_user(session, "lan"), market=market,
                           raw=stall_fields(), client_id=str(uuid.uuid4()), confirm_phone=True,
                           at=registered).stall
    walk_by_form(logged_in, stall, TESTED)
    done = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)
    answer = logged_in.post(f"/stalls/{stall.id}/events/first_payment_confirmed", data={
        "client_id": "late-key-000001", "amount": "20.000", "customer_payment": "on",
        "device_time": done.isoformat().replace("+00:00", "Z")})
    assert answer.status_code == 302
    event = session.exec(select(Event).where(Event.stall_id == stall.id,
                                             Event.kind == "first_payment_confirmed")).one()
    assert event.device_time == done
    assert datetime.fromisoformat(event.data["paid_at"]) == done
    page = logged_in.get(f"/stalls/{stall.id}").get_data(as_text=True)
    entry = page.split('data-kind="first_payment_confirmed"', 1)[1].split("</li>", 1)[0]
    local = done.astimezone(timezone(timedelta(hours=7)))
    sent = event.created_at.astimezone(timezone(timedelta(hours=7)))
    assert f"{local:%H:%M} {local.day}/{local.month}/{local:%y} · gửi lúc " \
           f"{sent:%H:%M}" in entry


@pytest.mark.parametrize("clock", ["2099-01-01T00:00:00Z", "not a time", "2020-01-01T00:00:00"])
def test_a_phone_clock_the_server_cannot_believe_dates_nothing_but_the_step_is_kept(
        logged_in, make_stall, session, market, clock):
    from merchant_onboard.services.users import require_user

    stall = make_stall(market, require_user(session, "lan"))
    answer = logged_in.post(f"/stalls/{stall.id}/events/poster_printed", data={
        "client_id": "clock-key-000001", "format": "a6", "device_time": clock})
    assert answer.status_code == 302
    event = session.exec(select(Event).where(Event.stall_id == stall.id,
                                             Event.kind == "poster_printed")).one()
    assert event.device_time is None and "device_time" not in event.data


def test_the_english_history_names_an_account_change_as_done(logged_in, make_stall, session,
                                                              market):
    """It read "Change account", the account form's button, among entries that say what was
    done ("Poster printed")."""
    import uuid

    from merchant_onboard.services import stalls as stall_service
    from merchant_onboard.services.users import require_user

    lan = require_user(session, "lan")
    stall = make_stall(market, lan)
    stall_service.change_account(session, actor=lan, stall=stall, market=market,
                                 raw={"bank": "970436", "account_number": "0071000123456"},
                                 client_id=str(uuid.uuid4()))
    logged_in.get("/lang/en")
    page = logged_in.get(f"/stalls/{stall.id}").get_data(as_text=True)
    entry = page.split('data-kind="account_changed"', 1)[1].split("</li>", 1)[0]
    assert "Account changed" in entry
    assert "Change account" in page  # the button to change it again


def test_the_stall_forms_offer_the_markets_zones(logged_in, make_stall, session, market):
    """"Khu D" typed beside "Khu D – Ăn uống" made a second zone (the filter, the batch's
    order, the figures): the forms offer the zones the market has as one types."""
    from merchant_onboard.services.users import require_user

    lan = require_user(session, "lan")
    stall = make_stall(market, lan, zone="Khu D – Ăn uống")
    make_stall(market, lan, stall_code="A-2", zone="Dãy 2", account_number="0011012345002",
               owner_phone="0912 000 002")
    make_stall(market, lan, stall_code="A-3", zone="Dãy 02", account_number="0011012345003",
               owner_phone="0912 000 003")
    for url in (f"/m/{market.code}/stalls/new", f"/stalls/{stall.id}/edit"):
        page = logged_in.get(url).get_data(as_text=True)
        assert 'list="zone-list"' in page.split('id="f-zone"', 1)[1].split(">", 1)[0]
        offered = re.findall(r'<option value="([^"]*)">',
                             page.split('<datalist id="zone-list">', 1)[1].split("</datalist>")[0])
        assert offered == ["Dãy 2", "Khu D – Ăn uống"]  # one spelling each, in list order
