"""Registering stalls: validation, duplicates, idempotency, census stalls, bank changes."""

import uuid

import pytest
import sqlalchemy as sa
from sqlmodel import select

from merchant_onboard.domain.errors import ConflictError, FormErrors
from merchant_onboard.domain.funnel import Status
from merchant_onboard.models import Event, PaymentAccount, Poster, Stall
from merchant_onboard.services import onboarding, stall_lookup, stalls
from merchant_onboard.services.stalls import PhoneInUse
from tests.factories import stall_fields
from tests.sql import Statements


def count(session, model):
    return session.exec(select(sa.func.count()).select_from(model)).one()


def register(session, market, volunteer, client_id=None, **overrides):
    return stalls.register_stall(session, actor=volunteer, market=market,
                                 raw=stall_fields(**overrides),
                                 client_id=client_id or str(uuid.uuid4()))


def test_registration_stores_stall_account_and_event(session, market, volunteer):
    result = register(session, market, volunteer, owner_name="Đặng Thị Hồng",
                      owner_phone="+84 912.345.678")
    stall = session.get(Stall, result.stall.id)
    assert result.created
    assert stall.status == Status.REGISTERED
    assert stall.owner_phone == "0912345678"
    assert stall.registered_at is not None and stall.consent_at is not None
    account = session.exec(select(PaymentAccount)).one()
    # The holder name defaults to the owner's name as the bank shows it.
    assert account.holder_name == "DANG THI HONG"
    assert account.payload == ("00020101021138570010A00000072701270006970436011300110123456780208"
                               "QRIBFTTA53037045802VN") + account.payload[-8:]
    assert [e.kind for e in session.exec(select(Event))] == ["registered"]


def test_every_bad_field_is_reported_and_nothing_is_written(session, market, volunteer):
    with pytest.raises(FormErrors) as caught:
        register(session, market, volunteer, stall_code="", shop_name="", owner_name="",
                 owner_phone="12345", bank="no such bank", account_number="12 34 ab!",
                 consent=False)
    fields = {e.field for e in caught.value.errors}
    assert {"stall_code", "shop_name", "owner_name", "owner_phone", "bank", "consent"} <= fields
    assert count(session, Stall) == count(session, Event) == count(session, PaymentAccount) == 0


@pytest.mark.parametrize(("field", "value"), [
    ("stall_code", "A" * 40), ("stall_code", "A-1; DROP"), ("shop_name", "x" * 201),
    ("owner_phone", "0123"), ("bank", "999999"), ("account_number", "1" * 20),
    ("account_number", "12-34-5Ä"), ("account_number", "12ab"), ("account_number", "12 345"),
    ("holder_name", "A" * 60), ("consent", ""),
    ("card", "on"),  # a 13-digit account is not a 16–19 digit card number
])
def test_each_bad_field_alone_changes_nothing(session, market, volunteer, field, value):
    with pytest.raises(FormErrors) as caught:
        register(session, market, volunteer, **{field: value})
    assert caught.value.errors
    assert count(session, Stall) == 0


def test_same_stall_code_is_refused_naming_the_existing_stall(session, market, volunteer):
    register(session, market, volunteer)
    with pytest.raises(ConflictError) as caught:
        register(session, market, volunteer, stall_code="a-1", account_number="999888777",
                 owner_phone="0987654321")
    assert caught.value.field == "stall_code"
    assert "Tạp hoá Cô Ba" in str(caught.value)
    assert count(session, Stall) == 1


@pytest.mark.parametrize("typed", ["a1", "A 1", "A.1", "A-01", "a/1"])
def test_the_same_code_typed_another_way_is_the_same_stall(session, market, volunteer, typed):
    """Search finds A-1 for "a1"; registration must not make "A1" a second stall beside it."""
    register(session, market, volunteer)
    with pytest.raises(ConflictError) as caught:
        register(session, market, volunteer, stall_code=typed, account_number="999888777",
                 owner_phone="0987654321")
    assert caught.value.field == "stall_code"
    assert "A-1 · Tạp hoá Cô Ba" in str(caught.value)
    assert count(session, Stall) == 1


