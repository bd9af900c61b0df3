"""Names people read for statuses, events, refusal reasons, roles and kinds of QR code,
translated at display time."""

from __future__ import annotations

import functools

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

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
    # Done, as the history lists it: the same words are the account form's button.
    "account_changed": lazy_pgettext("event", "Đổi tài khoản"),
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
    "wallet": _l("Mã ví điện tử (MoMo, ZaloPay…)"),
    "not_emv": _l("Mã QR thường"),
}

#: What the audit log names each action the services write, grouped as its filter lists them
#: (tests/web/test_team.py checks that every action written has a name here). In a context of
#: their own: English names a done action ("Created login") where a button says what it does.
AUDIT_ACTION_LABELS = {
    "user.create": lazy_pgettext("audit", "Tạo tài khoản"),
    "user.lock": lazy_pgettext("audit", "Khoá tài khoản"),
    "user.unlock": lazy_pgettext("audit", "Mở khoá tài khoản"),
    "user.update": lazy_pgettext("audit", "Sửa tài khoản"),
    "membership.add": lazy_pgettext("audit", "Thêm vào chợ"),
    "membership.remove": lazy_pgettext("audit", "Đưa ra khỏi chợ"),
    "password.change": lazy_pgettext("audit", "Đổi mật khẩu"),
    "password.reset": lazy_pgettext("audit", "Đặt lại mật khẩu"),
    "sessions.end": lazy_pgettext("audit", "Đăng xuất mọi nơi"),
    "market.create": lazy_pgettext("audit", "Tạo chợ"),
    "market.update": lazy_pgettext("audit", "Đổi cài đặt chợ"),
    "census.import": lazy_pgettext("audit", "Nhập danh sách gian hàng"),
    "export.stalls": lazy_pgettext("audit", "Xuất danh sách gian hàng"),
    "export.rollup": lazy_pgettext("audit", "Xuất bảng tổng hợp"),
    "poster.download": lazy_pgettext("audit", "Tải poster một gian hàng"),
    "poster.batch_download": lazy_pgettext("audit", "Tải poster hàng loạt"),
}

#: The audit filter's groups, by the first part of an action's name.
AUDIT_GROUP_LABELS = {
    "user": _l("Tài khoản"),
    "membership": _l("Thành viên chợ"),
    "password": _l("Mật khẩu"),
    "sessions": _l("Đăng xuất"),
    "market": _l("Chợ"),
    "census": _l("Nhập danh sách"),
    "export": _l("Xuất dữ liệu"),
    "poster": _l("Tải poster"),
}

#: The labels of what an audit entry's details hold.
AUDIT_DETAIL_LABELS = {
    "role": _l("Vai trò"),
    "markets": _l("Chợ"),
    "by": _l("Cách"),
    "format": _l("Định dạng"),
    "masked": _l("Che số điện thoại và số tài khoản"),
    "province": _l("Tỉnh/thành"),
    "ward": _l("Xã/phường"),
    "stalls": _l("Số gian hàng"),
    "status": _l("Trạng thái"),
    "zone": _l("Khu"),
    "added": _l("Thêm mới"),
    "updated": _l("Cập nhật"),
    "unchanged": _l("Không đổi"),
    "rejected": _l("Bị từ chối"),
    "fields": _l("Đã đổi"),
}

#: A detail's label when its value is a count (the roll-up export counts its markets).
AUDIT_COUNT_LABELS = {"markets": _l("Số chợ")}

#: A login's fields, as a change in the audit log names them.
USER_FIELD_LABELS = {
    "display_name": _l("Tên hiển thị"),
    "role": _l("Vai trò"),
}

#: A market's fields, as a settings change in the audit log names them.
MARKET_FIELD_LABELS = {
    "code": _l("Mã chợ"),
    "name": _l("Tên chợ"),
    "kind": _l("Loại"),
    "province": _l("Tỉnh/thành"),
    "ward": _l("Xã/phường"),
    "address": _l("Địa chỉ"),
    "census_size": _l("Số gian hàng (khai báo)"),
    "target_pct": _l("Mục tiêu (%)"),
    "campaign_title": _l("Tiêu đề chiến dịch in trên poster"),
    "poster_second_line": _l("Dòng ngôn ngữ thứ hai"),
}

#: Words for the values of an audit entry's details (a yes or no is written apart: ``1 == True``).
AUDIT_VALUE_LABELS = {"link": _l("đường dẫn đặt lại mật khẩu"),
                      "temporary": _l("mật khẩu tạm"),
                      "operator": _l("lệnh trên máy chủ"), "": _l("(trống)")}
#: File formats as people write them (exports, posters).
FORMAT_LABELS = {"csv": "CSV", "xlsx": "Excel (XLSX)", "a6": "A6", "a5": "A5", "a4": "A4",
                 "png": "PNG", "sticker": _l("Tờ tem dán A4")}
YES_NO = {True: _l("Có"), False: _l("Không")}

#: The tables by the name of their template filter (``status_label`` and so on).
TABLES = {"status": STATUS_LABELS, "event": EVENT_LABELS, "reason": REASON_LABELS,
          "role": ROLE_LABELS, "qr_kind": QR_KIND_LABELS, "audit": AUDIT_ACTION_LABELS,
          "format": FORMAT_LABELS}


@functools.cache
def labels_in(locale: str) -> dict[str, dict[str, str]]:
    """Every table translated into ``locale``, once per language: a list page shows a label on
    each of its 50 rows, and a lazy string looks its catalogue up each time it is shown.
    ``locale`` is one of the app's languages (``i18n.select_locale`` answers no other)."""
    with force_locale(locale):
        return {name: {key: str(text) for key, text in table.items()}
                for name, table in TABLES.items()}
