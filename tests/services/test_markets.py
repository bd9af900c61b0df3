"""Cleaning a market's fields (``clean_market``): each rule on its own, and all errors at once."""

import pytest

from merchant_onboard.domain.errors import FormErrors, PermissionDenied
from merchant_onboard.models import Market, Role
from merchant_onboard.services.markets import clean_market, update_market

VALID = {"code": "cho-vi-thanh", "name": "Chợ Vị Thanh"}


def errors_of(raw, *, partial=False):
    """``{field: (message, params)}`` of what ``clean_market`` refuses."""
    with pytest.raises(FormErrors) as caught:
        clean_market(raw, partial=partial)
    return {error.field: (error.message, error.params) for error in caught.value.errors}


def test_a_new_market_gets_its_defaults():
    assert clean_market(VALID) == {
        "code": "cho-vi-thanh", "name": "Chợ Vị Thanh", "province": "", "ward": "",
        "address": "", "campaign_title": "", "poster_second_line": "", "kind": "market",
        "census_size": 0, "target_pct": 80}


def test_fields_are_cleaned_as_typed():
    cleaned = clean_market({**VALID, "code": "  Cho-Moi-2 ", "province": " Hậu Giang ",
                            "kind": "street", "census_size": " 1433 ", "target_pct": 85})
    assert (cleaned["code"], cleaned["province"], cleaned["kind"]) == (
        "cho-moi-2", "Hậu Giang", "street")
    assert (cleaned["census_size"], cleaned["target_pct"]) == (1433, 85)


@pytest.mark.parametrize("code", ["ab", "cho-vi-thanh", "0-9", "a" * 32, "CHO-MOI"])
def test_market_codes_accepted(code):
    assert clean_market({**VALID, "code": code})["code"] == code.lower()


@pytest.mark.parametrize("code", ["", "a", "-cho", "chợ-mới", "cho moi", "cho_moi", "a" * 33,
                                  None])
def test_market_codes_refused(code):
    assert set(errors_of({**VALID, "code": code})) == {"code"}


@pytest.mark.parametrize(("field", "limit"), [("name", 200), ("province", 100), ("ward", 100),
                                              ("address", 300), ("campaign_title", 200)])
def test_text_fields_have_their_column_length(field, limit):
    message, params = errors_of({**VALID, field: "x" * (limit + 1)})[field]
    assert params == {"n": limit}
    # The title and the name must also fit the posters' header, which 200 letters never do
    # (tests/domain/test_poster_layout.py): their column's length is the first bound.
    if field not in ("campaign_title", "name"):
        assert clean_market({**VALID, field: "x" * limit})[field] == "x" * limit


def test_only_the_name_is_required():
    assert errors_of({"code": "cho-moi", "name": "  "})["name"][0] == "Trường này bắt buộc."
    assert clean_market({"code": "cho-moi", "name": "Chợ Mới", "province": None})["province"] == ""


def test_text_with_control_characters_is_refused():
    assert set(errors_of({**VALID, "ward": "Phường\x075"})) == {"ward"}


def test_the_posters_second_line_is_one_printable_line():
    assert clean_market({**VALID, "poster_second_line": " Scan  to\tpay "})[
        "poster_second_line"] == "Scan to pay"
    assert set(errors_of({**VALID, "poster_second_line": "x" * 81})) == {"poster_second_line"}
    assert set(errors_of({**VALID, "poster_second_line": "Quét mã 🙂"})) == {"poster_second_line"}


@pytest.mark.parametrize("kind", ["mall", "Market", "chợ"])
def test_unknown_kinds_are_refused(kind):
    assert errors_of({**VALID, "kind": kind}) == {"kind": ("Loại điểm không hợp lệ.", {})}


@pytest.mark.parametrize(("field", "low", "high"), [("census_size", 0, 1_000_000),
                                                    ("target_pct", 1, 100)])
def test_whole_numbers_within_their_range(field, low, high):
    for value in (low, high, str(high)):
        assert clean_market({**VALID, field: value})[field] == int(value)
    for value in (low - 1, high + 1, "abc", "1.5", 2.5, "5 0"):
        assert errors_of({**VALID, field: value}) == {
            field: ("Nhập số nguyên từ %(low)s đến %(high)s.", {"low": low, "high": high})}


