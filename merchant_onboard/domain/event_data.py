"""What each kind of onboarding event must carry, checked before it is written.

DESIGN §3: the test payment is the volunteer's own small transfer through the *printed* poster,
with the name shown by the bank app checked and the owner confirming arrival; the first customer
payment is a real customer's, never the volunteer's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from merchant_onboard.domain.errors import N_, FormErrors, ValidationError
from merchant_onboard.domain.figures import VIETNAM
from merchant_onboard.domain.funnel import EventKind, RefusalReason
from merchant_onboard.domain.poster.formats import parse_format
from merchant_onboard.domain.text import clean_text, whole_number

NOTE_MAX = 1000
#: NAPAS: amount ≤ 13 digits; a stall payment over 1 billion VND is a typo.
AMOUNT_MAX = 1_000_000_000
#: Device clocks drift; a payment "in the future" beyond this is a wrong date.
CLOCK_SKEW = timedelta(minutes=10)
#: Nothing the app records happened before 2020 (VietQR at market stalls came later): an
#: earlier time is a wrong date, such as a phone clock reset to 1970 or a year typed as 0001.
EARLIEST = datetime(2020, 1, 1, tzinfo=UTC)
#: A phone clock more than a day ahead is set wrong, not merely drifting.
DEVICE_CLOCK_AHEAD = timedelta(days=1)


def memo_code(public_code: str) -> str:
    """The transfer memo for a stall's test payment: short, uppercase, NAPAS-safe."""
    return f"MO {public_code}"


def clean_event_data(kind: EventKind, data: Mapping[str, Any] | None, *, now: datetime,
                     expected_memo: str = "", default_amount: int = 2000,
                     registered_at: datetime | None = None,
                     happened_at: datetime | None = None) -> dict[str, Any]:
    """The stored ``data`` of an event of ``kind``, or ``FormErrors`` naming what is wrong.

    ``registered_at`` is when the stall was registered: no customer paid it before.
    ``happened_at``: when the step was done, if not ``now`` (saved on a phone without a
    signal, sent later): a first payment without its time typed was then.
    """
    raw = dict(data or {})
    errors: list[ValidationError] = []
    out: dict[str, Any] = {}

    def take(field: str, clean: Any) -> None:
        try:
            value = clean(raw.get(field))
        except ValidationError as error:
            errors.append(error)
        else:
            if value is not None:
                out[field] = value

    # A note event's note is required; any other event's may be left out (once: a note over
    # the limit was refused twice, with the same message).
    take("note", _note_required if kind == EventKind.NOTE else _note_optional)
    if kind == EventKind.REFUSED:
        take("reason", _reason)
        if out.get("reason") == RefusalReason.OTHER and "note" not in out and not errors:
            # "Other" says nothing by itself: the note is the reason managers act on.
            errors.append(ValidationError(N_("Ghi rõ lý do khác vào ghi chú."), field="note"))
    elif kind == EventKind.TEST_PAYMENT_VERIFIED:
        take("amount", lambda v: _amount(v, default=default_amount))
        take("memo", lambda v: clean_text(v, field="memo", max_length=200).upper()[:25] if v
             else expected_memo or None)
        take("name_matches", lambda v: _must_be_true(
            v, "name_matches",
            N_("Chỉ xác nhận khi ứng dụng ngân hàng hiện đúng tên in trên poster.")))
        take("owner_confirmed", lambda v: _must_be_true(
            v, "owner_confirmed", N_("Chủ gian hàng cần xác nhận đã nhận được tiền.")))
        take("bank_reference", lambda v: _short_text(v, "bank_reference", 64))
    elif kind == EventKind.FIRST_PAYMENT_CONFIRMED:
        take("amount", lambda v: _amount(v, default=None))
        take("paid_at", lambda v: _paid_at(v, now, registered_at, happened_at))
        take("customer_payment", lambda v: _must_be_true(
            v, "customer_payment",
            N_("Chỉ ghi nhận giao dịch của khách hàng thật, không phải chuyển khoản thử.")))
    elif kind == EventKind.POSTER_PRINTED:
        take("format", lambda v: parse_format(v).value)
    elif kind == EventKind.POSTER_INSTALLED:
        take("latitude", lambda v: clean_coordinate(v, "latitude", 90))
        take("longitude", lambda v: clean_coordinate(v, "longitude", 180))
        if ("latitude" in raw) != ("longitude" in raw):
            # A point is both or neither (as a stall's own, registration.clean_details).
            errors.append(ValidationError(HALF_A_POSITION, field="longitude" if "latitude" in raw
                                          else "latitude"))
    elif kind == EventKind.RECHECK:
        # One code as "payload" (older clients) or every code read as "payloads".
        take("payloads", lambda v: _payloads(raw.get("payload"), v))
    if errors:
        raise FormErrors(errors)
    return out


