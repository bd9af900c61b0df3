"""What each kind of event may carry: amounts in whole VND, times a payment or a phone can
really have, the poster formats the app prints, and a refusal's reason said in full."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from merchant_onboard.domain.errors import FormErrors, ValidationError
from merchant_onboard.domain.event_data import clean_device_time, clean_event_data
from merchant_onboard.domain.funnel import EventKind

NOW = datetime(2026, 12, 6, 13, 0, tzinfo=UTC)
#: 19:43 on 5 December in Vietnam (UTC+7).
REGISTERED = datetime(2026, 12, 5, 12, 43, 20, tzinfo=UTC)
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


# --- the first customer payment's time -------------------------------------------------

def first_payment(paid_at, **options) -> dict:
    return cleaned(EventKind.FIRST_PAYMENT_CONFIRMED,
                   {"customer_payment": True, "amount": 30000, "paid_at": paid_at}, **options)


def test_a_bare_paid_at_is_vietnam_time():
    assert first_payment("2026-12-06T08:30")["paid_at"] == "2026-12-06T01:30:00+00:00"


@pytest.mark.parametrize("paid_at", [
    "0001-01-01T00:00", "0001-01-01T06:59", "0001-01-01T07:00", "0001-01-01T00:00:00+14:00",
    "1970-01-01T07:00", "2019-12-31T23:59",
])
def test_a_payment_before_2020_is_not_a_real_time(paid_at):
    assert messages(EventKind.FIRST_PAYMENT_CONFIRMED,
                    {"customer_payment": True, "amount": 30000, "paid_at": paid_at}) == [
        "paid_at: Thời điểm thanh toán không hợp lệ."]


@pytest.mark.parametrize("paid_at", ["9999-12-31T23:59", "9999-12-31T23:59:59-14:00",
                                     "2026-12-06T20:11"])
def test_a_payment_in_the_future_is_refused(paid_at):
    assert messages(EventKind.FIRST_PAYMENT_CONFIRMED,
                    {"customer_payment": True, "amount": 30000, "paid_at": paid_at}) == [
        "paid_at: Thời điểm thanh toán không thể ở tương lai."]


@pytest.mark.parametrize("paid_at", ["2026-11-01T07:00", "2026-12-05T08:30",
                                     "2026-12-05T19:42", "2026-12-05T12:42:59+00:00"])
def test_a_payment_before_the_stall_was_registered_is_refused(paid_at):
    assert messages(EventKind.FIRST_PAYMENT_CONFIRMED,
                    {"customer_payment": True, "amount": 30000, "paid_at": paid_at},
                    registered_at=REGISTERED) == [
        "paid_at: Thời điểm thanh toán không thể trước lúc gian hàng được đăng ký "
        "(19:43 05/12/2026)."]


def test_a_payment_in_the_minute_of_registration_is_taken():
    """The form gives minutes: 19:43 is not before a registration at 19:43:20."""
    paid = first_payment("2026-12-05T19:43", registered_at=REGISTERED)
    assert paid["paid_at"] == "2026-12-05T12:43:00+00:00"


def test_no_paid_at_is_the_time_of_recording():
    assert first_payment("", registered_at=REGISTERED)["paid_at"] == NOW.isoformat()


# --- the phone's clock -----------------------------------------------------------------

@pytest.mark.parametrize("sent", ["0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00+00:00",
                                  "1970-01-01T00:00:00+00:00", "9999-12-31T23:59:59-14:00",
                                  "2026-12-07T13:00:01+00:00"])
def test_a_device_time_outside_2020_to_tomorrow_is_refused(sent):
    with pytest.raises(ValidationError) as caught:
        clean_device_time(sent, now=NOW)
    assert str(caught.value) == ("device_time: Giờ của điện thoại không hợp lệ: "
                                 "kiểm tra ngày giờ trên máy.")


@pytest.mark.parametrize("sent", ["2026-12-06T08:00:00", "yesterday", "2026-13-01T00:00Z"])
def test_a_device_time_needs_iso_8601_with_its_offset(sent):
    with pytest.raises(ValidationError) as caught:
        clean_device_time(sent, now=NOW)
    assert str(caught.value) == "device_time: Thời điểm cần theo ISO 8601, kèm múi giờ."


def test_a_device_time_is_kept_as_the_moment_it_names():
    assert clean_device_time("2026-12-07T19:59:00+07:00", now=NOW) == datetime(
        2026, 12, 7, 12, 59, tzinfo=UTC)
    assert clean_device_time("2020-01-01T00:00:00Z", now=NOW) == datetime(2020, 1, 1, tzinfo=UTC)
    assert clean_device_time(None, now=NOW) is None and clean_device_time("", now=NOW) is None


@pytest.mark.parametrize("kind", [EventKind.NOTE, EventKind.POSTER_INSTALLED])
def test_a_note_over_its_limit_is_said_once(kind):
    """A note event's note over 1,000 characters was refused twice, with the same message."""
    with pytest.raises(FormErrors) as caught:
        clean_event_data(kind, {"note": "x" * 1001}, now=datetime.now(UTC))
    assert [error.field for error in caught.value.errors] == ["note"]


def test_a_note_event_needs_its_note_and_keeps_it():
    with pytest.raises(FormErrors) as caught:
        clean_event_data(EventKind.NOTE, {"note": "  "}, now=datetime.now(UTC))
    assert [error.field for error in caught.value.errors] == ["note"]
    kept = clean_event_data(EventKind.NOTE, {"note": " Chủ hộ hẹn chiều "}, now=datetime.now(UTC))
    assert kept == {"note": "Chủ hộ hẹn chiều"}