def test_the_database_refuses_a_code_written_another_way_past_the_services(session, market,
                                                                         volunteer):
    from sqlalchemy.exc import IntegrityError

    register(session, market, volunteer)
    session.add(Stall(market_id=market.id, stall_code="A1", sort_key="a0000000001",
                      public_code="ZZZZ-ZZZZ"))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    assert count(session, Stall) == 1


def test_same_bank_account_in_the_market_is_refused(session, market, volunteer):
    register(session, market, volunteer)
    with pytest.raises(ConflictError) as caught:
        register(session, market, volunteer, stall_code="B-2", owner_phone="0987654321",
                 account_number="0011 0123 4567 8")
    assert caught.value.field == "account_number"
    assert "A-1" in str(caught.value)


def test_same_account_in_another_market_is_fine(session, market, volunteer, make_market):
    other = make_market("cho-khac")
    register(session, market, volunteer)
    stalls.register_stall(session, actor=volunteer, market=other, raw=stall_fields(),
                          client_id=str(uuid.uuid4()))
    assert count(session, Stall) == 2


def test_reused_phone_warns_until_confirmed(session, market, volunteer):
    register(session, market, volunteer)
    with pytest.raises(PhoneInUse):
        register(session, market, volunteer, stall_code="A-2", account_number="55556666")
    assert count(session, Stall) == 1
    stalls.register_stall(session, actor=volunteer, market=market,
                          raw=stall_fields(stall_code="A-2", account_number="55556666"),
                          client_id=str(uuid.uuid4()), confirm_phone=True)
    assert count(session, Stall) == 2


def test_a_retry_returns_the_first_result_and_writes_nothing(session, market, volunteer):
    first = register(session, market, volunteer, client_id="retry-key-0001")
    again = register(session, market, volunteer, client_id="retry-key-0001")
    assert not again.created and again.stall.id == first.stall.id
    assert again.event.id == first.event.id
    assert count(session, Stall) == count(session, Event) == 1


def test_census_stall_is_registered_in_place(session, market, volunteer):
    census = Stall(market_id=market.id, stall_code="C-7", sort_key="c-7", public_code="CENSUS01",
                   shop_name="Gạo Út", owner_name="Lê Văn Út")
    session.add(census)
    session.commit()
    result = stalls.register_stall(
        session, actor=volunteer, market=market, stall=census, client_id=str(uuid.uuid4()),
        raw=stall_fields(stall_code="C-7", shop_name="Gạo Út", owner_name="Lê Văn Út"))
    assert result.stall.id == census.id
    assert session.get(Stall, census.id).status == Status.REGISTERED
    assert count(session, Stall) == 1


def _described_census(session, market):
    census = Stall(market_id=market.id, stall_code="C-7", sort_key="c-7", public_code="CENSUS01",
                   zone="Khu C", shop_name="Gạo Út", owner_name="Lê Văn Út",
                   owner_phone="0987654321", category="Gạo", notes="Đầu dãy")
    session.add(census)
    session.commit()
    return census


def _kept(session, stall):
    session.expire_all()
    row = session.get(Stall, stall.id)
    return (row.status, row.zone, row.shop_name, row.owner_name, row.owner_phone,
            row.category, row.notes)


def test_a_census_registration_keeps_the_fields_it_leaves_out(session, market, volunteer):
    census = _described_census(session, market)
    raw = {"stall_code": "C-7", "bank": "970436", "account_number": "0011012345678",
           "consent": True}
    stalls.register_stall(session, actor=volunteer, market=market, stall=census, raw=raw,
                          client_id=str(uuid.uuid4()))
    assert _kept(session, census) == ("registered", "Khu C", "Gạo Út", "Lê Văn Út",
                                      "0987654321", "Gạo", "Đầu dãy")


