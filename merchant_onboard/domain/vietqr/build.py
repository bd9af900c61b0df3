"""Building VietQR payloads: the poster's static transfer, or a dynamic one with an amount."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from merchant_onboard.domain.banks import Bank, BankRegistry, default_registry
from merchant_onboard.domain.errors import N_, ValidationError
from merchant_onboard.domain.text import ACCOUNT_SEPARATOR, fold_holder_name, normalize_account
from merchant_onboard.domain.vietqr.emv import (
    GUID_NAPAS, LEN2, MAX_ACCOUNT, MAX_AMOUNT, MAX_PURPOSE, Service, crc_hex, is_digits, tlv,
)


_ACCOUNT_SEPARATORS = re.compile(ACCOUNT_SEPARATOR + "+")


def _resolve_bank(bank: str, registry: BankRegistry) -> Bank:
    found = registry.lookup(bank) if isinstance(bank, str) else None
    if found is None:
        raise ValidationError(
            N_("Không tìm thấy ngân hàng “%(bank)s”: nhập mã BIN, mã hoặc tên viết tắt"),
            field="bank", bank=str(bank),
        )
    return found


def _account_number(account: str, card: bool) -> str:
    acc = normalize_account(account) if isinstance(account, str) else ""
    if card:
        # NAPAS: a card number (service QRIBFTTC) is 16–19 digits.
        if not is_digits(acc, 16, 19):
            raise ValidationError(N_("Số thẻ phải gồm 16 đến 19 chữ số"), field="account_number")
    elif not (0 < len(acc) <= MAX_ACCOUNT and acc.isascii() and acc.isalnum()):
        raise ValidationError(
            N_("Số tài khoản chỉ gồm chữ số và chữ cái, tối đa 19 ký tự"), field="account_number"
        )
    return acc


def _account_change(typed: str, written: str) -> str | None:
    """What a volunteer is told when the account number ``written`` is not what was ``typed``:
    separators taken out, characters converted (full-width digits, lowercase letters), or
    both."""
    if written == typed:
        return None
    separated = _ACCOUNT_SEPARATORS.search(unicodedata.normalize("NFKC", typed)) is not None
    converted = _ACCOUNT_SEPARATORS.sub("", typed) != written
    if separated and converted:
        return N_("Số tài khoản được ghi là %(account)s (bỏ dấu cách, dấu chấm, dấu gạch; đổi "
                  "sang chữ số và chữ in hoa thông thường).")
    if converted:
        return N_("Số tài khoản được ghi là %(account)s (đổi sang chữ số và chữ in hoa thông "
                  "thường).")
    return N_("Số tài khoản được ghi là %(account)s (bỏ dấu cách, dấu chấm, dấu gạch).")


def _amount(value: object) -> int:
    """Coerce an amount in VND (int, digit string, or an integral Decimal/float) to an int."""
    n: int | None = None
    if isinstance(value, bool):
        n = None
    elif isinstance(value, int):
        n = value
    elif isinstance(value, str):
        text = value.strip()
        # Only plain digits: "2.000" means two thousand in Vietnam and 2.0 elsewhere.
        n = int(text) if text.isascii() and text.isdigit() else None
    elif isinstance(value, Decimal):
        # Decimal's own is_finite: math.isfinite raises on a signalling NaN (Decimal("sNaN")).
        n = int(value) if value.is_finite() and value == value.to_integral_value() else None
    elif isinstance(value, float):
        n = int(value) if math.isfinite(value) and value == int(value) else None
    if n is None or n <= 0:
        raise ValidationError(
            N_("Số tiền phải là số nguyên dương tính bằng đồng, không có phần thập phân"),
            field="amount",
        )
    if n > MAX_AMOUNT:
        raise ValidationError(N_("Số tiền tối đa 13 chữ số"), field="amount")
    return n


def _purpose(value: str) -> str | None:
    # NAPAS: keep the memo to uppercase A–Z, 0–9 and spaces, ≤ 25 characters, so every bank's
    # app shows it the same way.
    folded = fold_holder_name(value) if isinstance(value, str) else ""
    if len(folded) > MAX_PURPOSE:
        raise ValidationError(
            N_("Nội dung chuyển khoản tối đa %(max)s ký tự (chữ không dấu, số và dấu cách)"),
            field="purpose", max=MAX_PURPOSE,
        )
    return folded or None


@dataclass(frozen=True)
class Built:
    """A payload and every change the builder made to what it was given, as messages."""

    payload: str
    changes: tuple[ValidationError, ...] = ()


def build_payload(*, bank: str, account: str, card: bool = False,
                  amount: int | str | None = None, purpose: str | None = None,
                  registry: BankRegistry | None = None) -> str:
    """The payload of :func:`build_reporting`, for callers that need no report of changes."""
    return build_reporting(bank=bank, account=account, card=card, amount=amount,
                           purpose=purpose, registry=registry).payload


def build_reporting(
    *,
    bank: str,
    account: str,
    card: bool = False,
    amount: int | str | None = None,
    purpose: str | None = None,
    registry: BankRegistry | None = None,
) -> Built:
    """Build a VietQR transfer payload; raises :class:`ValidationError` naming the bad field.

    ``bank`` is a BIN, NAPAS code or short name. ``account`` may carry the spaces, dots and
    dashes people type; it is an account (QRIBFTTA) or, with ``card``, a card number
    (QRIBFTTC). An ``amount`` (VND) makes the payload dynamic; without amount and purpose the
    payload is static, the canonical form a stall poster carries. Nothing typed is changed
    silently: each change (separators taken out of the account, a memo folded or dropped) is
    in :attr:`Built.changes`.
    """
    found = _resolve_bank(bank, registry if registry is not None else default_registry())
    acc = _account_number(account, card)
    amt = None if amount is None else _amount(amount)
    memo = None if purpose is None else _purpose(purpose)
    changes = []
    change = _account_change(account.strip(), acc)
    if change is not None:
        changes.append(ValidationError(change, field="account_number", account=acc))
    typed_memo = purpose.strip() if isinstance(purpose, str) else ""
    if typed_memo and memo is None:
        changes.append(ValidationError(N_("Nội dung chuyển khoản không còn ký tự nào dùng được "
                                          "nên đã bỏ."), field="purpose"))
    elif memo is not None and memo != typed_memo:
        changes.append(ValidationError(N_("Nội dung chuyển khoản được ghi là “%(memo)s”."),
                                       field="purpose", memo=memo))

    beneficiary = f"0006{found.bin}01{LEN2[len(acc)]}{acc}"
    service = Service.CARD.value if card else Service.ACCOUNT.value
    merchant = f"0010{GUID_NAPAS}01{LEN2[len(beneficiary)]}{beneficiary}0208{service}"
    # NAPAS root order: 00, 01, 38, 53, 54, 58, 62, 63; 01 is 12 (dynamic) once an amount is set.
    parts = ["000201", "010212" if amt is not None else "010211", tlv("38", merchant), "5303704"]
    if amt is not None:
        parts.append(tlv("54", str(amt)))
    parts.append("5802VN")
    if memo is not None:
        parts.append(tlv("62", tlv("08", memo)))
    parts.append("6304")
    body = "".join(parts)
    return Built(body + crc_hex(body), tuple(changes))
