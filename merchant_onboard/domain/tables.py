"""Spreadsheet rows for exports: column lists and CSV/XLSX encoding that Excel opens.

Pure: rows of plain values in, bytes out. Excel on a Vietnamese Windows opens a CSV as UTF-8
only when it starts with a byte-order mark, so every CSV here starts with one.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from merchant_onboard.domain.errors import N_
from merchant_onboard.domain.figures import REACHED_LABELS
from merchant_onboard.domain.funnel import Status

BOM = "\ufeff"
#: A cell starting with one of these is a formula to Excel (CSV injection, OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CHUNK_ROWS = 500
_CHUNK_BYTES = 64 * 1024

#: The stall export, in order: key of the row dict, and its (Vietnamese) column header.
STALL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("stall_code", N_("Mã gian hàng")), ("zone", N_("Khu")),
    ("shop_name", N_("Tên gian hàng")), ("owner_name", N_("Chủ hộ")),
    ("owner_phone", N_("Số điện thoại")), ("category", N_("Ngành hàng")),
    ("status", N_("Trạng thái")), ("registered_at", N_("Ngày đăng ký")),
    ("printed_at", N_("Ngày in poster")), ("installed_at", N_("Ngày dán poster")),
    ("test_paid_at", N_("Ngày thanh toán thử")),
    ("first_paid_at", N_("Ngày có khách thanh toán")),
    ("refusal_reason", N_("Lý do từ chối")), ("recheck_mismatch", N_("Sai QR khi kiểm tra")),
    ("bank", N_("Ngân hàng")), ("account_number", N_("Số tài khoản")),
    ("holder_name", N_("Tên chủ tài khoản")), ("public_code", N_("Mã xác minh")),
)

#: The roll-up export, one row per market.
ROLLUP_COLUMNS: tuple[tuple[str, str], ...] = (
    ("code", N_("Mã chợ")), ("name", N_("Tên chợ")), ("province", N_("Tỉnh/thành")),
    ("ward", N_("Phường/xã")), ("census_rows", N_("Số dòng danh sách")),
    ("declared", N_("Số khai báo")), ("census", N_("Tổng số gian hàng")),
    ("registered", REACHED_LABELS[Status.REGISTERED]),
    ("installed", REACHED_LABELS[Status.POSTER_INSTALLED]),
    ("test_verified", REACHED_LABELS[Status.TEST_PAYMENT_VERIFIED]),
    ("first_paid", REACHED_LABELS[Status.FIRST_PAYMENT_CONFIRMED]),
    ("refused", N_("Từ chối")), ("inactive", N_("Ngừng kinh doanh")),
    ("adoption_pct", N_("Tỷ lệ (%)")), ("target_pct", N_("Mục tiêu (%)")),
)



def _csv_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return "x" if value else ""
    return "" if value is None else value


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """A CSV file as UTF-8 (with BOM) byte chunks, a few hundred rows each."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(header)
    for n, row in enumerate(rows, start=1):
        writer.writerow([_csv_safe(v) for v in row])
        if n % _CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str,
                widths: Sequence[int] = ()) -> Iterator[bytes]:
    """An XLSX workbook as byte chunks; openpyxl's write-only mode keeps memory flat."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    for i, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(i + 1)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_cell(sheet, h, font=bold) for h in header])
    for row in rows:
        sheet.append([_cell(sheet, v) for v in row])
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as out:
        book.save(out)
        out.seek(0)
        while chunk := out.read(_CHUNK_BYTES):
            yield chunk


def _cell(sheet: Any, value: Any, *, font: Font | None = None) -> WriteOnlyCell:
    if isinstance(value, datetime):
        # Excel has no time zones: the value is written in the time it is read in.
        cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm"
    else:
        if isinstance(value, str):
            # XML 1.0 has no place for most control characters: openpyxl refuses the cell.
            # Registration refuses them now; rows stored before are exported without them.
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        # Only flags are blanked: 0 == False in Python, but a count of 0 is a number to Excel.
        flag = isinstance(value, bool)
        cell = WriteOnlyCell(sheet, value=("x" if value else "") if flag else
                             ("" if value is None else value))
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text, never a formula (a shop name is not code to run)
    if font is not None:
        cell.font = font
    return cell