def test_a_census_registration_changes_the_fields_it_sends(session, market, volunteer):
    census = _described_census(session, market)
    stalls.register_stall(session, actor=volunteer, market=market, stall=census,
                          raw=stall_fields(stall_code="C-7", zone="", owner_phone="0912000111",
                                           category="", notes=""),
                          client_id=str(uuid.uuid4()))
    assert _kept(session, census) == ("registered", "", "Tạp hoá Cô Ba", "Nguyễn Thị Ba",
                                      "0912000111", "", "")


@pytest.mark.parametrize(("sent", "allowed"), [
    ({}, True), ({"owner_phone": "0987 654 321"}, True), ({"owner_phone": "+84987654321"}, True),
    ({"owner_phone": "0912000111"}, False), ({"owner_phone": ""}, False),
    ({"owner_phone": "not a phone"}, False),
])
def test_an_admin_registers_a_census_stall_without_changing_its_phone(
        session, market, make_user, sent, allowed):
    """An admin sees the phone masked: the stored one is kept, or sent back as it is."""
    from merchant_onboard.domain.errors import PermissionDenied
    from merchant_onboard.models import Role

    census = _described_census(session, market)
    admin = make_user("root", role=Role.ADMIN)
    raw = {"stall_code": "C-7", "bank": "970436", "account_number": "0011012345678",
           "consent": True, **sent}
    if allowed:
        stalls.register_stall(session, actor=admin, market=market, stall=census, raw=raw,
                              client_id=str(uuid.uuid4()))
    else:
        with pytest.raises(PermissionDenied) as refused:
            stalls.register_stall(session, actor=admin, market=market, stall=census, raw=raw,
                                  client_id=str(uuid.uuid4()))
        assert (refused.value.field, refused.value.message) == (
            "owner_phone", "Chỉ thành viên của chợ xem và sửa được số điện thoại.")
    assert _kept(session, census)[0::4] == ("registered" if allowed else "census",
                                            "0987654321")


def test_an_admin_gives_a_census_stall_without_a_phone_one(session, market, make_user):
    from merchant_onboard.models import Role

    census = Stall(market_id=market.id, stall_code="C-8", sort_key="c-8", public_code="CENSUS02",
                   shop_name="Gạo Út", owner_name="Lê Văn Út")
    session.add(census)
    session.commit()
    stalls.register_stall(session, actor=make_user("root", role=Role.ADMIN), market=market,
                          stall=census, client_id=str(uuid.uuid4()),
                          raw=stall_fields(stall_code="C-8", owner_phone="0912000111"))
    assert _kept(session, census)[4] == "0912000111"


def test_bank_change_revokes_printed_posters_and_goes_back_to_registered(
        session, market, volunteer):
    stall = register(session, market, volunteer).stall
    for kind in ("poster_printed", "poster_installed"):
        onboarding.record_event(session, actor=volunteer, stall=stall, kind=kind,
                                client_id=str(uuid.uuid4()))
    assert session.get(Stall, stall.id).installed_at is not None
    stalls.change_account(session, actor=volunteer, stall=stall, market=market,
                          client_id=str(uuid.uuid4()),
                          raw={"bank": "MB", "account_number": "0987654321000"})
    after = session.get(Stall, stall.id)
    assert after.status == Status.REGISTERED
    assert after.printed_at is None and after.installed_at is None
    posters = session.exec(select(Poster)).all()
    assert posters and all(p.revoked_at is not None for p in posters)
    accounts = session.exec(select(PaymentAccount).order_by(PaymentAccount.id)).all()
    assert [a.is_primary for a in accounts] == [False, True]
    assert accounts[1].bank_bin == "970422"
    assert accounts[1].holder_name == "NGUYEN THI BA"


