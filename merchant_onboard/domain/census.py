"""Reading a market's census spreadsheet (CSV or XLSX) into clean rows, or saying what is wrong.

Pure: bytes in, rows and per-row errors out. Market boards keep their lists in Excel with
Vietnamese headers, often under a title line, with phone numbers that Excel stored as
numbers (losing the leading 0) and stall codes such as ``1-2`` that Excel turned into dates.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from merchant_onboard.domain.errors import N_, FormErrors, ValidationError
from merchant_onboard.domain.registration import clean_details
from merchant_onboard.domain.text import code_key, fold_search

#: The census columns, in the order they are shown.
FIELDS = ("stall_code", "zone", "shop_name", "owner_name", "owner_phone")
#: Accepted headers per field, accent- and case-folded (see ``fold_search``).
#: Wards write them in full too ("Tên chủ hộ kinh doanh", "Số điện thoại liên hệ").
HEADERS: dict[str, tuple[str, ...]] = {
    "stall_code": ("ma gian hang", "ma gian", "ma sap", "so sap", "ma ki ot", "ma kiot",
                   "ma ki-ot", "so kiot", "so ki ot", "so ki-ot", "ma quay", "so quay", "ma",
                   "stall code", "code"),
    "zone": ("khu", "khu vuc", "khu vuc kinh doanh", "day", "day sap", "day quay",
             "nganh hang khu", "zone"),
    "shop_name": ("ten gian hang", "ten cua hang", "ten ho kinh doanh", "ten hkd",
                  "ten co so", "ten co so kinh doanh", "ten sap", "ten quay", "bien hieu",
                  "shop name", "shop"),
    "owner_name": ("chu ho", "ten chu ho", "ho ten chu ho", "ho va ten chu ho", "chu gian hang",
                   "ho ten", "ho va ten", "chu ho kinh doanh", "ten chu ho kinh doanh",
                   "ho ten chu ho kinh doanh", "ho va ten chu ho kinh doanh",
                   "nguoi kinh doanh", "ho ten nguoi kinh doanh", "ten nguoi kinh doanh",
                   "owner name", "owner"),
    "owner_phone": ("so dien thoai", "dien thoai", "sdt", "so dt", "dt",
                    "so dien thoai lien he", "dien thoai lien he", "sdt lien he",
                    "so dien thoai chu ho", "phone", "owner phone"),
}
MAX_ROWS = 10_000
#: Lines read at the most, blank ones included (a sheet may declare a million empty rows).
MAX_LINES = 2 * MAX_ROWS
#: Columns read at the most: a census has five, under a title and beside a few notes.
MAX_COLUMNS = 50
#: What an XLSX may unpack to. A 10,000-row census is about 2 MB unpacked; a "zip bomb" (one
#: shared string repeated to gigabytes) is refused before openpyxl opens it.
MAX_XLSX_UNPACKED = 64 * 1024 * 1024
#: A title line or two often sits above the headers ("DANH SÁCH HỘ KINH DOANH CHỢ …").
_HEADER_SEARCH_ROWS = 10
_EXCEL_DATE = N_("Excel đã đổi ô này thành ngày tháng (%(value)s). Định dạng cột là Văn bản "
                 "(Text) rồi nhập lại.")


@dataclass(frozen=True)
class CensusRow:
    """One data line of the file: its line number as the spreadsheet shows it, the cleaned
    non-empty values, and what is wrong with it."""

    line: int
    values: dict[str, str]
    errors: list[ValidationError] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.values.get("stall_code", "")


@dataclass(frozen=True)
class CensusFile:
    """The rows of a census file and which header each field was read from."""

    rows: list[CensusRow]
    columns: dict[str, str]
    ignored: list[str]
    #: The text encoding a CSV was read in (``LEGACY_ENCODING`` is a guess worth saying);
    #: None for an XLSX, which names its own.
    encoding: str | None = None


def _header_key(text: str) -> str:
    return " ".join(fold_search(text).replace("_", " ").replace(".", " ").split())


_ALIASES = {alias: name for name, aliases in HEADERS.items() for alias in aliases}


def read_cells(data: bytes) -> tuple[Iterator[tuple[int, list[Any]]], str | None]:
    """The (line number, cells) of a census table, from its header line on: of the first sheet
    of an XLSX holding the header row, or of a CSV; and the encoding the CSV was read in."""
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_cells(data), None
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValidationError(N_("Tệp .xls (Excel 97–2003) chưa được hỗ trợ: hãy lưu thành "
                                 ".xlsx hoặc CSV UTF-8."), field="file")
    text, encoding = decode_csv(data)
    lines = _csv_cells(text)
    header = _find_header(lines)
    if header is None:
        raise _no_header()
    return itertools.chain([header], lines), encoding


def _unreadable_xlsx() -> ValidationError:
    return ValidationError(N_("Không đọc được tệp Excel này."), field="file")


def _xlsx_cells(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    _check_unpacked_size(data)
    # openpyxl raises many types on a malformed file (ParseError, ValueError, KeyError,
    # IndexError…), and in read-only mode a sheet is parsed only while its rows are read:
    # whatever it raises, here or there, means "unreadable".
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise _unreadable_xlsx() from None
    try:
        if not book.worksheets:
            raise _unreadable_xlsx()
        # A cover sheet ("Bìa") often comes first: the list is on the first sheet whose
        # first lines hold the header row.
        looked: list[str] = []
        for sheet in book.worksheets:
            # Bounded while reading: a sheet declaring A1:XFD1048576 would otherwise be
            # padded to 16,384 columns a row, over a million rows.
            rows = sheet.iter_rows(max_row=MAX_LINES + 1, max_col=MAX_COLUMNS, values_only=True)
            lines = ((number, list(row)) for number, row in enumerate(rows, start=1))
            header = _find_header(lines)
            if header is not None:
                yield header
                yield from lines
                return
            looked.append(sheet.title)
        raise _no_header(looked)
    except ValidationError:
        raise
    except Exception:
        raise _unreadable_xlsx() from None
    finally:
        book.close()


def _check_unpacked_size(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        raise _unreadable_xlsx() from None
    if unpacked > MAX_XLSX_UNPACKED:
        raise ValidationError(N_("Tệp Excel này giải nén ra quá lớn (%(mb)s MB; tối đa "
                                 "%(max)s MB). Hãy lưu lại chỉ với danh sách gian hàng."),
                              field="file", mb=unpacked // 2**20,
                              max=MAX_XLSX_UNPACKED // 2**20)


#: Control bytes no text file holds in any 8-bit code page; a picture or a PDF does at once.
_BINARY_BYTES = bytes(range(0x00, 0x09)) + bytes(range(0x0E, 0x20))


#: What Excel's plain "CSV (Comma delimited)" is written in on a Vietnamese Windows: its
#: ANSI code page. Nearly any bytes decode in it, so reading a file in it is a guess, said on
#: the preview ("windows-1258" is Python's name for cp1258).
LEGACY_ENCODING = "windows-1258"


def decode_csv(data: bytes) -> tuple[str, str]:
    """A CSV's text and the encoding it was read in.

    UTF-8 (with Excel's byte order mark or without); UTF-16 with one (Excel's "Unicode
    Text"); else the code page of Excel's plain "CSV" on a Vietnamese Windows, whose tones
    are separate combining marks, composed here as a volunteer's phone writes them. A
    picture or a PDF (control bytes no text holds) is not a CSV at all.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise _not_csv() from None
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    sample = data[:4096]
    if len(sample.translate(None, _BINARY_BYTES)) < len(sample):
        raise _not_csv()
    try:
        return unicodedata.normalize("NFC", data.decode(LEGACY_ENCODING)), LEGACY_ENCODING
    except UnicodeDecodeError:
        # Bytes the code page leaves unassigned: some other encoding, which we cannot tell.
        raise ValidationError(N_("Tệp CSV không phải UTF-8: trong Excel chọn Lưu thành → "
                                 "CSV UTF-8."), field="file") from None


def _not_csv() -> ValidationError:
    return ValidationError(N_("Tệp này không phải CSV hay Excel (.xlsx): hãy tải lên danh "
                              "sách gian hàng lưu dạng .xlsx hoặc CSV UTF-8."), field="file")


def _csv_cells(text: str) -> Iterator[tuple[int, list[Any]]]:
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    lines = enumerate(csv.reader(io.StringIO(text), dialect), start=1)
    try:
        for number, cells in lines:
            yield number, cells[:MAX_COLUMNS]
    except csv.Error:
        # A field over the csv module's limit (128 KB), or a stray NUL.
        raise ValidationError(N_("Không đọc được tệp CSV này."), field="file") from None


#: A phone number as Excel keeps it once its leading 0 is gone: a mobile (9 digits left) or a
#: landline (10 digits left, the area code starting with 2).
_LOST_TRUNK_ZERO = re.compile(r"[0-9]{9}|2[0-9]{9}")


def _cell_text(value: Any, name: str) -> str:
    """A cell as text; numbers lose Excel's ``.0``, dates are refused (Excel changed them)."""
    if value is None:
        return ""
    if isinstance(value, (datetime, date, time)):
        # As the sheet shows it in Vietnam (day first), to find the cell by.
        shown = value.strftime("%H:%M") if isinstance(value, time) else value.strftime(
            "%d/%m/%Y %H:%M" if isinstance(value, datetime) and value.time() != time() else
            "%d/%m/%Y")
        raise ValidationError(_EXCEL_DATE, field=name, value=shown)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if name == "owner_phone" and _LOST_TRUNK_ZERO.fullmatch(text):
        # Excel stored 0912345678 as the number 912345678 (and 0292 3456 789, a landline, as
        # 2923456789), and a CSV saved from that sheet writes it so: no Vietnamese number is
        # 9 digits, or 10 starting with 2, so the leading 0 is what is missing.
        text = "0" + text
    return text


def _find_header(lines: Iterator[tuple[int, list[Any]]]) -> tuple[int, list[Any]] | None:
    """The header line, if one of the first lines holds a stall code column."""
    for number, cells in lines:
        if any(_ALIASES.get(_header_key(str(c or ""))) == "stall_code" for c in cells):
            return number, cells
        if number >= _HEADER_SEARCH_ROWS:
            break
    return None


#: Sheets named at the most when none holds the headers (a workbook may have hundreds).
_SHEETS_NAMED = 10


def _no_header(sheets: list[str] | None = None) -> ValidationError:
    if not sheets:
        return ValidationError(N_("Không tìm thấy dòng tiêu đề có cột “Mã gian hàng”. Các cột "
                                  "được nhận: Mã gian hàng, Khu, Tên gian hàng, Chủ hộ, Số điện "
                                  "thoại."), field="file")
    named = ", ".join(f"“{name}”" for name in sheets[:_SHEETS_NAMED])
    return ValidationError(N_("Không tìm thấy dòng tiêu đề có cột “Mã gian hàng” trong %(count)s "
                              "dòng đầu của các trang tính: %(sheets)s. Các cột được nhận: Mã "
                              "gian hàng, Khu, Tên gian hàng, Chủ hộ, Số điện thoại."),
                           field="file", count=_HEADER_SEARCH_ROWS,
                           sheets=named + (", …" if len(sheets) > _SHEETS_NAMED else ""))


def parse_census(data: bytes) -> CensusFile:
    """Read a census file; a file that cannot be read at all raises ``ValidationError``."""
    if not data.strip():
        raise ValidationError(N_("Tệp trống."), field="file")
    lines, encoding = read_cells(data)
    _, header = next(lines)
    positions: dict[str, int] = {}
    columns: dict[str, str] = {}
    ignored: list[str] = []
    for index, cell in enumerate(header):
        title = str(cell or "").strip()
        name = _ALIASES.get(_header_key(title))
        if name is None:
            if title:
                ignored.append(title)
            continue
        if name in positions:
            raise ValidationError(N_("Hai cột cùng là “%(column)s”: “%(a)s” và “%(b)s”."),
                                  field="file", column=columns[name], a=columns[name], b=title)
        positions[name], columns[name] = index, title
    rows: list[CensusRow] = []
    for number, cells in lines:
        if not any(str(c).strip() for c in cells if c is not None):
            continue
        # Refused as soon as it is known, not after reading the rest of the file.
        if len(rows) == MAX_ROWS or number > MAX_LINES:
            raise ValidationError(N_("Tệp có hơn %(max)s dòng; mỗi lần nhập tối đa %(max)s "
                                     "dòng."), field="file", max=MAX_ROWS)
        rows.append(_row(number, cells, positions))
    return CensusFile(rows=_flag_duplicates(rows), columns=columns, ignored=ignored,
                      encoding=encoding)


def _row(number: int, cells: list[Any], positions: dict[str, int]) -> CensusRow:
    raw: dict[str, str] = {}
    errors: list[ValidationError] = []
    for name, index in positions.items():
        try:
            text = _cell_text(cells[index] if index < len(cells) else None, name)
        except ValidationError as error:
            errors.append(error)
            continue
        if text:
            raw[name] = text
    if "stall_code" not in raw and not any(e.field == "stall_code" for e in errors):
        errors.append(ValidationError(N_("Thiếu mã gian hàng."), field="stall_code"))
    try:
        values = clean_details(raw, partial=True)
    except FormErrors as failed:
        errors.extend(failed.errors)
        values = {}
    return CensusRow(number, {k: v for k, v in values.items() if v} if not errors else
                     {"stall_code": raw.get("stall_code", "")}, errors)


def _flag_duplicates(rows: list[CensusRow]) -> list[CensusRow]:
    """Every line of a code that appears more than once, however written ("B-1", "B 01": one
    ``code_key``), is rejected: which one is right is for the manager to decide, not for the
    import to guess."""
    lines: dict[str, list[int]] = {}
    for row in rows:
        if row.code and not row.errors:
            lines.setdefault(code_key(row.code), []).append(row.line)
    out = []
    for row in rows:
        seen = lines.get(code_key(row.code), []) if row.code else []
        if len(seen) > 1 and not row.errors:
            row = CensusRow(row.line, row.values, [ValidationError(
                N_("Mã %(code)s có ở nhiều dòng: %(lines)s."), field="stall_code",
                code=row.code, lines=", ".join(map(str, seen)))])
        out.append(row)
    return out


def pack_rows(rows: list[CensusRow]) -> list[list[Any]]:
    """Compact rows to carry from the preview to the confirmation (line, then ``FIELDS``)."""
    return [[row.line, *(row.values.get(name, "") for name in FIELDS)] for row in rows]


def unpack_rows(packed: Any) -> list[CensusRow]:
    """Rows back from ``pack_rows``, cleaned again: what is applied is always valid."""
    if not isinstance(packed, list):
        raise ValidationError(N_("Dữ liệu xác nhận không hợp lệ. Hãy tải tệp lên lại."),
                              field="file")
    rows = []
    for item in packed:
        if not (isinstance(item, list) and len(item) == len(FIELDS) + 1):
            raise ValidationError(N_("Dữ liệu xác nhận không hợp lệ. Hãy tải tệp lên lại."),
                                  field="file")
        raw = {name: str(value) for name, value in zip(FIELDS, item[1:], strict=True) if value}
        row = _row(int(item[0]), [raw.get(name) for name in FIELDS],
                   {name: i for i, name in enumerate(FIELDS)})
        if row.errors:
            raise ValidationError(N_("Dữ liệu xác nhận không hợp lệ. Hãy tải tệp lên lại."),
                                  field="file")
        rows.append(row)
    return rows
