"""The public verification card and the customer's photo check, at the service level.

A customer reaches these from a poster's short code; what they may learn is masked, and a
photo of the QR on the stall is judged against the registry.
"""

from __future__ import annotations

import io
import uuid

import pytest
import qrcode
from sqlmodel import select

from merchant_onboard.domain.errors import NotFoundError, ThrottledError
from merchant_onboard.domain.vietqr import build_payload
from merchant_onboard.models import Throttle
from merchant_onboard.services import onboarding, stalls, verification


def qr_png(text: str) -> bytes:
    buffer = io.BytesIO()
    qrcode.make(text, border=4, box_size=8).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def market(make_market):
    return make_market("cho-vi-thanh", name="Chợ Vị Thanh")


@pytest.fixture
def volunteer(make_user, market):
    return make_user("lan", markets=[market])


@pytest.fixture
def stall(make_stall, market, volunteer):
    # Vietcombank 0011012345678, holder folded from the owner's name.
    return make_stall(market, volunteer, stall_code="B-7", shop_name="Cá đồng Cô Hồng",
                      owner_name="Đặng Thị Hồng")


def check(session, code, image, *, address="203.0.113.9", limit=5, window=600):
    return verification.check_photo(session, code=code, image=image, address=address,
                                    limit=limit, window=window)


def store(session, stall, **fields):
    """Set ``fields`` of ``stall`` as stored, as the services would leave them."""
    from merchant_onboard.models import Stall

    row = session.get(Stall, stall.id)
    for name, value in fields.items():
        setattr(row, name, value)
    session.add(row)
    session.commit()


def print_poster(session, volunteer, stall):
    onboarding.record_event(session, actor=volunteer, stall=stall, kind="poster_printed",
                            client_id=str(uuid.uuid4()))


def test_the_card_names_the_stall_and_masks_the_account(session, stall):
    card = verification.public_card(session, stall.public_code)
    assert (card.market_name, card.stall_code, card.shop_name, card.bank_short_name,
            card.holder_name, card.account_last4, card.status, card.public_code) == (
        "Chợ Vị Thanh", "B-7", "Cá đồng Cô Hồng", "Vietcombank", "DANG THI HONG", "5678",
        "registered", stall.public_code)
    # Nothing printed yet.
    assert (card.poster_version, card.poster_printed_at, card.state) == (None, None, "valid")


def test_each_card_shows_its_own_stalls_account(session, stall, make_stall, market, volunteer):
    other = make_stall(market, volunteer, stall_code="B-9", account_number="0011019999999",
                       owner_name="Võ Văn Chín")
    mine, theirs = (verification.public_card(session, s.public_code) for s in (stall, other))
    assert (mine.holder_name, mine.account_last4) == ("DANG THI HONG", "5678")
    assert (theirs.holder_name, theirs.account_last4) == ("VO VAN CHIN", "9999")


def test_a_census_stall_without_an_account_shows_no_bank_details(session, market):
    from merchant_onboard.models import Stall
    from merchant_onboard.services.stalls import unused_public_code

    census = Stall(market_id=market.id, stall_code="Z-1", sort_key="z-1", shop_name="Gian Z",
                   owner_name="Z", public_code=unused_public_code(session))
    session.add(census)
    session.commit()
    card = verification.public_card(session, census.public_code)
    assert (card.market_name, card.stall_code, card.shop_name, card.bank_short_name,
            card.holder_name, card.account_last4, card.status, card.state) == (
        "Chợ Vị Thanh", "Z-1", "", "", "", "", "census", "unregistered")


def test_the_code_is_found_however_it_was_typed(session, stall):
    code = stall.public_code
    typed = f" {code[:4].lower()}-{code[4:].lower()} ".replace("0", "o").replace("1", "l")
    assert verification.public_card(session, typed).stall_code == "B-7"
    assert verification.public_card(session, "ZZZZ-ZZZZ") is None


def test_the_card_shows_the_latest_poster_and_whether_it_was_revoked(
        session, volunteer, market, stall):
    print_poster(session, volunteer, stall)
    print_poster(session, volunteer, stall)
    card = verification.public_card(session, stall.public_code)
    assert (card.poster_version, card.state, card.status) == (2, "valid", "poster_printed")
    assert card.poster_printed_at is not None
    stalls.change_account(session, actor=volunteer, stall=stall, market=market,
                          raw={"bank": "970415", "account_number": "108002345678"},
                          client_id=str(uuid.uuid4()))
    card = verification.public_card(session, stall.public_code)
    assert (card.poster_version, card.state, card.bank_short_name,
            card.account_last4) == (2, "revoked", "VietinBank", "5678")


