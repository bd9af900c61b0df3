"""Reading a photo a volunteer takes: the owner's banking-app QR, or the poster on the stall.

Scan-to-register accepts only VietQR transfers; any other QR is named and explained, because a
VNPAY or QRPUSH code pays a merchant's acquirer, not the owner's own account.
"""

from __future__ import annotations

from dataclasses import dataclass

from merchant_onboard.domain.decode import Decoded, decode_bytes
from merchant_onboard.domain.errors import N_, ValidationError
from merchant_onboard.domain.vietqr import Kind, is_transfer, parse

_EXPLAIN = {
    Kind.VNPAY: N_("Đây là mã VNPAY-QR của cửa hàng (thanh toán qua đơn vị trung gian), không "
                   "phải mã chuyển khoản tới tài khoản của chủ hộ."),
    Kind.NAPAS_QRPUSH: N_("Đây là mã thanh toán QRPUSH qua đơn vị chấp nhận thanh toán, không phải "
                          "mã chuyển khoản VietQR tới tài khoản."),
    Kind.NAPAS_QRCASH: N_("Đây là mã rút tiền tại ATM (QRCASH), không dùng để nhận tiền."),
    Kind.OTHER_EMV: N_("Đây là mã thanh toán khác, không phải mã chuyển khoản VietQR."),
    Kind.WALLET: N_("Đây là mã ví điện tử (MoMo, ZaloPay…), không phải mã VietQR của ngân "
                    "hàng: hãy quét mã VietQR nhận tiền trong ứng dụng ngân hàng của chủ hộ."),
    Kind.NOT_EMV: N_("Mã QR này không phải mã thanh toán (có thể là đường dẫn website)."),
}


@dataclass(frozen=True)
class ScannedAccount:
    """Bank and account read from a VietQR transfer code."""

    bin: str
    bank_label: str
    account_number: str
    card: bool
    payload: str


def account_from_photo(data: bytes) -> ScannedAccount:
    """The account in the photo's VietQR transfer code, or a ValidationError that explains."""
    decoded = _decode(data, field="qr_photo")
    return _transfer_account(decoded)


def account_from_text(text: str) -> ScannedAccount:
    """The account in a QR's text as the phone read it (BarcodeDetector): judged here exactly
    like a photo's, since the browser may send anything."""
    text = text.strip()
    if not text or len(text) > MAX_QR_TEXT:
        raise no_qr_error("qr_photo")
    return _transfer_account([Decoded(page=None, payload=text, parsed=parse(text))])


#: A QR code holds at most 4,296 characters (version 40, alphanumeric).
MAX_QR_TEXT = 4296


def _transfer_account(decoded: list[Decoded]) -> ScannedAccount:
    transfer = next((d for d in decoded if is_transfer(d.parsed)), None)
    if transfer is None:
        parsed = decoded[0].parsed
        message = _EXPLAIN.get(parsed.kind) or N_("Mã VietQR trong ảnh bị lỗi, không dùng được.")
        raise ValidationError(message, field="qr_photo")
    parsed = transfer.parsed
    # What the bank field shows: the short name, as picking it from the suggestions would;
    # empty for a BIN newer than the bank list, which the volunteer then picks by hand.
    label = parsed.bank.short_name if parsed.bank else ""
    return ScannedAccount(bin=str(parsed.bin), bank_label=label,
                          account_number=str(parsed.account),
                          card=parsed.kind == Kind.VIETQR_CARD, payload=transfer.payload)


def payloads_in_photo(data: bytes, *, field: str) -> list[str]:
    """The text of every QR in a photo taken at a stall, maybe none (each is judged against
    the registry: a scammer's code beside the poster counts as much as the poster's own)."""
    try:
        return [d.payload for d in decode_bytes(data)]
    except ValidationError as error:
        raise ValidationError(error.message, field=field, **error.params) from None


def no_qr_error(field: str) -> ValidationError:
    return ValidationError(N_("Không tìm thấy mã QR trong ảnh. Chụp gần hơn, đủ sáng, "
                              "không bị loá."), field=field)


def _decode(data: bytes, *, field: str) -> list[Decoded]:
    """Every code in ``data``, or a ValidationError on ``field`` when it holds none."""
    try:
        decoded = decode_bytes(data)
    except ValidationError as error:
        raise ValidationError(error.message, field=field, **error.params) from None
    if not decoded:
        raise no_qr_error(field)
    return decoded
