"""Cleaning what a volunteer types about a stall and its bank account, before anything is stored.

Pure: values in, cleaned values out, or ``FormErrors`` naming every wrong field at once, so the
form and the API can show all messages in one round trip on a slow connection.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from merchant_onboard.domain.banks import Bank, BankRegistry, default_registry
from merchant_onboard.domain.errors import N_, FormErrors, ValidationError
from merchant_onboard.domain.event_data import HALF_A_POSITION, clean_coordinate
from merchant_onboard.domain.poster.fonts import require_printable
from merchant_onboard.domain.text import (
    ACCOUNT_SEPARATOR, clean_text, fold_holder_name, nfc, normalize_account, normalize_phone,
)
from merchant_onboard.domain.vietqr import build_payload
from merchant_onboard.domain.vietqr.emv import MAX_ACCOUNT

T = TypeVar("T")

STALL_CODE_RE = re.compile(r"^[0-9A-Z][0-9A-Z .\-/_]{0,31}$")
#: A stall code as it may be typed (it is upper-cased): the API document's pattern.
STALL_CODE_PATTERN = STALL_CODE_RE.pattern.replace("A-Z", "A-Za-z")

#: Field → (maximum length, required at registration).
TEXT_FIELDS: dict[str, tuple[int, bool]] = {
    "stall_code": (32, True),
    "zone": (64, False),
    "shop_name": (200, True),
    "owner_name": (120, True),
    "category": (64, False),
    "notes": (2000, False),
}
#: Coordinate → the largest value either way (degrees).
COORDINATE_LIMITS = {"latitude": 90, "longitude": 180}
#: Fields the poster prints as typed: a character its font lacks would print as a blank.
PRINTED_FIELDS = frozenset({"shop_name", "owner_name"})
#: NAPAS shows at most about 50 characters of a holder name; longer is a typo.
HOLDER_NAME_MAX = 50
#: The shortest account numbers Vietnamese banks issue have 6 characters (some banks' older
#: ones); anything shorter is a number typed half-way. (Parsing others' QR codes accepts any.)
ACCOUNT_MIN = 6
#: An account number as it may be typed, for the API document: 6 to 19 letters and digits among
#: separators (a card's 16 to 19 digits fit too; ``build_payload`` judges the rest).
ACCOUNT_PATTERN = (r"^S*(?:[0-9A-Za-z]S*){%d,%d}$" % (ACCOUNT_MIN, MAX_ACCOUNT)).replace(
    "S", ACCOUNT_SEPARATOR)


@dataclass(frozen=True, slots=True)
class AccountDetails:
    """A bank account ready to store: resolved bank, normalised number, folded name, payload."""

    bank: Bank
    account_number: str
    holder_name: str
    service: str
    payload: str

    @property
    def payload_hash(self) -> str:
        return payload_hash(self.payload)


def payload_hash(payload: str) -> str:
    """The stored fingerprint of a payload (what posters and checks compare)."""
    return hashlib.sha256(payload.encode("ascii", "replace")).hexdigest()


def clean_stall_code(value: Any) -> str:
    code = nfc(str(value or "")).upper()
    code = re.sub(r"\s+", " ", code)
    if not code:
        raise ValidationError(N_("Nhập mã gian hàng."), field="stall_code")
    if not STALL_CODE_RE.match(code):
        raise ValidationError(
            N_("Mã gian hàng chỉ gồm chữ cái không dấu, chữ số và - . / (tối đa 32 ký tự), "
               "ví dụ A-12."),
            field="stall_code")
    return code


def clean_details(raw: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Clean the stall's own fields; with ``partial`` only those present are checked, and
    the coordinates only when present in any case."""
    cleaned: dict[str, Any] = {}
    errors: list[ValidationError] = []

    def attempt(field: str, clean: Any, *, when_sent: bool = partial) -> None:
        if when_sent and field not in raw:
            return
        try:
            cleaned[field] = clean(raw.get(field))
        except ValidationError as error:
            errors.append(error)

    attempt("stall_code", clean_stall_code)
    for field, (limit, required) in TEXT_FIELDS.items():
        if field != "stall_code":
            attempt(field, lambda v, f=field, n=limit, r=required: _clean_text(v, f, n, r))
    attempt("owner_phone", _clean_phone)
    # No form of the web carries the coordinates (a client app measures them, or an import
    # brings them): a census or refused stall registered from one keeps where it stands, as
    # the volunteer expects of values she was never shown, of a stall that has not moved.
    # Sent, even as null (not known), they are what the client says.
    for field, limit in COORDINATE_LIMITS.items():
        attempt(field, lambda v, f=field, n=limit: clean_coordinate(v, f, n), when_sent=True)
    # A point is both or neither: one alone was stored as half a position (10.1, null).
    sent = [field for field in COORDINATE_LIMITS if field in raw]
    if len(sent) == 1:
        missing = next(field for field in COORDINATE_LIMITS if field not in raw)
        errors.append(ValidationError(HALF_A_POSITION, field=missing))
    if errors:
        raise FormErrors(errors)
    return cleaned


