"""The public verification page (issue 12): a field for the code, a friendly answer to a
mistyped one, nothing "valid" about a stall that is not, and a limit on lookups."""

from __future__ import annotations

import io
import uuid

import pytest

from merchant_onboard.domain.codes import format_public_code
from merchant_onboard.domain.funnel import Status
from merchant_onboard.models import Stall
from merchant_onboard.services import onboarding
from merchant_onboard.services.stalls import apply_details, unused_public_code


@pytest.fixture
def market(make_market):
    return make_market("cho-vi-thanh", name="Chợ Vị Thanh")


@pytest.fixture
def lan(make_user, market):
    return make_user("lan", markets=[market])


def test_v_offers_a_field_for_the_code(client):
    page = client.get("/v").get_data(as_text=True)
    assert 'name="code"' in page and 'action="/v"' in page


def test_a_typed_code_leads_to_its_stall(client, market, lan, make_stall):
    stall = make_stall(market, lan)
    typed = format_public_code(stall.public_code).lower()
    response = client.get("/v", query_string={"code": typed})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/v/{stall.public_code}")


@pytest.mark.parametrize("path", ["/v?code=K7P2-QX9N", "/v/NOPE1234", "/v/-",
                                  "/v/" + "A" * 300])
def test_a_mistyped_code_gets_the_field_again_with_a_message(client, path):
    response = client.get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Không tìm thấy mã xác minh này" in page and 'name="code"' in page


