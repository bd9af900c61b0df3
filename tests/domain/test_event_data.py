"""What each kind of event may carry: amounts in whole VND, times a payment or a phone can
really have, the poster formats the app prints, and a refusal's reason said in full."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from merchant_onboard.domain.errors import FormErrors
from merchant_onboard.domain.event_data import clean_event_data
from merchant_onboard.domain.funnel import EventKind

NOW = datetime(2026, 12, 6, 13, 0, tzinfo=UTC)
TESTED = {"name_matches": True, "owner_confirmed": True}
BAD_AMOUNT = "amount: Số tiền là số nguyên VND lớn hơn 0."


def cleaned(kind: EventKind, data: dict, **options) -> dict:
    return clean_event_data(kind, data, now=NOW, **options)


def messages(kind: EventKind, data: dict, **options) -> list[str]:
    with pytest.raises(FormErrors) as caught:
        cleaned(kind, data, **options)
    return [str(error) for error in caught.value.errors]


# --- amounts ---------------------------------------------------------------------------

@pytest.mark.parametrize(("sent", "amount"), [
    (2000, 2000),
    (2000.0, 2000),           # JSON 2000.0 is the integer 2000, not 20000
    (1e3, 1000),              # JSON 1e3 likewise
    ("2000", 2000),
    (" 45000 ", 45000),
    ("2.000", 2000),          # Vietnamese groups thousands with dots
    ("2,000", 2000),
    ("2 000", 2000),
    ("2\u00a0000", 2000),     # a no-break space, as spreadsheets copy it
    ("20.000.000", 20_000_000),
    ("1.000.000.000", 1_000_000_000),
    ("０２０００", 2000),      # fullwidth digits, as phone numbers and accounts take them
    ("２．０００", 2000),
])
def test_a_whole_number_of_vnd_is_taken_as_typed(sent, amount):
    assert cleaned(EventKind.TEST_PAYMENT_VERIFIED, {**TESTED, "amount": sent})["amount"] == amount
    assert cleaned(EventKind.FIRST_PAYMENT_CONFIRMED,
                   {"customer_payment": True, "amount": sent})["amount"] == amount


@pytest.mark.parametrize("sent", [
    2000.5, "2000.0", "2000.5", "2,5", "1.5", "2.000,5", "2,000.000", "2.00", "2.0000",
    "20.00.000", "2..000", ".000", "2.", "1 0000", "2 000.000", "2_000",
    "²", "¹²³", "2000²", "٢٠٠٠", "𝟐𝟎𝟎𝟎",  # digits to str.isdigit, but not to a bank
    "0", "000", "0.000", "-1", "-2000", "+2000", "1e3", "0x10", "2000đ",
    0, -5, True, False, float("nan"), float("inf"), 1e10, 1_000_000_001, "1.000.000.001",
    [2000], {"value": 2000},
])
def test_anything_but_a_whole_number_of_vnd_above_0_is_refused(sent):
    assert messages(EventKind.TEST_PAYMENT_VERIFIED, {**TESTED, "amount": sent}) == [BAD_AMOUNT]
    assert messages(EventKind.FIRST_PAYMENT_CONFIRMED,
                    {"customer_payment": True, "amount": sent}) == [BAD_AMOUNT]


# --- poster formats --------------------------------------------------------------------

@pytest.mark.parametrize(("sent", "stored"), [(None, "a6"), ("", "a6"), ("a5", "a5"),
                                              ("STICKER", "sticker"), ("png", "png")])
def test_a_print_records_a_format_the_app_prints(sent, stored):
    assert cleaned(EventKind.POSTER_PRINTED, {"format": sent})["format"] == stored


@pytest.mark.parametrize("sent", ["bogus", "<b>zz</b>", "a3", "pdf", 6])
def test_a_print_in_a_format_the_app_does_not_print_is_refused(sent):
    assert messages(EventKind.POSTER_PRINTED, {"format": sent}) == [
        "format: Khổ poster không hợp lệ (a6, a5, a4, sticker, png)."]


# --- refusals --------------------------------------------------------------------------

@pytest.mark.parametrize("note", [None, "", "   ", "\n"])
def test_another_reason_needs_a_note_saying_it(note):
    assert messages(EventKind.REFUSED, {"reason": "other", "note": note}) == [
        "note: Ghi rõ lý do khác vào ghi chú."]


def test_another_reason_with_its_note_is_kept():
    assert cleaned(EventKind.REFUSED, {"reason": "other", "note": " Chờ con trai về "}) == {
        "reason": "other", "note": "Chờ con trai về"}


def test_a_listed_reason_needs_no_note():
    assert cleaned(EventKind.REFUSED, {"reason": "prefers_cash"}) == {"reason": "prefers_cash"}