def test_changing_to_the_same_account_is_refused(session, market, volunteer):
    stall = register(session, market, volunteer).stall
    with pytest.raises(Exception) as caught:
        stalls.change_account(session, actor=volunteer, stall=stall, market=market,
                              client_id=str(uuid.uuid4()),
                              raw={"bank": "VCB", "account_number": "0011012345678"})
    assert getattr(caught.value, "field", None) == "account_number"
    assert count(session, PaymentAccount) == 1


def test_edit_keeps_the_search_text_and_natural_order(session, market, volunteer):
    for code, account in (("A-10", "111111"), ("A-2", "222222"), ("A-1", "333333")):
        register(session, market, volunteer, stall_code=code, account_number=account,
                 owner_phone="")
    rows, total = stall_lookup.search_stalls(session, market=market)
    assert [s.stall_code for s in rows] == ["A-1", "A-2", "A-10"]
    stall = rows[0]
    stalls.update_stall(session, actor=volunteer, stall=stall, market=market,
                        raw={"shop_name": "Bún riêu Đặng Hồng"}, client_id=str(uuid.uuid4()))
    found, total = stall_lookup.search_stalls(session, market=market, query="bun rieu dang")
    assert total == 1 and found[0].id == stall.id


@pytest.mark.parametrize("typed", ["A-1", "a1", "A 1", "A-01", "a01"])
def test_search_finds_a_zero_padded_code_however_it_is_typed(session, market, volunteer, typed):
    """A census writes "A-01"; the stall is A-1 to everyone (one ``code_key``: registering
    "A-1" beside it is refused as its code). Searching "A-1" or "a1" must find it too."""
    register(session, market, volunteer, stall_code="A-01")
    register(session, market, volunteer, stall_code="A-10", account_number="222222",
             owner_phone="")
    found, total = stall_lookup.search_stalls(session, market=market, query=typed)
    # "a1" also finds A-10, whose code holds it: the list goes on in code order.
    assert [s.stall_code for s in found][:1] == ["A-01"]


def test_the_stall_whose_code_was_typed_comes_first(session, market, volunteer):
    """"H-1" is part of H-10, H-100, H-1000…: with a census of 3,000 the stall H-1 itself,
    in a zone sorting last, was on no page a volunteer turns to."""
    for n, (code, zone) in enumerate((("H-10", "Khu A"), ("H-100", "Khu A"), ("H-1", "Khu Z"),
                                      ("B-1", "Khu A"))):
        register(session, market, volunteer, stall_code=code, zone=zone,
                 account_number=f"55550{n}", owner_phone="")
    for typed in ("H-1", "h1"):
        found, total = stall_lookup.search_stalls(session, market=market, query=typed)
        assert [s.stall_code for s in found] == ["H-1", "H-10", "H-100"], typed
    summary, _total = stall_lookup.search_stalls(session, market=market, query="H-1",
                                                 summary=True)
    assert summary[0].stall_code == "H-1"
    # Without a code typed, the list's own order.
    found, _total = stall_lookup.search_stalls(session, market=market)
    assert [s.stall_code for s in found] == ["B-1", "H-10", "H-100", "H-1"]


def test_a_name_is_not_read_as_a_stall_code(session, market, volunteer):
    """Codes are letters and digits: "Phở 24" is a shop's name, not the code "PH-24" (the
    letters of "Phở" the code key keeps), and finds the shop only."""
    register(session, market, volunteer, stall_code="PH-24", shop_name="Cơm tấm Sài Gòn",
             owner_name="Lê Văn Tám")
    register(session, market, volunteer, stall_code="B-7", shop_name="Phở 24",
             account_number="222222", owner_phone="")
    found, total = stall_lookup.search_stalls(session, market=market, query="Phở 24")
    assert [s.stall_code for s in found] == ["B-7"]


