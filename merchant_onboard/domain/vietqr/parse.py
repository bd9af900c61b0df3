"""Parsing any string as a payment QR: never raises, names what it is and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from merchant_onboard.domain.banks import Bank, BankRegistry, default_registry
from merchant_onboard.domain.vietqr.emv import (
    GUID_NAPAS, GUID_VNPAY, HEADS, HEADS_TAGS, INITIATION, MAX_ACCOUNT, MAX_PAYLOAD,
    MAX_PURPOSE, MAX_QR_TEXT, NAPAS_KIND_SET, NAPAS_KINDS, TRANSFER_KINDS, VND_KINDS, Kind,
    crc_hex, is_digits,
)
from merchant_onboard.domain.vietqr.wallet import is_wallet_payment


@dataclass(frozen=True, slots=True)
class ParsedQR:
    """What :func:`parse` found in a string; ``valid`` is true exactly when ``errors`` is empty."""

    valid: bool
    kind: str
    bin: str | None = None
    bank: Bank | None = None
    account: str | None = None
    service: str | None = None
    amount: int | None = None
    purpose: str | None = None
    initiation: str | None = None
    errors: tuple[str, ...] = ()
    #: What real bank apps print although the standard says otherwise: read, but named
    #: (codes in :data:`WARNING_MESSAGES`).
    warnings: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict, hash=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the fields people and the API need (not the raw tags)."""
        return {
            "valid": self.valid,
            "kind": str(self.kind),
            "bin": self.bin,
            "bank": self.bank.short_name if self.bank else None,
            "bank_name": self.bank.name if self.bank else None,
            "account": self.account,
            "service": self.service,
            "amount": self.amount,
            "purpose": self.purpose,
            "initiation": self.initiation,
            "errors": list(self.errors),
            "warnings": list(self.warnings),
        }


def is_transfer(p: ParsedQR) -> bool:
    """True for a valid VietQR transfer to an account or a card (what a stall poster is)."""
    return p.valid and p.kind in TRANSFER_KINDS


def _split(s: str) -> tuple[dict[str, str], str | None]:
    """Split a run of TLVs into {tag: value} and name the first structural error, if any.

    Iterative, so hostile input cannot recurse; a repeated tag keeps its first value.
    """
    out: dict[str, str] = {}
    error = None
    i, n = 0, len(s)
    while i < n:
        head = HEADS.get(s[i : i + 4])
        if head is None:
            return out, _head_error(s[i : i + 4])
        tag, length = head
        end = i + 4 + length
        if end > n:
            return out, "truncated_tlv"
        if tag in out:
            error = "duplicate_tag"
        else:
            out[tag] = s[i + 4 : end]
        i = end
    return out, error


def _head_error(head: str) -> str:
    if len(head) < 4:
        return "truncated_tlv"
    return "bad_tag" if head[:2] not in HEADS_TAGS else "bad_length"


def _vnd_amount(raw: str, warnings: list[str]) -> int | None:
    # EMVCo/NAPAS: VND amounts are digits only, non-zero, ≤ 13 characters. Some bank apps
    # print "50000." (a decimal point and no decimals): the same amount, read with a warning.
    if raw.endswith(".") and is_digits(raw[:-1], 1, 12):
        warnings.append("amount_trailing_dot")
        raw = raw[:-1]
    if is_digits(raw, 1, 13):
        value = int(raw)
        return value if value > 0 else None
    return None