@pytest.mark.parametrize("typed", ["1.433", "1,433", "1 433", "1\u00a0433", "１.４３３", " 1433 "])
def test_a_census_size_typed_with_its_thousands_grouped_is_taken(typed):
    """Vietnam writes 1433 as "1.433" (the dashboard shows it so): a manager copying the
    commune's figure was told to type a whole number."""
    assert clean_market({**VALID, "census_size": typed})["census_size"] == 1433


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_an_empty_number_takes_its_default(empty):
    cleaned = clean_market({**VALID, "census_size": empty, "target_pct": empty})
    assert (cleaned["census_size"], cleaned["target_pct"]) == (0, 80)


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_an_edit_that_empties_the_target_is_refused(empty):
    """The default is for a market created without a target. A manager who clears the field
    of a market aiming at 60 % did not ask for 80 %: it was saved without a word."""
    assert errors_of({"target_pct": empty}, partial=True) == {
        "target_pct": ("Nhập số nguyên từ %(low)s đến %(high)s.", {"low": 1, "high": 100})}
    # An emptied declared size still declares none, as the form says.
    assert clean_market({"census_size": empty}, partial=True) == {"census_size": 0}


def test_every_wrong_field_is_reported_at_once_in_form_order():
    with pytest.raises(FormErrors) as caught:
        clean_market({"code": "Chợ!", "name": "", "poster_second_line": "🙂", "kind": "mall",
                      "census_size": -1, "target_pct": 101})
    assert [e.field for e in caught.value.errors] == [
        "code", "name", "poster_second_line", "kind", "census_size", "target_pct"]


def test_an_edit_checks_and_returns_only_the_fields_sent():
    assert clean_market({"target_pct": "90"}, partial=True) == {"target_pct": 90}
    assert clean_market({"kind": ""}, partial=True) == {"kind": "market"}
    assert clean_market({}, partial=True) == {}
    assert set(errors_of({"name": "", "census_size": "x"}, partial=True)) == {
        "name", "census_size"}


@pytest.mark.parametrize("nothing", [None, 0, False, []])
def test_a_false_value_is_an_empty_text_field(nothing):
    assert clean_market({**VALID, "province": nothing})["province"] == ""
    assert clean_market({**VALID, "poster_second_line": nothing})["poster_second_line"] == ""
    assert errors_of({**VALID, "name": nothing})["name"][0] == "Trường này bắt buộc."


@pytest.mark.parametrize("field", ["name", "campaign_title"])
def test_a_printed_field_with_a_character_no_poster_face_has_is_refused(field):
    """Every poster prints the market's name and campaign title: an emoji there would print
    as blank space, so it is refused with the characters named, as a shop name's are."""
    message, params = errors_of({**VALID, field: "Chợ Vị Thanh 🍜 ✨"})[field]
    assert "không in được" in message and params["chars"] == "🍜 ✨"
    # Khmer and Chinese have faces: a market of Sóc Trăng may name itself in them.
    assert clean_market({**VALID, field: "ផ្សារ 市场"})[field] == "ផ្សារ 市场"


def test_unprinted_fields_keep_what_is_typed():
    assert clean_market({**VALID, "address": "Số 1 🍜"})["address"] == "Số 1 🍜"


def test_an_admin_corrects_what_a_market_is_and_its_manager_may_not(session, market, make_user):
    manager = make_user("hung", role=Role.MANAGER, markets=[market])
    with pytest.raises(PermissionDenied):
        update_market(session, actor=manager, market=market,
                      raw={"name": "Chợ Khác", "census_size": "12"})
    session.expire_all()
    assert (session.get(Market, market.id).name, session.get(Market, market.id).census_size) \
        == ("Chợ cho-vi-thanh", 0)
    admin = make_user("root", role=Role.ADMIN)
    update_market(session, actor=admin, market=market,
                  raw={"name": " Chợ Vị Thanh ", "kind": "street", "ward": "Phường 5"})
    session.expire_all()
    stored = session.get(Market, market.id)
    assert (stored.name, stored.kind, stored.ward) == ("Chợ Vị Thanh", "street", "Phường 5")


