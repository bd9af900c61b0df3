"""What the VietQR builder says to a volunteer or manager: the exact message of each refusal
and of each change it makes to what was typed, and the limits of the fields (NAPAS).

test_vietqr_build.py names the field of each refusal; here the words the form shows.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from merchant_onboard.domain.errors import ValidationError
from merchant_onboard.domain.vietqr import build_payload, build_reporting, parse

NO_BANK = "bank: Không tìm thấy ngân hàng “{}”: nhập mã BIN, mã hoặc tên viết tắt"
BAD_ACCOUNT = "account_number: Số tài khoản chỉ gồm chữ số và chữ cái, tối đa 19 ký tự"
BAD_CARD = "account_number: Số thẻ phải gồm 16 đến 19 chữ số"
BAD_AMOUNT = ("amount: Số tiền phải là số nguyên dương tính bằng đồng, không có phần thập "
              "phân")
LONG_PURPOSE = ("purpose: Nội dung chuyển khoản tối đa 25 ký tự (chữ không dấu, số và dấu "
                "cách)")


@pytest.mark.parametrize(("kwargs", "said"), [
    ({"bank": "NOPE"}, NO_BANK.format("NOPE")),
    ({"bank": 970403}, NO_BANK.format("970403")),  # a number, not the text of a BIN
    ({"account": ""}, BAD_ACCOUNT),
    ({"account": None}, BAD_ACCOUNT),
    ({"account": "1" * 20}, BAD_ACCOUNT),
    ({"account": "12 3@4"}, BAD_ACCOUNT),
    ({"account": "1" * 15, "card": True}, BAD_CARD),
    ({"account": "1" * 20, "card": True}, BAD_CARD),
    ({"account": None, "card": True}, BAD_CARD),
    ({"amount": 0}, BAD_AMOUNT),
    ({"amount": True}, BAD_AMOUNT),
    ({"amount": "2.000"}, BAD_AMOUNT),
    ({"amount": "٢٠٠٠"}, BAD_AMOUNT),  # Arabic-Indic digits are digits to str.isdigit
    ({"amount": Decimal("Infinity")}, BAD_AMOUNT),
    ({"amount": float("inf")}, BAD_AMOUNT),
    ({"amount": [2000]}, BAD_AMOUNT),
    ({"amount": 10**13}, "amount: Số tiền tối đa 13 chữ số"),
    ({"amount": "10000000000000"}, "amount: Số tiền tối đa 13 chữ số"),
    ({"purpose": "A" * 26}, LONG_PURPOSE),
])
def test_each_refusal_says_what_to_fix(kwargs, said):
    with pytest.raises(ValidationError) as caught:
        build_payload(**{"bank": "970403", "account": "0011012345678", **kwargs})
    assert str(caught.value) == said


@pytest.mark.parametrize(("account", "card"), [
    ("1" * 19, False), ("A1b2", False), ("1" * 16, True), ("1" * 19, True),
])
def test_the_longest_and_shortest_numbers_napas_allows_are_built(account, card):
    result = parse(build_payload(bank="970403", account=account, card=card))
    assert result.valid and result.account == account.upper()


@pytest.mark.parametrize(("amount", "read"), [
    (1, 1), ("1", 1), (Decimal("2000.000"), 2000), (35000.0, 35000),
    (10**13 - 1, 10**13 - 1), ("9999999999999", 10**13 - 1),
])
def test_every_positive_whole_amount_up_to_13_digits_is_built(amount, read):
    payload = build_payload(bank="970403", account="1", amount=amount)
    assert f"54{len(str(read)):02d}{read}" in payload and parse(payload).amount == read


def test_each_change_to_what_was_typed_is_said():
    built = build_reporting(bank="970436", account=" 0011 0123-4567_8 ",
                            purpose=" A-3 Tiền rau ")
    assert [str(c) for c in built.changes] == [
        "account_number: Số tài khoản được ghi là 0011012345678 (bỏ dấu cách, dấu chấm, "
        "dấu gạch).",
        "purpose: Nội dung chuyển khoản được ghi là “A 3 TIEN RAU”.",
    ]
    dropped = build_reporting(bank="970436", account="0011012345678", purpose=" !!! ")
    assert [str(c) for c in dropped.changes] == [
        "purpose: Nội dung chuyển khoản không còn ký tự nào dùng được nên đã bỏ."]


@pytest.mark.parametrize(("typed", "said"), [
    # Full-width digits (a Japanese or Chinese keyboard) and lowercase letters: converted,
    # no separator was taken out.
    ("\uff11\uff12\uff13", "123 (đổi sang chữ số và chữ in hoa thông thường)"),
    ("ab12", "AB12 (đổi sang chữ số và chữ in hoa thông thường)"),
    ("\uff11\uff12 3-4", "1234 (bỏ dấu cách, dấu chấm, dấu gạch; đổi sang chữ số và chữ in hoa "
                         "thông thường)"),
    ("12 3-4", "1234 (bỏ dấu cách, dấu chấm, dấu gạch)"),
])
def test_the_change_to_an_account_number_says_what_was_changed(typed, said):
    built = build_reporting(bank="970436", account=typed)
    assert [str(c) for c in built.changes] == [
        f"account_number: Số tài khoản được ghi là {said}."]


def test_spaces_around_what_was_typed_are_no_change():
    built = build_reporting(bank="970436", account="  0011012345678 ", purpose="  TIEN RAU  ")
    assert built.changes == ()
    assert parse(built.payload).purpose == "TIEN RAU"
    assert build_reporting(bank="970436", account="1", purpose="   ").changes == ()


def test_a_card_payload_is_the_napas_card_service_in_full():
    payload = build_payload(bank="970436", account="9704361123456789", card=True)
    body = ("00020101021138600010A00000072701300006970436011697043611234567890208QRIBFTTC"
            "53037045802VN6304")
    assert payload[:-4] == body and parse(payload).valid