def parse(payload: str, registry: BankRegistry | None = None) -> ParsedQR:
    """Read any string as a payment QR payload. Never raises; problems are listed in ``errors``.

    The CRC is compared case-insensitively (real bank QRs carry lowercase hex); unknown tags
    are kept in ``tags`` and are not errors. Each family of tags is read by its own function
    below, in the order their errors are listed.
    """
    if not isinstance(payload, str):
        return ParsedQR(valid=False, kind=Kind.NOT_EMV, errors=("not_emv",))
    if not payload.startswith("0002"):
        # Not EMVCo, but maybe a wallet's own payment code: money, to the fraud check.
        wallet = len(payload) <= MAX_QR_TEXT and is_wallet_payment(payload)
        return ParsedQR(valid=False, kind=Kind.WALLET if wallet else Kind.NOT_EMV,
                        errors=("not_emv",))
    if len(payload) > MAX_QR_TEXT:
        return ParsedQR(valid=False, kind=Kind.OTHER_EMV, errors=("too_long",))
    errors: list[str] = []
    warnings: list[str] = []
    tags = _envelope(payload, errors)
    kind, bin_, account, service = _merchant(tags, errors)
    initiation = _initiation(tags, kind, errors)
    amount = _amount(tags, kind, errors, warnings)
    purpose = _purpose(tags, kind, errors, warnings)
    bank = _bank(bin_, registry if registry is not None else default_registry(), warnings)
    return ParsedQR(
        valid=not errors, kind=kind, bin=bin_, bank=bank, account=account, service=service,
        amount=amount, purpose=purpose, initiation=initiation, errors=tuple(errors),
        warnings=tuple(warnings), tags=tags,
    )


def _envelope(payload: str, errors: list[str]) -> dict[str, str]:
    """The root TLVs, their structure, the payload format (00) and the CRC (63)."""
    tags, structure_error = _split(payload)
    if structure_error:
        errors.append(structure_error)
    if len(payload) > MAX_PAYLOAD:
        errors.append("too_long")
    if tags.get("00", "01") != "01":
        errors.append("bad_payload_format")
    _check_crc(payload, tags, structure_error, errors)
    return tags


def _merchant(tags: dict[str, str], errors: list[str]
              ) -> tuple[Kind, str | None, str | None, str | None]:
    """What kind of QR the merchant account templates (02–51) make it, and for a NAPAS one
    (38) its BIN, account and service: ``(kind, bin, account, service)``."""
    merchant = tags.get("38")
    if merchant is not None:
        return _napas(merchant, errors)
    if any(_is_vnpay(tag, value) for tag, value in tags.items()):
        return Kind.VNPAY, None, None, None
    if not any("02" <= tag <= "51" for tag in tags):
        # EMVCo requires a merchant account template (02–51); for VietQR it is tag 38.
        errors.append("missing_tag_38")
    return Kind.OTHER_EMV, None, None, None


def _napas(merchant: str, errors: list[str]
           ) -> tuple[Kind, str | None, str | None, str | None]:
    """Tag 38: the NAPAS GUID, the service (02) naming the kind, the beneficiary (01)."""
    sub, sub_error = _split(merchant)
    guid = sub.get("00")
    if guid is None or guid.upper() != GUID_NAPAS:
        errors.append("bad_tag_38" if sub_error else "bad_guid")
        return Kind.OTHER_EMV, None, None, None
    kind = Kind.OTHER_EMV
    service = sub.get("02")
    if service is None:
        kind = Kind.VIETQR_ACCOUNT  # older generators omitted 02; an account is meant
        errors.append("missing_service")
    elif service in NAPAS_KINDS:
        kind = NAPAS_KINDS[service]
    else:
        errors.append("unknown_service")
    if sub_error:
        errors.append("bad_tag_38")
    bin_, account = _beneficiary(sub.get("01"), kind, errors)
    return kind, bin_, account, service


def _initiation(tags: dict[str, str], kind: Kind, errors: list[str]) -> str | None:
    """Tag 01: static (11) or dynamic (12); NAPAS requires it, plain EMVCo does not."""
    if "01" not in tags:
        if kind in NAPAS_KIND_SET:
            errors.append("missing_initiation")
        return None
    initiation = INITIATION.get(tags["01"])
    if initiation is None:
        errors.append("bad_initiation")
    return initiation