@pytest.mark.parametrize(("typed", "codes"), [
    ("my", ["A-1", "A-2", "A-3"]), ("thi my", ["A-1", "A-2"]),
    # Accents aside, "mĩ" is "mi": the start of "Minh" too, as it was before.
    ("mĩ", ["A-1", "A-2", "A-3", "A-4"]),
    ("mi", ["A-1", "A-2", "A-3", "A-4"]), ("li", ["A-5"]), ("ly", ["A-5"]),
    ("my quang", ["A-3"]),
])
def test_search_takes_an_i_written_as_y_either_way(session, market, volunteer, typed, codes):
    """The census sheet writes "Mĩ", the owner says "Mỹ", and "my" found only one of them. A
    last word typed with its "y" is that word ("my" is not the start of "Minh"); typed with
    "i" it may be the start of another, as any search."""
    for code, shop, owner in (("A-1", "Tạp hoá", "Nguyễn Thị Mỹ"), ("A-2", "Rau", "Lê Thị Mĩ"),
                              ("A-3", "Mỳ Quảng", "Trần Văn Ba"), ("A-4", "Cá", "Võ Văn Minh"),
                              ("A-5", "Thịt", "Lí Văn Năm")):
        register(session, market, volunteer, stall_code=code, shop_name=shop, owner_name=owner,
                 account_number=f"00110123456{code[-1]}", owner_phone="")
    found, total = stall_lookup.search_stalls(session, market=market, query=typed)
    assert [s.stall_code for s in found] == codes


@pytest.mark.parametrize(("typed", "codes"), [
    ("0912345678", ["A-1"]), ("+84 912 345 678", ["A-1"]),
    # The last digits, as an owner says them on the phone ("số đuôi 5678").
    ("5678", ["A-1", "A-3"]), ("345 678", ["A-1"]), ("45.678", ["A-1"]), ("12345678", ["A-1"]),
    # Three digits would find half a market; and the start of a number is no one's tail.
    ("678", []), ("0912", []), ("1234", []),
])
def test_search_finds_an_owners_phone_whole_or_by_its_last_digits(session, market, volunteer,
                                                                 typed, codes):
    """Only the whole number was found: a manager called by an owner "ending in 5678" went
    through the list stall by stall."""
    for code, phone in (("A-1", "0912345678"), ("A-2", "0987654321"), ("A-3", "0355555678")):
        register(session, market, volunteer, stall_code=code, owner_phone=phone,
                 account_number=f"00110123456{code[-1]}", shop_name="Quầy", owner_name="Ba")
    found, total = stall_lookup.search_stalls(session, market=market, query=typed,
                                              phone_tail=True)
    assert [s.stall_code for s in found] == codes
    # For whom phones are masked, only a whole number finds (parts would spell it out).
    masked, _total = stall_lookup.search_stalls(session, market=market, query=typed)
    assert [s.stall_code for s in masked] == (codes if typed[0] in "0+" else [])


def test_search_escapes_like_wildcards(session, market, volunteer):
    register(session, market, volunteer)
    assert stall_lookup.search_stalls(session, market=market, query="%")[1] == 0
    assert stall_lookup.search_stalls(session, market=market, query="_")[1] == 0


def test_a_client_id_from_another_market_is_refused_not_answered(session, market, volunteer,
                                                                 make_market, make_user):
    register(session, market, volunteer, client_id="shared-key-0001")
    other = make_market("cho-khac")
    stranger = make_user("khac", markets=[other])
    with pytest.raises(ConflictError):
        stalls.register_stall(session, actor=stranger, market=other, raw=stall_fields(),
                              client_id="shared-key-0001")


@pytest.mark.parametrize("typed", ["970436", "VCB", "vietcombank", "Vietcombank",
                                   "970436 Vietcombank"])
def test_the_bank_is_found_however_it_was_typed(session, market, volunteer, typed):
    stall = register(session, market, volunteer, bank=typed).stall
    assert onboarding.primary_account(session, stall.id).bank_bin == "970436"


