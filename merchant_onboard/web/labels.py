"""Names people read for statuses, events, refusal reasons, roles and kinds of QR code,
translated at display time."""

from __future__ import annotations

import functools

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "census": _l("Chưa đăng ký"),
    "registered": _l("Đã đăng ký"),
    "poster_printed": _l("Đã in poster"),
    "poster_installed": _l("Đã dán poster"),
    "test_payment_verified": _l("Đã thử thanh toán"),
    "first_payment_confirmed": _l("Có khách thanh toán"),
    "refused": _l("Từ chối"),
    "inactive": _l("Ngừng kinh doanh"),
}

EVENT_LABELS = {
    "registered": _l("Đăng ký"),
    # Recording, not printing: "In poster" on the next-step button read as "print the poster".
    "poster_printed": _l("Đã in poster"),
    "poster_installed": _l("Dán poster"),
    "test_payment_verified": _l("Thanh toán thử thành công"),
    "first_payment_confirmed": _l("Khách đầu tiên thanh toán"),
    "refused": _l("Từ chối"),
    "inactive": _l("Ngừng kinh doanh"),
    "reactivated": _l("Hoạt động lại"),
    "account_changed": _l("Đổi tài khoản"),
    "recheck": _l("Kiểm tra lại poster"),
    "note": _l("Ghi chú"),
    "edited": _l("Sửa thông tin gian hàng"),
}

REASON_LABELS = {
    "no_smartphone": _l("Không có điện thoại thông minh"),
    "no_bank_account": _l("Không có tài khoản ngân hàng"),
    "prefers_cash": _l("Thích dùng tiền mặt"),
    "fear_of_fees_or_tax": _l("Lo phí hoặc thuế"),
    "other": _l("Lý do khác"),
}

ROLE_LABELS = {
    "admin": _l("Quản trị"),
    "manager": _l("Quản lý chợ"),
    "volunteer": _l("Tình nguyện viên"),
}

#: What a code read at a stall is (``vietqr.Kind``), as a payment check names it. A transfer
#: kind is named here only when its account could not be read.
QR_KIND_LABELS = {
    "vietqr_account": _l("Mã VietQR lỗi"),
    "vietqr_card": _l("Mã VietQR thẻ lỗi"),
    "napas_qrpush": _l("Mã thanh toán cho đơn vị chấp nhận thẻ (NAPAS)"),
    "napas_qrcash": _l("Mã rút tiền ATM (NAPAS)"),
    "vnpay": _l("Mã VNPAY-QR"),
    "other_emv": _l("Mã thanh toán khác"),
    "not_emv": _l("Mã QR thường"),
}

#: The tables by the name of their template filter (``status_label`` and so on).
TABLES = {"status": STATUS_LABELS, "event": EVENT_LABELS, "reason": REASON_LABELS,
          "role": ROLE_LABELS, "qr_kind": QR_KIND_LABELS}


@functools.cache
def labels_in(locale: str) -> dict[str, dict[str, str]]:
    """Every table translated into ``locale``, once per language: a list page shows a label on
    each of its 50 rows, and a lazy string looks its catalogue up each time it is shown.
    ``locale`` is one of the app's languages (``i18n.select_locale`` answers no other)."""
    with force_locale(locale):
        return {name: {key: str(text) for key, text in table.items()}
                for name, table in TABLES.items()}
