"""Building VietQR payloads: the canonical static form, amounts, purposes, cards, bad input."""

from decimal import Decimal

import pytest

from merchant_onboard.domain.banks import BankRegistry
from merchant_onboard.domain.errors import ValidationError
from merchant_onboard.domain.vietqr import Service, build_payload, parse

CANONICAL = ("00020101021138570010A00000072701270006970403011300110123456780208QRIBFTTA"
             "53037045802VN63049E6F")


@pytest.mark.parametrize("bank", ["970403", "STB", "stb", "Sacombank", "SACOMBANK", " sacombank "])
def test_bank_is_resolved_by_bin_code_or_short_name(bank):
    assert build_payload(bank=bank, account="0011012345678") == CANONICAL


@pytest.mark.parametrize("account", ["0011 0123 4567 8", "0011.0123.4567-8", " 0011012345678 "])
def test_typed_separators_in_the_account_are_dropped(account):
    assert build_payload(bank="970403", account=account) == CANONICAL


def test_no_amount_and_no_purpose_is_static():
    result = parse(build_payload(bank="970403", account="0011012345678"))
    assert (result.initiation, result.amount, result.purpose) == ("static", None, None)
    assert "62" not in result.tags and "54" not in result.tags


def test_an_amount_makes_the_payload_dynamic():
    payload = build_payload(bank="970403", account="0011012345678", amount=2000)
    assert payload.startswith("000201010212")
    assert "54042000" in payload
    result = parse(payload)
    assert result.valid and (result.initiation, result.amount) == ("dynamic", 2000)


@pytest.mark.parametrize("amount", ["2000", " 2000 ", Decimal("2000"), 2000.0])
def test_amount_may_come_as_digits_or_an_integral_number(amount):
    assert parse(build_payload(bank="970403", account="1", amount=amount)).amount == 2000


def test_largest_amount_has_thirteen_digits():
    assert parse(build_payload(bank="970403", account="1", amount=9_999_999_999_999)).valid


def test_purpose_alone_stays_static_and_is_folded():
    result = parse(build_payload(bank="970403", account="0011012345678",
                                 purpose="  Tiền chợ  tháng 5 – Đợt 1 "))
    assert result.valid
    assert result.initiation == "static"
    assert result.purpose == "TIEN CHO THANG 5 DOT 1"


def test_a_purpose_that_folds_to_nothing_is_left_out():
    assert build_payload(bank="970403", account="0011012345678", purpose=" !!! ") == CANONICAL


def test_a_purpose_of_exactly_25_characters_fits():
    purpose = "A" * 25
    assert parse(build_payload(bank="970403", account="1", purpose=purpose)).purpose == purpose


def test_card_numbers_use_service_qribfttc():
    result = parse(build_payload(bank="VCB", account="9704 3611 2345 6789", card=True))
    assert result.valid
    assert (result.kind, result.service, result.account) == ("vietqr_card", Service.CARD,
                                                            "9704361123456789")


def test_alphanumeric_virtual_accounts_are_accepted():
    result = parse(build_payload(bank="970454", account="99mm24013m48977596"))
    assert result.valid and result.account == "99MM24013M48977596"


def test_an_explicit_registry_is_used():
    registry = BankRegistry.from_text("bin,code,short_name,name\n970499,NEW,NewBank,Mới\n")
    payload = build_payload(bank="newbank", account="123", registry=registry)
    assert parse(payload, registry).bank.short_name == "NewBank"
    with pytest.raises(ValidationError):
        build_payload(bank="970403", account="123", registry=registry)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"bank": "NOPE"}, "bank"),
        ({"bank": "999999"}, "bank"),
        ({"bank": ""}, "bank"),
        ({"account": ""}, "account_number"),
        ({"account": "0011@0123"}, "account_number"),
        ({"account": "Số 12"}, "account_number"),
        ({"account": "1" * 20}, "account_number"),
        ({"account": "123456789012345", "card": True}, "account_number"),
        ({"account": "1" * 20, "card": True}, "account_number"),
        ({"account": "970403110123456A", "card": True}, "account_number"),
        ({"amount": 0}, "amount"),
        ({"amount": -5000}, "amount"),
        ({"amount": 2000.5}, "amount"),
        ({"amount": Decimal("10.50")}, "amount"),
        ({"amount": "2.000"}, "amount"),
        ({"amount": "2000đ"}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": float("nan")}, "amount"),
        ({"amount": 10**13}, "amount"),
        ({"purpose": "A" * 26}, "purpose"),
        ({"purpose": "Thanh toán tiền hàng tháng năm"}, "purpose"),
    ],
)
def test_input_that_cannot_make_a_valid_payload_names_the_field(kwargs, field):
    arguments = {"bank": "970403", "account": "0011012345678", **kwargs}
    with pytest.raises(ValidationError) as info:
        build_payload(**arguments)
    assert info.value.field == field
    assert info.value.message  # a Vietnamese msgid for the UI to translate


@pytest.mark.parametrize("amount", [Decimal("sNaN"), Decimal("NaN"), Decimal("-Infinity"),
                                    Decimal("2000.5"), float("nan")])
def test_non_finite_or_fractional_amounts_are_a_field_error(amount):
    with pytest.raises(ValidationError) as info:
        build_payload(bank="970436", account="0011012345678", amount=amount)
    assert info.value.field == "amount"


@pytest.mark.parametrize(("account", "purpose", "changes"), [
    ("0011012345678", None, []),
    ("0011012345678", "TIEN RAU", []),
    ("0011 0123-4567_8", None, [("account_number", {"account": "0011012345678"})]),
    ("0011012345678", "A-3 Tiền rau", [("purpose", {"memo": "A 3 TIEN RAU"})]),
    ("0011012345678", "!!! ???", [("purpose", {})]),
])
def test_the_builder_reports_every_change_it_makes(account, purpose, changes):
    from merchant_onboard.domain.vietqr import build_reporting

    built = build_reporting(bank="970436", account=account, purpose=purpose, amount=2000)
    assert [(c.field, c.params) for c in built.changes] == changes
    assert built.payload == build_payload(bank="970436", account=account, purpose=purpose,
                                          amount=2000)
    if purpose == "!!! ???":
        assert "62" not in parse(built.payload).tags  # the memo is dropped, and it says so