def test_a_photo_of_the_stalls_qr_is_this_stall(session, stall):
    found = check(session, stall.public_code,
                  qr_png(build_payload(bank="970436", account="0011012345678")))
    assert found.result == "match"
    assert [(c.verdict, c.bank_short_name, c.account_masked, c.kind) for c in found.codes] == \
        [("match", "Vietcombank", "•••• 5678", "vietqr_account")]


@pytest.mark.parametrize(("status", "state"), [("refused", "refused"), ("inactive", "closed")])
def test_a_stall_refused_or_closed_shows_no_account_and_vouches_for_no_poster(
        session, volunteer, stall, status, state):
    """A refused stall's page answered a photo of its poster "đúng tài khoản" beside "do not
    pay", and showed the owner's bank with how to pay; a closed one read "poster revoked"
    and "the account in use now"."""
    print_poster(session, volunteer, stall)
    store(session, stall, status=status)
    card = verification.public_card(session, stall.public_code)
    assert (card.state, card.stall_code, card.bank_short_name, card.holder_name,
            card.account_last4, card.poster_version) == (state, "B-7", "", "", "", None)
    found = check(session, stall.public_code,
                  qr_png(build_payload(bank="970436", account="0011012345678")))
    assert (found.result, found.warning) == ("revoked_poster", True)


def test_a_photo_of_the_stalls_former_account_is_an_old_account(
        session, volunteer, market, stall):
    stalls.change_account(session, actor=volunteer, stall=stall, market=market,
                          raw={"bank": "970415", "account_number": "108002345678"},
                          client_id=str(uuid.uuid4()))
    old = check(session, stall.public_code,
                qr_png(build_payload(bank="970436", account="0011012345678")))
    assert (old.result, old.codes[0].account_masked) == ("old_account", "•••• 5678")
    new = check(session, stall.public_code,
                qr_png(build_payload(bank="970415", account="108002345678")))
    assert (new.result, new.codes[0].bank_short_name) == ("match", "VietinBank")


def test_another_account_in_the_photo_is_not_the_stalls(session, stall, make_stall, market,
                                                        volunteer):
    # Even the primary account of another stall of the same market is a foreign one here.
    make_stall(market, volunteer, stall_code="B-8", account_number="0011019999999")
    for payload in (build_payload(bank="970436", account="0011019999999"),
                    build_payload(bank="970415", account="0011012345678")):
        found = check(session, stall.public_code, qr_png(payload), limit=10)
        assert found.result == "foreign"
    assert found.codes[0].bank_short_name == "VietinBank"


def test_a_qr_that_is_no_transfer_and_a_photo_without_qr_are_told_apart(session, stall):
    website = check(session, stall.public_code, qr_png("https://example.vn/khuyen-mai"))
    assert (website.result, [c.kind for c in website.codes]) == ("not_transfer", ["not_emv"])
    blank = io.BytesIO()
    from PIL import Image
    Image.new("RGB", (200, 200), "white").save(blank, format="PNG")
    assert check(session, stall.public_code, blank.getvalue()).result == "no_qr"


def test_an_unknown_code_is_not_found_and_costs_no_check(session, stall):
    with pytest.raises(NotFoundError):
        check(session, "ZZZZZZZZ", qr_png("x"))
    assert session.exec(select(Throttle)).all() == []


def test_photo_checks_are_limited_per_address(session, stall):
    photo = qr_png(build_payload(bank="970436", account="0011012345678"))
    for _ in range(2):
        assert check(session, stall.public_code, photo, limit=2).result == "match"
    with pytest.raises(ThrottledError):
        check(session, stall.public_code, photo, limit=2)
    # Another address still may.
    assert check(session, stall.public_code, photo, limit=2,
                 address="198.51.100.7").result == "match"


def test_lookups_are_limited_per_address_and_say_so(session, stall):
    def look(code=stall.public_code, address="203.0.113.9"):
        return verification.look_up(session, code, address=address, limit=2, window=600)

    assert look().stall_code == "B-7"
    # An unknown code is no card, and counts as a lookup all the same.
    assert look("ZZZZZZZZ") is None
    with pytest.raises(ThrottledError) as caught:
        look()
    assert str(caught.value) == "Bạn đã tra cứu quá nhiều mã. Vui lòng thử lại sau ít phút."
    assert look(address="198.51.100.7").stall_code == "B-7"
    counted = {t.key: t.count for t in session.exec(select(Throttle)).all()}
    assert counted == {"lookup:203.0.113.9": 3, "lookup:198.51.100.7": 1}