@pytest.mark.parametrize("number", ["123456", "ACB123", "MINHTRAN2024"])
def test_short_accounts_of_six_characters_and_letter_aliases_are_accepted(session, market,
                                                                          volunteer, number):
    # Some banks' older accounts have six digits; some issue alias accounts with letters.
    assert register(session, market, volunteer, account_number=number).created
    assert session.exec(select(PaymentAccount.account_number)).one() == number


def test_code_account_and_phone_are_checked_in_one_query_and_reported_in_that_order(
        session, market, volunteer, make_market):
    by_code = register(session, market, volunteer, stall_code="A-1",
                       account_number="111111111", owner_phone="0911111111").stall
    by_account = register(session, market, volunteer, stall_code="A-2",
                          account_number="222222222", owner_phone="0922222222").stall
    by_phone = register(session, market, volunteer, stall_code="A-3",
                        account_number="333333333", owner_phone="0933333333").stall
    # The same values in another market clash with nothing here.
    register(session, make_market("cho-khac"), volunteer, stall_code="B-1",
             account_number="444444444", owner_phone="0944444444")
    attempts = [
        ({"stall_code": "A-1", "account_number": "222222222", "owner_phone": "0933333333"},
         ConflictError, "stall_code", by_code),
        ({"stall_code": "B-1", "account_number": "222222222", "owner_phone": "0933333333"},
         ConflictError, "account_number", by_account),
        ({"stall_code": "B-1", "account_number": "444444444", "owner_phone": "0933333333"},
         PhoneInUse, "owner_phone", by_phone),
    ]
    for fields, error, field, holder in attempts:
        session.refresh(market), session.refresh(volunteer)  # not counted below
        with Statements(session.get_bind()) as statements, pytest.raises(error) as caught:
            register(session, market, volunteer, **fields)
        session.rollback()
        assert (caught.value.field, caught.value.existing_id) == (field, holder.id)
        # The retry check, the three duplicates at once, and the retry check once more: a
        # duplicate may be the first result of the same request, committed meanwhile.
        assert statements.count == 3
    # A phone the volunteer confirms as the same owner's is taken.
    result = stalls.register_stall(
        session, actor=volunteer, market=market, client_id=str(uuid.uuid4()),
        raw=stall_fields(stall_code="B-1", account_number="444444444",
                         owner_phone="0933333333"), confirm_phone=True)
    assert result.created and result.stall.stall_code == "B-1"


@pytest.mark.parametrize(("field", "name", "shown"), [
    ("shop_name", "Bún bò 😀", "😀"),
    ("shop_name", "Tiệm 中华 ☃ 𠀀", "☃ 𠀀"),  # a symbol, an ideograph outside the subset
    ("owner_name", "Srey 🌸 Peou", "🌸"),  # printed when the shop has no name
])
def test_a_name_no_poster_font_can_print_is_refused_and_nothing_is_written(
        session, market, volunteer, field, name, shown):
    with pytest.raises(FormErrors) as info:
        stalls.register_stall(session, actor=volunteer, market=market,
                              raw=stall_fields(**{field: name}),
                              client_id=str(uuid.uuid4()), confirm_phone=True)
    [error] = [e for e in info.value.errors if e.field == field]
    assert "không in được" in error.message and error.params["chars"] == shown
    assert count(session, Stall) == 0


@pytest.mark.parametrize("name", ["Tiệm thuốc bắc 中華 鴻發", "ហាងលក់បាយ ស្រីពៅ"])
def test_chinese_and_khmer_shop_names_are_accepted(session, market, volunteer, name):
    result = stalls.register_stall(session, actor=volunteer, market=market,
                                   raw=stall_fields(shop_name=name),
                                   client_id=str(uuid.uuid4()), confirm_phone=True)
    assert result.stall.shop_name == name


def test_every_vietnamese_letter_and_the_poster_punctuation_print(session, market, volunteer):
    name = "Đặng Thị Ốc – Bún Ửng · Ỹ ỵ Ữ ự “Chợ” 4.0 & Co."
    result = stalls.register_stall(session, actor=volunteer, market=market,
                                   raw=stall_fields(shop_name=name),
                                   client_id=str(uuid.uuid4()), confirm_phone=True)
    assert result.stall.shop_name == name