def _amount(tags: dict[str, str], kind: Kind, errors: list[str],
            warnings: list[str]) -> int | None:
    """Tag 54, and for VND kinds the currency (53) and country (58) that go with it."""
    amount = None
    raw_amount = tags.get("54")
    if raw_amount is not None:
        amount = _vnd_amount(raw_amount, warnings)
        if amount is None and kind in VND_KINDS:
            errors.append("bad_amount")
    if kind in VND_KINDS:
        _check_vnd(tags, errors)
    return amount


def _purpose(tags: dict[str, str], kind: Kind, errors: list[str],
             warnings: list[str]) -> str | None:
    """Tag 62 (additional data) and its purpose, sub-field 08."""
    additional = tags.get("62")
    if additional is None:
        return None
    sub, sub_error = _split(additional)
    if sub_error:
        errors.append("bad_additional_data")
    purpose = sub.get("08")
    if purpose is not None and len(purpose) > MAX_PURPOSE and kind in VND_KINDS:
        # NAPAS caps the memo at 25 for what we build; banks print longer ones, and
        # refusing them would block a registration over a memo nobody needs.
        warnings.append("purpose_too_long")
    return purpose


def _bank(bin_: str | None, registry: BankRegistry, warnings: list[str]) -> Bank | None:
    """The bank of a BIN; a well-formed BIN the list lacks is a bank newer than the list:
    the transfer is fine, the name unknown (a warning)."""
    if bin_ is None:
        return None
    bank = registry.by_bin(bin_)
    if bank is None and is_digits(bin_, 6, 6):
        warnings.append("unknown_bin")
    return bank


def _check_crc(payload: str, tags: dict[str, str], structure_error: str | None,
               errors: list[str]) -> None:
    """EMVCo: 63 comes last as ``6304`` + the CRC of everything up to and including ``6304``."""
    if structure_error is None:
        last = next(reversed(tags))
        if last != "63":
            errors.append("crc_not_last" if "63" in tags else "missing_crc")
            return
        if len(tags["63"]) != 4:
            errors.append("bad_crc")
            return
    elif payload[-8:-4] != "6304":
        errors.append("missing_crc")
        return
    if crc_hex(payload[:-4]) != payload[-4:].upper():
        errors.append("crc_mismatch")


def _beneficiary(raw: str | None, kind: Kind, errors: list[str]) -> tuple[str | None, str | None]:
    """Read 38/01 (00 = bank BIN, 01 = account or card number) and check it for ``kind``."""
    if raw is None:
        errors.append("missing_beneficiary")
        return None, None
    sub, sub_error = _split(raw)
    if sub_error:
        errors.append("bad_beneficiary")
    bin_ = sub.get("00")
    account = sub.get("01")
    if bin_ is None:
        errors.append("missing_bin")
    elif not is_digits(bin_, 6, 6):
        errors.append("bad_bin")
    if account is None:
        errors.append("missing_account")
    else:
        _check_number(account, kind, errors)
    return bin_, account


def _check_number(account: str, kind: Kind, errors: list[str]) -> None:
    """A card number is 16–19 digits; an account number up to 19 letters and digits."""
    if kind is Kind.VIETQR_CARD and not is_digits(account, 16, 19):
        errors.append("bad_card_number")
    elif kind is Kind.VIETQR_ACCOUNT and not (
            len(account) <= MAX_ACCOUNT and account.isascii() and account.isalnum()):
        errors.append("bad_account")


def _is_vnpay(tag: str, value: str) -> bool:
    # VNPAY-QR puts its GUID in a merchant account template (02–51), usually tag 26.
    return "26" <= tag <= "51" and _split(value)[0].get("00", "").upper() == GUID_VNPAY


def _check_vnd(tags: dict[str, str], errors: list[str]) -> None:
    """NAPAS and VNPAY QRs are in VND (53 = 704) and in Vietnam (58 = VN)."""
    currency = tags.get("53")
    if currency is None:
        errors.append("missing_currency")
    elif currency != "704":
        errors.append("wrong_currency")
    country = tags.get("58")
    if country is None:
        errors.append("missing_country")
    elif country != "VN":
        errors.append("wrong_country")