def test_too_many_photo_checks_are_told_in_words(session, stall):
    photo = qr_png(build_payload(bank="970436", account="0011012345678"))
    check(session, stall.public_code, photo, limit=1)
    with pytest.raises(ThrottledError) as caught:
        check(session, stall.public_code, photo, limit=1)
    assert str(caught.value) == "Bạn đã kiểm tra quá nhiều ảnh. Vui lòng thử lại sau ít phút."
    assert session.exec(select(Throttle.count)).all() == [2]


def test_a_refused_closed_or_flagged_stall_says_so_on_its_card(session, stall, volunteer,
                                                              market, make_stall):
    def state(of=stall):
        return verification.public_card(session, of.public_code).state

    def set_(of=stall, **fields):
        store(session, of, **fields)

    set_(recheck_mismatch=True)
    assert state() == "flagged"
    set_(status="refused")
    assert state() == "refused"
    set_(status="inactive")
    assert state() == "closed"
    # A revoked poster outweighs a refusal that came after it.
    other = make_stall(market, volunteer, stall_code="B-9", account_number="0011019999999")
    print_poster(session, volunteer, other)
    stalls.change_account(session, actor=volunteer, stall=other, market=market,
                          raw={"bank": "970415", "account_number": "108002345678"},
                          client_id=str(uuid.uuid4()))
    set_(other, status="refused")
    assert state(other) == "revoked"


def test_a_stall_whose_owner_did_not_consent_shows_nothing_personal(session, stall, volunteer):
    print_poster(session, volunteer, stall)
    store(session, stall, consent=False)
    card = verification.public_card(session, stall.public_code)
    assert (card.state, card.stall_code, card.shop_name, card.bank_short_name, card.holder_name,
            card.account_last4, card.poster_version, card.poster_printed_at) == (
        "unregistered", "B-7", "", "", "", "", None, None)


def test_a_poster_printed_after_an_account_change_stands_again(session, volunteer, market,
                                                               stall):
    print_poster(session, volunteer, stall)
    stalls.change_account(session, actor=volunteer, stall=stall, market=market,
                          raw={"bank": "970415", "account_number": "108002345678"},
                          client_id=str(uuid.uuid4()))
    assert verification.public_card(session, stall.public_code).state == "revoked"
    print_poster(session, volunteer, stall)
    card = verification.public_card(session, stall.public_code)
    assert (card.state, card.poster_version, card.bank_short_name) == (
        "valid", 2, "VietinBank")
    photo = qr_png(build_payload(bank="970415", account="108002345678"))
    assert check(session, stall.public_code, photo).result == "match"


def test_a_bank_no_longer_in_the_registry_is_shown_by_its_bin(session, stall):
    from merchant_onboard.models import PaymentAccount

    account = session.exec(select(PaymentAccount).where(
        PaymentAccount.stall_id == stall.id)).one()
    account.bank_bin = "970999"
    session.add(account)
    session.commit()
    card = verification.public_card(session, stall.public_code)
    assert (card.bank_short_name, card.account_last4) == ("970999", "5678")


def test_an_unknown_code_says_so(session, stall):
    with pytest.raises(NotFoundError) as caught:
        check(session, "ZZZZZZZZ", qr_png("x"))
    assert str(caught.value) == "Không tìm thấy mã xác minh."


def test_a_photo_of_the_current_account_under_a_revoked_poster_says_so(
        session, volunteer, market, stall):
    print_poster(session, volunteer, stall)
    stalls.change_account(session, actor=volunteer, stall=stall, market=market,
                          raw={"bank": "970415", "account_number": "108002345678"},
                          client_id=str(uuid.uuid4()))
    photo = qr_png(build_payload(bank="970415", account="108002345678"))
    assert check(session, stall.public_code, photo).result == "revoked_poster"


def test_a_photo_at_a_stall_without_an_account_finds_only_foreign_codes(session, market):
    from merchant_onboard.models import Stall
    from merchant_onboard.services.stalls import unused_public_code

    census = Stall(market_id=market.id, stall_code="Z-1", sort_key="z-1", shop_name="Gian Z",
                   owner_name="Z", public_code=unused_public_code(session))
    session.add(census)
    session.commit()
    photo = qr_png(build_payload(bank="970436", account="0011012345678"))
    assert check(session, census.public_code, photo).result == "foreign"