def clean_account(*, bank: Any, account_number: Any, holder_name: Any = None,
                  owner_name: str = "", card: bool = False,
                  registry: BankRegistry | None = None) -> AccountDetails:
    """Resolve the bank, normalise the number, fold the holder name and build the payload."""
    registry = registry or default_registry()
    errors: list[ValidationError] = []

    def attempt(clean: Callable[[], T]) -> T | None:
        try:
            return clean()
        except ValidationError as error:
            errors.append(error)
            return None

    resolved = attempt(lambda: _resolve_bank(bank, registry))
    number = attempt(lambda: _clean_account_number(account_number, card))
    name = attempt(lambda: _clean_holder_name(holder_name, owner_name))
    payload = None
    if resolved is not None and number is not None:
        payload = attempt(lambda: build_payload(bank=resolved.bin, account=number, card=card,
                                                registry=registry))
    if errors:
        raise FormErrors(errors)
    assert resolved is not None and number is not None and name is not None and payload
    return AccountDetails(bank=resolved, account_number=number, holder_name=name,
                          service="QRIBFTTC" if card else "QRIBFTTA", payload=payload)


def _resolve_bank(value: Any, registry: BankRegistry) -> Bank:
    typed = nfc(str(value or ""))
    resolved = registry.lookup(typed) if typed else None
    if resolved is None and typed[:6].isdigit():
        # "970436 Vietcombank", as some keyboards' autofill leaves it: the BIN decides.
        resolved = registry.by_bin(typed[:6])
    if resolved is None:
        # The start of one bank's name, typed without picking the suggestion ("vietin").
        resolved = registry.by_prefix(typed)
    if resolved is None:
        raise ValidationError(N_("Chọn ngân hàng trong danh sách (tên, mã hoặc BIN)."),
                              field="bank")
    return resolved


def _clean_account_number(value: Any, card: bool) -> str:
    number = normalize_account(str(value or ""))
    if not number:
        raise ValidationError(N_("Nhập số tài khoản."), field="account_number")
    if len(number) < ACCOUNT_MIN and not card:
        raise ValidationError(N_("Số tài khoản quá ngắn: cần ít nhất %(n)s ký tự."),
                              field="account_number", n=ACCOUNT_MIN)
    return number


def _clean_holder_name(value: Any, owner_name: str) -> str:
    """The holder name as the bank shows it; the owner's name folded when none was typed."""
    name = fold_holder_name(str(value or "")) or fold_holder_name(owner_name)
    if not name:
        raise ValidationError(N_("Nhập tên chủ tài khoản như ngân hàng hiển thị."),
                              field="holder_name")
    if len(name) > HOLDER_NAME_MAX:
        raise ValidationError(N_("Tên chủ tài khoản tối đa %(n)s ký tự."),
                              field="holder_name", n=HOLDER_NAME_MAX)
    return name


def _clean_text(value: Any, field: str, limit: int, required: bool) -> str:
    text = clean_text(value or "", field=field, max_length=limit, required=required,
                      multiline=field == "notes")
    if field in PRINTED_FIELDS:
        require_printable(text, field=field)
    return text if field == "notes" else re.sub(r" +", " ", text)


def _clean_phone(value: Any) -> str:
    text = str(value or "").strip()
    if not text:
        return ""
    try:
        return normalize_phone(text)
    except ValidationError as error:
        raise ValidationError(error.message, field="owner_phone", **error.params) from None