def test_lookups_are_limited_per_address(app, client, market, lan, make_stall):
    app.config["PUBLIC_LOOKUP_LIMIT"] = 2
    stall = make_stall(market, lan)
    statuses = [client.get(path).status_code
                for path in (f"/v/{stall.public_code}", "/v?code=WRONG123",
                             f"/v/{stall.public_code}")]
    assert statuses == [200, 404, 429]
    throttled = client.get(f"/v/{stall.public_code}")
    assert throttled.headers["Retry-After"] == "600"
    # The code may well be right: said near the field, which is not marked wrong.
    page = throttled.get_data(as_text=True)
    assert "quá nhiều mã" in page and 'aria-invalid="true"' not in page
    other = client.get(f"/v/{stall.public_code}", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200
    # The code looked up is shown, to compare with the one under the poster's QR.
    shown = format_public_code(stall.public_code)
    assert f'id="public-code">{shown}<' in other.get_data(as_text=True)


def test_photo_checks_count_as_lookups(app, client, market, lan, make_stall):
    """The photo check's form posts to /v/<code>: it answered 404, or the stall's card, to
    any code without counting it, so codes could be tried there past the lookup limit."""
    app.config["PUBLIC_LOOKUP_LIMIT"] = 2
    stall = make_stall(market, lan)
    statuses = [client.post(path).status_code
                for path in ("/v/WRONG123", "/v/WRONG456", f"/v/{stall.public_code}")]
    assert statuses == [404, 404, 429]
    assert client.get(f"/v/{stall.public_code}").status_code == 429


def test_photo_checks_past_their_limit_say_how_long_to_wait(app, client, market, lan,
                                                            make_stall):
    app.config["PUBLIC_CHECK_LIMIT"] = 0
    stall = make_stall(market, lan)
    response = client.post(f"/v/{stall.public_code}",
                           data={"photo": (io.BytesIO(b"\x89PNG"), "a.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 429 and response.headers["Retry-After"] == "600"
    assert "quá nhiều ảnh" in response.get_data(as_text=True)


def state_of(client, stall) -> str:
    page = client.get(f"/v/{stall.public_code}").get_data(as_text=True)
    assert page.count("data-state=") == 1
    return page.split('data-state="')[1].split('"')[0]


def test_a_registered_stall_is_valid(client, market, lan, make_stall):
    stall = make_stall(market, lan)
    assert state_of(client, stall) == "valid"
    assert "Mã xác minh hợp lệ" in client.get(f"/v/{stall.public_code}").get_data(as_text=True)


def test_a_refused_stall_is_not_valid(client, session, market, lan, make_stall):
    stall = make_stall(market, lan)
    onboarding.record_event(session, actor=lan, stall=stall, kind="refused",
                            client_id=str(uuid.uuid4()), data={"reason": "prefers_cash"})
    page = client.get(f"/v/{stall.public_code}").get_data(as_text=True)
    assert state_of(client, stall) == "refused" and "Mã xác minh hợp lệ" not in page
    # An owner who refused has no account to pay: neither it nor how to pay it is shown.
    assert "•••• 5678" not in page and "Khi chuyển tiền" not in page


def test_a_closed_stall_says_it_closed_not_that_its_account_changed(client, session, market,
                                                                  lan, make_stall):
    """A closed stall read "poster revoked" and "the account below is the one in use now",
    the words of a bank change, with how to pay it."""
    stall = make_stall(market, lan)
    onboarding.record_event(session, actor=lan, stall=stall, kind="inactive",
                            client_id=str(uuid.uuid4()))
    page = client.get(f"/v/{stall.public_code}").get_data(as_text=True)
    assert state_of(client, stall) == "closed" and "NGỪNG KINH DOANH" in page
    for words in ("THU HỒI", "dùng hiện nay", "•••• 5678", "Khi chuyển tiền",
                  "Mã xác minh hợp lệ"):
        assert words not in page


def test_a_census_stall_without_consent_shows_nothing_personal(client, session, market):
    stall = Stall(market_id=market.id, public_code=unused_public_code(session),
                  status=Status.CENSUS.value)
    apply_details(stall, {"stall_code": "C-9", "zone": "Khu C", "shop_name": "Tiệm Bà Tư",
                          "owner_name": "Lê Thị Tư", "owner_phone": "0912345679",
                          "category": "", "notes": ""})
    session.add(stall)
    session.commit()
    page = client.get(f"/v/{stall.public_code}").get_data(as_text=True)
    assert state_of(client, stall) == "unregistered" and "Mã xác minh hợp lệ" not in page
    for personal in ("Tiệm Bà Tư", "Lê Thị Tư", "0912345679"):
        assert personal not in page


def test_a_flagged_stall_is_not_valid(client, session, market, lan, make_stall):
    stall = make_stall(market, lan)
    stall.recheck_mismatch = True
    session.add(stall)
    session.commit()
    page = client.get(f"/v/{stall.public_code}").get_data(as_text=True)
    assert state_of(client, stall) == "flagged" and "Mã xác minh hợp lệ" not in page


def test_a_revoked_poster_is_named_as_revoked_beside_the_new_account(client, session, market,
                                                                     lan, make_stall):
    """After a bank change the page showed the new account with "Poster: Bản 1", the poster
    of the old one, as if the poster in the customer's hand carried this account."""
    from merchant_onboard.services import stalls

    stall = make_stall(market, lan)
    onboarding.record_event(session, actor=lan, stall=stall, kind="poster_printed",
                            client_id=str(uuid.uuid4()))
    page = client.get(f"/v/{stall.public_code}").get_data(as_text=True)
    assert "Bản 1, in" in page and "đã thu hồi" not in page
    stalls.change_account(session, actor=lan, stall=stall, market=market,
                          raw={"bank": "970415", "account_number": "108002345678"},
                          client_id=str(uuid.uuid4()))
    page = client.get(f"/v/{stall.public_code}").get_data(as_text=True)
    assert state_of(client, stall) == "revoked"
    assert "Bản 1, in" in page and "đã thu hồi" in page


def test_after_a_new_poster_the_code_says_a_poster_of_the_old_account_is_revoked(
        client, session, market, lan, make_stall):
    """The code is the stall's, the same on its posters before and after a change of bank:
    typed from the old poster, it led to a green "valid" beside the new account, and only a
    careful reader saw the bank differ from the one in their hand."""
    from merchant_onboard.services import stalls

    stall = make_stall(market, lan)
    onboarding.record_event(session, actor=lan, stall=stall, kind="poster_printed",
                            client_id=str(uuid.uuid4()))
    assert 'id="account-changed"' not in client.get(f"/v/{stall.public_code}").get_data(
        as_text=True)
    stalls.change_account(session, actor=lan, stall=stall, market=market,
                          raw={"bank": "970415", "account_number": "108002345678"},
                          client_id=str(uuid.uuid4()))
    onboarding.record_event(session, actor=lan, stall=stall, kind="poster_printed",
                            client_id=str(uuid.uuid4()))
    page = client.get(f"/v/{stall.public_code}").get_data(as_text=True)
    assert state_of(client, stall) == "valid"
    said = page.split('id="account-changed">', 1)[1].split("</p>", 1)[0]
    assert said.startswith("Gian hàng đã đổi tài khoản nhận tiền lúc ")
    assert "Poster ghi ngân hàng hoặc số tài khoản khác với ở dưới là poster cũ" in said
    assert "VietinBank" in page and "5678" in page  # the account to compare with


def test_a_photo_over_the_upload_limit_gets_the_stalls_page_back(app, client, market, lan,
                                                                  make_stall):
    """Without JavaScript (or a phone that could not shrink it) a 19 MB photo got a bare
    "413" page whose one link led to the staff login."""
    stall = make_stall(market, lan)
    app.config["WTF_CSRF_ENABLED"] = True  # the form is read before the view, as in production
    too_big = io.BytesIO(b"\xff\xd8" + b"\0" * app.config["MAX_CONTENT_LENGTH"])
    response = client.post(f"/v/{stall.public_code}", data={"photo": (too_big, "a.jpg")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 413 and "Tệp quá lớn (tối đa 12 MB)." in page
    assert 'name="photo"' in page and stall.stall_code in page
    # The code is valid, but a green "all clear" under the red error read as one.
    assert "Mã xác minh hợp lệ." not in page
    app.config["WTF_CSRF_ENABLED"] = False
    for data in ({"photo": (io.BytesIO(b"not a picture"), "a.jpg")}, {}):
        refused = client.post(f"/v/{stall.public_code}", data=data,
                              content_type="multipart/form-data")
        assert refused.status_code == 422 and 'data-result="error"' in refused.get_data(
            as_text=True)
        assert "Mã xác minh hợp lệ." not in refused.get_data(as_text=True)
    assert "Mã xác minh hợp lệ." in client.get(f"/v/{stall.public_code}").get_data(as_text=True)
    unknown = client.post("/v/NOPE1234", data={"photo": (io.BytesIO(b"\0" * 13 * 2**20), "a")},
                          content_type="multipart/form-data")
    assert unknown.status_code == 413
