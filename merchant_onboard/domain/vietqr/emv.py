"""The EMVCo and NAPAS vocabulary shared by building and parsing: tags, limits, kinds, CRC.

DESIGN.md §4 (NAPAS VietQR on EMVCo MPM): every element is TLV, a 2-digit id, a 2-digit length
(01–99) and the value; a payload ends with ``6304`` and the CRC-16/CCITT-FALSE of everything
before it as 4 hex digits.
"""

from __future__ import annotations

import binascii
from enum import StrEnum

from merchant_onboard.domain.errors import N_

#: NAPAS's application identifier in tag 38/00; VNPAY-QR's in its template (tag 26 in practice).
GUID_NAPAS = "A000000727"
GUID_VNPAY = "A000000775"

# NAPAS: account or card number is 1–19 characters; card numbers are 16–19 digits.
MAX_ACCOUNT = 19
# NAPAS: purpose (62/08) ≤ 25 characters.
MAX_PURPOSE = 25
# EMVCo: amount (54) ≤ 13 characters; VND has no decimals.
MAX_AMOUNT = 10**13 - 1
# EMVCo MPM: a whole payload is at most 512 characters.
MAX_PAYLOAD = 512
# More than a QR code can hold (version 40, alphanumeric): not worth reading further.
MAX_QR_TEXT = 4296

LEN2 = tuple(f"{n:02d}" for n in range(100))
# Every valid 4-character element head (2-digit id, length 01–99) → (id, length): one dict
# look-up per element instead of two slices, a set test and a conversion (measured 1.3× faster).
HEADS = {f"{tag}{length}": (tag, int(length)) for tag in LEN2 for length in LEN2[1:]}
HEADS_TAGS = frozenset(LEN2)


class Service(StrEnum):
    """NAPAS 247 service codes in tag 38/02."""

    ACCOUNT = "QRIBFTTA"  # transfer to an account
    CARD = "QRIBFTTC"  # transfer to a card


class Kind(StrEnum):
    """What a scanned string is; only the two ``VIETQR_*`` kinds are transfers to a person."""

    VIETQR_ACCOUNT = "vietqr_account"
    VIETQR_CARD = "vietqr_card"
    NAPAS_QRPUSH = "napas_qrpush"  # merchant payment through an acquirer
    NAPAS_QRCASH = "napas_qrcash"  # ATM cash withdrawal
    VNPAY = "vnpay"
    OTHER_EMV = "other_emv"
    WALLET = "wallet"  # an e-wallet's own payment code or link (MoMo, ZaloPay…): not EMV
    NOT_EMV = "not_emv"


NAPAS_KINDS = {
    Service.ACCOUNT.value: Kind.VIETQR_ACCOUNT,
    Service.CARD.value: Kind.VIETQR_CARD,
    "QRPUSH": Kind.NAPAS_QRPUSH,
    "QRCASH": Kind.NAPAS_QRCASH,
}
TRANSFER_KINDS = frozenset({Kind.VIETQR_ACCOUNT, Kind.VIETQR_CARD})
NAPAS_KIND_SET = frozenset(NAPAS_KINDS.values())
VND_KINDS = NAPAS_KIND_SET | {Kind.VNPAY}
INITIATION = {"11": "static", "12": "dynamic"}

#: Every error code :func:`parse` reports, with a Vietnamese msgid for people.
ERROR_MESSAGES: dict[str, str] = {
    "not_emv": N_("Không phải mã QR thanh toán (EMVCo)"),
    "too_long": N_("Mã QR dài quá 512 ký tự"),
    "bad_tag": N_("Mã QR có trường không hợp lệ"),
    "bad_length": N_("Mã QR có độ dài trường không hợp lệ"),
    "truncated_tlv": N_("Mã QR bị cắt cụt"),
    "duplicate_tag": N_("Mã QR có trường lặp lại"),
    "bad_payload_format": N_("Phiên bản mã QR không được hỗ trợ"),
    "missing_initiation": N_("Thiếu phương thức khởi tạo (tĩnh/động)"),
    "bad_initiation": N_("Phương thức khởi tạo không hợp lệ"),
    "missing_tag_38": N_("Không có thông tin tài khoản VietQR"),
    "bad_tag_38": N_("Thông tin tài khoản VietQR bị lỗi"),
    "bad_guid": N_("Mã định danh NAPAS không đúng"),
    "missing_service": N_("Thiếu mã dịch vụ NAPAS"),
    "unknown_service": N_("Mã dịch vụ NAPAS không xác định"),
    "missing_beneficiary": N_("Thiếu thông tin người thụ hưởng"),
    "bad_beneficiary": N_("Thông tin người thụ hưởng bị lỗi"),
    "missing_bin": N_("Thiếu mã BIN ngân hàng"),
    "bad_bin": N_("Mã BIN ngân hàng phải gồm 6 chữ số"),
    "missing_account": N_("Thiếu số tài khoản"),
    "bad_account": N_("Số tài khoản chỉ gồm chữ số và chữ cái, tối đa 19 ký tự"),
    "bad_card_number": N_("Số thẻ phải gồm 16 đến 19 chữ số"),
    "missing_currency": N_("Thiếu mã tiền tệ"),
    "wrong_currency": N_("Tiền tệ không phải VND"),
    "bad_amount": N_("Số tiền không hợp lệ"),
    "missing_country": N_("Thiếu mã quốc gia"),
    "wrong_country": N_("Mã quốc gia không phải VN"),
    "bad_additional_data": N_("Dữ liệu bổ sung bị lỗi"),
    "missing_crc": N_("Thiếu mã kiểm tra CRC"),
    "crc_not_last": N_("Mã kiểm tra CRC không nằm ở cuối"),
    "bad_crc": N_("Mã kiểm tra CRC sai định dạng"),
    "crc_mismatch": N_("Mã kiểm tra CRC không khớp: mã bị sửa hoặc đọc sai"),
}


#: Errors of a code altered or cut short, not merely written loosely: what banking apps refuse
#: to pay. A code naming a stall's account with one of them is no poster this service printed.
DAMAGE_ERRORS = frozenset({"bad_tag", "bad_length", "truncated_tlv", "duplicate_tag",
                           "missing_crc", "crc_not_last", "bad_crc", "crc_mismatch"})


#: Messages of :attr:`ParsedQR.warnings`: read as the bank app printed it, but worth a word.
WARNING_MESSAGES = {
    "unknown_bin": N_("Mã BIN không thuộc ngân hàng nào trong danh sách: hãy chọn ngân hàng"),
    "purpose_too_long": N_("Nội dung chuyển khoản dài quá 25 ký tự"),
    "amount_trailing_dot": N_("Số tiền có dấu chấm ở cuối (đã đọc như số nguyên)"),
}


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF, no reflection, no final XOR.

    ``binascii.crc_hqx`` is exactly this CRC when seeded with 0xFFFF (check value 0x29B1 for
    b"123456789"), and runs in C.
    """
    return binascii.crc_hqx(data, 0xFFFF)


def tlv(tag: str, value: str) -> str:
    return f"{tag}{LEN2[len(value)]}{value}"


def crc_hex(body: str) -> str:
    # Lone surrogates (from undecodable input) must not make the CRC raise.
    return f"{binascii.crc_hqx(body.encode('utf-8', 'surrogatepass'), 0xFFFF):04X}"


def is_digits(s: str, shortest: int, longest: int) -> bool:
    # str.isdigit alone accepts "²" and other non-ASCII digits.
    return shortest <= len(s) <= longest and s.isascii() and s.isdigit()