def _note_optional(value: Any) -> str | None:
    return clean_text(value or "", field="note", max_length=NOTE_MAX, multiline=True) or None


def _note_required(value: Any) -> str:
    text = _note_optional(value)
    if not text:
        raise ValidationError(N_("Nhập nội dung ghi chú."), field="note")
    return text


def _reason(value: Any) -> str:
    try:
        return RefusalReason(str(value or "")).value
    except ValueError:
        raise ValidationError(N_("Chọn lý do từ chối."), field="reason") from None


#: Fullwidth digits and separators (an East Asian keyboard's) are read as ASCII, as in phone
#: and account numbers.
def _amount(value: Any, *, default: int | None) -> int:
    if value in (None, ""):
        if default is None:
            raise ValidationError(N_("Nhập số tiền (VND)."), field="amount")
        return default
    amount = whole_number(value)
    if amount is None or not 0 < amount <= AMOUNT_MAX:
        raise ValidationError(N_("Số tiền là số nguyên VND lớn hơn 0."), field="amount")
    return amount


def _must_be_true(value: Any, field: str, message: str) -> bool:
    if value in (True, "true", "on", "1", 1, "yes"):
        return True
    raise ValidationError(message, field=field)


#: Codes one re-check may carry: a stall shows one or two; more is not a photo of a stall.
MAX_PAYLOADS = 10
#: NAPAS payloads stay under 512 characters (every field ≤ 99, a handful of fields).
PAYLOAD_MAX = 512


def _payloads(single: Any, many: Any) -> list[str]:
    """Every code text a re-check carries; at least one (a re-check with none proves nothing)."""
    items = ([] if single in (None, "") else [single]) + (many if isinstance(many, list) else [])
    if many not in (None, "") and not isinstance(many, list):
        raise ValidationError(N_("Cần một danh sách mã QR đã đọc."), field="payloads")
    if len(items) > MAX_PAYLOADS:
        raise ValidationError(N_("Tối đa %(n)s mã QR."), field="payloads", n=MAX_PAYLOADS)
    texts = [_short_text(item, "payloads", PAYLOAD_MAX) if isinstance(item, str) else None
             for item in items]
    if any(text is None for text in texts):
        raise ValidationError(N_("Mỗi mã QR đã đọc phải là một chuỗi không rỗng."),
                              field="payloads")
    if not texts:
        raise ValidationError(N_("Không đọc được mã QR trên poster."), field="payloads")
    return list(dict.fromkeys(texts))  # type: ignore[arg-type]


def _short_text(value: Any, field: str, limit: int) -> str | None:
    return clean_text(value or "", field=field, max_length=limit) or None


#: A position sent with one coordinate: stored, it was half a point (10.1, null).
HALF_A_POSITION = N_("Vĩ độ và kinh độ đi cùng nhau: gửi cả hai, hoặc không gửi cả hai.")


def clean_coordinate(value: Any, field: str, bound: int) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(N_("Toạ độ không hợp lệ."), field=field) from None
    if not -bound <= number <= bound:
        raise ValidationError(N_("Toạ độ không hợp lệ."), field=field)
    return number


def _paid_at(value: Any, now: datetime, registered_at: datetime | None,
             happened_at: datetime | None = None) -> str:
    if value in (None, ""):
        return (happened_at or now).isoformat()
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        moment = None
    if moment is not None and moment.tzinfo is None:
        # A bare local time from a form is Vietnam's (UTC+7, no daylight saving).
        moment = moment.replace(tzinfo=VIETNAM)
    if moment is None or moment < EARLIEST:
        raise ValidationError(N_("Thời điểm thanh toán không hợp lệ."), field="paid_at")
    if moment > now + CLOCK_SKEW:
        raise ValidationError(N_("Thời điểm thanh toán không thể ở tương lai."), field="paid_at")
    # The form gives minutes: a payment in the minute of registration is not before it.
    if registered_at is not None and moment < registered_at.replace(second=0, microsecond=0):
        raise ValidationError(
            N_("Thời điểm thanh toán không thể trước lúc gian hàng được đăng ký (%(time)s)."),
            field="paid_at", time=f"{registered_at.astimezone(VIETNAM):%H:%M %d/%m/%Y}")
    return moment.astimezone(UTC).isoformat()


def clean_device_time(value: str | None, *, now: datetime) -> datetime | None:
    """The phone's clock when an event happened (ISO 8601 with its offset), or None.

    Bounded before any conversion: a time at the calendar's edge (year 1 at +14:00) compares
    fine but has no UTC equivalent a datetime can hold.
    """
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValidationError(N_("Thời điểm cần theo ISO 8601, kèm múi giờ."),
                              field="device_time")
    if not EARLIEST <= moment <= now + DEVICE_CLOCK_AHEAD:
        raise ValidationError(N_("Giờ của điện thoại không hợp lệ: kiểm tra ngày giờ trên máy."),
                              field="device_time")
    return moment.astimezone(UTC)
