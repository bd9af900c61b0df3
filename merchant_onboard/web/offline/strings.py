"""What offline.js says on every signed-in page (the outbox badge, its list, drafts), translated.

The strings are the same on every page of a language, so they are translated once per language
rather than on each page: the 21 messages of the time were a sixth of the stall list's render time.
"""

from __future__ import annotations

import functools

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

#: Key offline.js reads → message.
OFFLINE_STRINGS = {
    "pending": _l("Chờ gửi"),
    # Not "Bị từ chối": too near the owner's "Từ chối" a stall's status says.
    "rejected": _l("Máy chủ không nhận"),
    "warning": _l("Cảnh báo"),
    "open_stall": _l("Mở trang gian hàng"),
    "seen": _l("Đã xem"),
    "queued": _l("Đã lưu trên máy: sẽ tự gửi khi có mạng."),
    "offline": _l("Chưa có mạng: sẽ gửi khi có mạng."),
    "login": _l("Phiên đăng nhập đã hết: đăng nhập lại để gửi."),
    "server": _l("Máy chủ chưa nhận được, sẽ thử lại."),
    "register": _l("Đăng ký gian hàng"),
    "register_census": _l("Đăng ký gian hàng có sẵn trong danh sách"),
    "edit": _l("Sửa thông tin gian hàng"),
    "account": _l("Đổi tài khoản nhận tiền"),
    "fix": _l("Mở và sửa"),
    "discard": _l("Bỏ"),
    "discard_confirm": _l("Bỏ mục này? Nội dung chưa gửi sẽ mất."),
    "empty": _l("Không có mục nào chờ gửi."),
    "since": _l("Lưu lúc"),
    "fixing": _l("Mục này bị máy chủ từ chối: sửa rồi lưu lại."),
    "registration_waiting": _l("Đăng ký của gian hàng này đã lưu trên máy và đang chờ gửi: máy "
                               "tự gửi khi có mạng, không cần đăng ký lại."),
    "see_waiting": _l("Xem mục chờ gửi"),
    "confirm_phone": _l("Đúng, cùng một chủ hộ"),
    "stall_waiting": _l("Gian hàng này có {n} mục đã lưu trên máy, đang chờ gửi: máy tự gửi "
                        "khi có mạng, không cần ghi lại."),
    "draft_restored": _l("Đã khôi phục nội dung đang nhập dở."),
    "draft_discard": _l("Xoá nội dung nháp"),
    "logout_confirm": _l("Còn {n} mục chưa gửi: đăng xuất sẽ xoá chúng khỏi máy này. "
                         "Vẫn đăng xuất?"),
    "logout_offline": _l("Chưa đăng xuất được vì không kết nối được máy chủ. Mọi thứ vẫn còn "
                         "trên máy này; thử lại khi có mạng."),
    "offline_search": _l("Không có mạng: kết quả tìm trong danh sách đã lưu trên máy."),
    "offline_found": _l("Tìm thấy: {n}."),
    "phone_needs_network": _l("Số điện thoại chỉ tìm được khi có mạng: danh sách lưu trên máy "
                              "không giữ số điện thoại của chủ hộ."),
    "pages": _l("Chuyển trang"),
    "previous": _l("Trước"),
    "next": _l("Sau"),
    "scan_needs_network": _l("Đang không có mạng: chỉ đọc được mã QR ngay trên máy. Chọn ảnh có "
                             "mã QR rõ, hoặc nhập tay ngân hàng và số tài khoản."),
    "poster_needs_network": _l("Đang không có mạng: poster chỉ tải được khi có mạng. Các bước "
                               "khác vẫn ghi được trên máy."),
    "photo": _l("Kèm ảnh ({kb} KB)."),
    "recheck_later": _l("Kết quả kiểm tra hiện ở trang gian hàng sau khi gửi."),
}


@functools.cache
def offline_strings(locale: str) -> dict[str, str]:
    """``OFFLINE_STRINGS`` in ``locale``: one of the app's languages (``i18n.select_locale``
    answers no other), so there are as many entries as languages."""
    with force_locale(locale):
        return {key: str(message) for key, message in OFFLINE_STRINGS.items()}


@functools.cache
def offline_strings_json(locale: str) -> Markup:
    """``offline_strings(locale)`` as every signed-in page embeds it for offline.js: JSON that
    is safe inside a ``<script>`` element (what Jinja's ``tojson`` makes), encoded once per
    language too."""
    return htmlsafe_json_dumps(offline_strings(locale))
