"""Names people read for statuses, events and refusal reasons, translated at display time."""

from __future__ import annotations

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