def test_the_search_text_is_the_code_shop_and_owner_folded_and_bounded():
    """What the stall list's search matches: code, shop and owner in that order, folded (no
    case, accents or đ), one space between, nothing for a field left out, at most 600
    characters (the column's size)."""
    assert stalls.search_text({"stall_code": "A-1", "shop_name": "Bún Riêu  Cô Ba",
                               "owner_name": "Đặng Thị Hồng"}) == "a-1 bun rieu co ba dang thi hong"
    assert stalls.search_text({"stall_code": "A-1", "owner_name": "Ba"}) == "a-1 ba"
    assert stalls.search_text({"stall_code": "A-1", "shop_name": "", "owner_name": "Ba"}) == "a-1 ba"
    assert stalls.search_text({"owner_name": "Ba"}) == "ba"
    assert stalls.search_text({"stall_code": "A-1"}) == "a-1"
    assert stalls.search_text({}) == ""
    long = stalls.search_text({"stall_code": "A-1", "shop_name": "x" * 700})
    assert long == "a-1 " + "x" * 596


def test_a_registered_stall_is_found_by_its_owner_without_accents(session, market, volunteer):
    register(session, market, volunteer, stall_code="C-3", shop_name="Gà Ta",
             owner_name="Đỗ Văn Đức")
    found, total = stall_lookup.search_stalls(session, market=market, query="do van duc")
    assert total == 1 and found[0].stall_code == "C-3"
    assert found[0].search_text == "c-3 ga ta do van duc"


def test_a_verification_code_already_taken_is_drawn_again(session, market, volunteer,
                                                         monkeypatch):
    """Codes are random, so two stalls could draw the same one: the second draws again."""
    taken = register(session, market, volunteer).stall.public_code
    draws = iter([taken, taken, "K7M2P9QX"])
    monkeypatch.setattr(stalls, "new_public_code", lambda: next(draws))
    assert stalls.unused_public_code(session) == "K7M2P9QX"


def test_without_the_owners_name_the_holders_is_asked_for_too(session, market, volunteer):
    """The holder's name defaults to the owner's: with neither, both are asked for at once."""
    with pytest.raises(FormErrors) as caught:
        register(session, market, volunteer, owner_name="", holder_name="")
    assert [(e.field, str(e)) for e in caught.value.errors] == [
        ("owner_name", "owner_name: Trường này bắt buộc."),
        ("holder_name", "holder_name: Nhập tên chủ tài khoản như ngân hàng hiển thị.")]


@pytest.mark.parametrize(("card", "is_card"), [
    (True, True), (1, True), ("1", True), ("true", True), ("on", True), ("yes", True),
    ("y", True), (False, False), (0, False), (2, False), ("0", False), ("TRUE", False),
    ("no", False), ("", False), (None, False)])
def test_the_card_flag_is_read_as_forms_and_json_send_it(session, market, volunteer, card,
                                                         is_card):
    """A card number is paid to as a card (its own VietQR service code); the flag arrives as
    a checkbox ("on"), JSON (true, 1) or a query-like string."""
    from merchant_onboard.domain.vietqr.emv import Service

    stall = register(session, market, volunteer, account_number="9704366812345678",
                     card=card).stall
    account = session.exec(select(PaymentAccount).where(PaymentAccount.stall_id == stall.id)).one()
    assert (account.service == Service.CARD.value) is is_card


def test_the_registered_event_records_the_account_without_its_number(session, market,
                                                                     volunteer):
    stall = register(session, market, volunteer).stall
    event = session.exec(select(Event).where(Event.stall_id == stall.id)).one()
    assert (event.kind, event.data) == ("registered", {
        "bin": "970436", "bank": "Vietcombank", "account_last4": "5678", "service": "QRIBFTTA"})