def test_an_identical_market_sent_again_is_the_one_made_and_another_under_its_code_a_conflict(
        session, make_user):
    from sqlmodel import select

    from merchant_onboard.domain.errors import ConflictError
    from merchant_onboard.models import AuditEntry
    from merchant_onboard.services.markets import create_market_once

    root = make_user("root", role=Role.ADMIN)
    raw = {"code": "cho-tan-an", "name": "Chợ Tân An", "province": "Long An"}
    made, created = create_market_once(session, actor=root, raw=raw)
    again, created_again = create_market_once(session, actor=root,
                                              raw={**raw, "name": " Chợ Tân An "})
    assert (created, created_again, again.id) == (True, False, made.id)
    for other in ({"name": "Chợ Tân Ann"}, {"province": ""}, {"kind": "street"}):
        with pytest.raises(ConflictError):
            create_market_once(session, actor=root, raw={**raw, **other})
    audits = session.exec(select(AuditEntry).where(AuditEntry.action == "market.create")).all()
    assert [a.target for a in audits] == ["cho-tan-an"]


def test_an_admin_corrects_a_markets_code_and_the_former_one_leads_to_it(session, market,
                                                                         make_user):
    """A code typed wrong when the market was made ("cho-vi-thnah"), or outdated by a ward
    merger, is corrected by an administrator. The market's pages, bookmarks, API scripts and
    the phones' offline copies under the old code then reach it under the new one."""
    from sqlmodel import select

    from merchant_onboard.domain.errors import MarketMoved
    from merchant_onboard.models import AuditEntry
    from merchant_onboard.services.access import enter_market

    admin = make_user("root", role=Role.ADMIN)
    lan = make_user("lan", markets=[market])
    update_market(session, actor=admin, market=market, raw={"code": " Cho-Vi-Thanh-2 "})
    session.expire_all()
    assert session.get(Market, market.id).code == "cho-vi-thanh-2"
    assert enter_market(session, lan, "cho-vi-thanh-2").market.id == market.id
    with pytest.raises(MarketMoved) as moved:
        enter_market(session, lan, "cho-vi-thanh")
    assert (moved.value.former, moved.value.current) == ("cho-vi-thanh", "cho-vi-thanh-2")
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "market.update")).one()
    assert audit.data == {"changes": {"code": ["cho-vi-thanh", "cho-vi-thanh-2"]}}
    # Back to the first code: it is the market's again, and the second one leads there.
    update_market(session, actor=admin, market=market, raw={"code": "cho-vi-thanh"})
    assert enter_market(session, lan, "cho-vi-thanh").market.id == market.id
    with pytest.raises(MarketMoved) as moved:
        enter_market(session, lan, "cho-vi-thanh-2")
    assert moved.value.current == "cho-vi-thanh"


def test_a_code_in_use_or_leading_to_another_market_is_not_taken(session, market, make_market,
                                                                 make_user):
    from merchant_onboard.domain.errors import ConflictError, NotFoundError
    from merchant_onboard.services.access import enter_market
    from merchant_onboard.services.markets import create_market

    admin = make_user("root", role=Role.ADMIN)
    other = make_market("cho-tan-an")
    with pytest.raises(ConflictError) as taken:
        update_market(session, actor=admin, market=market, raw={"code": "cho-tan-an"})
    assert taken.value.field == "code"
    update_market(session, actor=admin, market=other, raw={"code": "cho-tan-an-moi"})
    # "cho-tan-an" leads to the other market now: neither a new market nor this one takes it.
    with pytest.raises(ConflictError) as leads:
        update_market(session, actor=admin, market=market, raw={"code": "cho-tan-an"})
    assert (leads.value.field, leads.value.params["name"]) == ("code", "Chợ cho-tan-an")
    with pytest.raises(ConflictError):
        create_market(session, actor=admin, raw={"code": "cho-tan-an", "name": "Chợ Mới"})
    session.expire_all()
    assert session.get(Market, market.id).code == "cho-vi-thanh"
    # A market the user may not enter is not found, under its former code as under its own.
    stranger = make_user("lan", markets=[market])
    with pytest.raises(NotFoundError) as hidden:
        enter_market(session, stranger, "cho-tan-an")
    assert type(hidden.value) is NotFoundError


def test_a_manager_does_not_change_the_code_and_may_send_it_unchanged(session, market,
                                                                      make_user):
    manager = make_user("hung", role=Role.MANAGER, markets=[market])
    with pytest.raises(PermissionDenied):
        update_market(session, actor=manager, market=market, raw={"code": "cho-khac"})
    # A client that sends the market back as it read it changes its settings as before.
    update_market(session, actor=manager, market=market,
                  raw={"code": "CHO-VI-THANH", "census_size": "120"})
    session.expire_all()
    assert (session.get(Market, market.id).code,
            session.get(Market, market.id).census_size) == ("cho-vi-thanh", 120)
