"""Reading census spreadsheets: Vietnamese headers, BOMs, Excel's numbers and dates."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook

from merchant_onboard.domain.census import LEGACY_ENCODING, pack_rows, parse_census, unpack_rows
from merchant_onboard.domain.errors import ValidationError
from tests.factories import windows_1258


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD_CSV = ("Mã gian hàng,Khu,Tên gian hàng,Chủ hộ,Số điện thoại\n"
            "A-1,Khu A,Tạp hoá Cô Ba,Nguyễn Thị Ba,0912 345 678\n"
            "a-2,Khu A,Rau sạch,Trần Văn Tư,\n")


@pytest.mark.parametrize("encoded", [GOOD_CSV.encode("utf-8"),
                                     ("\ufeff" + GOOD_CSV).encode("utf-8"),
                                     GOOD_CSV.replace(",", ";").encode("utf-8")])
def test_csv_with_or_without_bom_and_with_semicolons(encoded):
    census = parse_census(encoded)
    assert [r.values for r in census.rows] == [
        {"stall_code": "A-1", "zone": "Khu A", "shop_name": "Tạp hoá Cô Ba",
         "owner_name": "Nguyễn Thị Ba", "owner_phone": "0912345678"},
        {"stall_code": "A-2", "zone": "Khu A", "shop_name": "Rau sạch",
         "owner_name": "Trần Văn Tư"},
    ]
    assert [r.line for r in census.rows] == [2, 3]
    assert census.columns["owner_phone"] == "Số điện thoại"


def test_headers_without_accents_or_in_english_and_extra_columns():
    census = parse_census(b"STT,ma sap,ten cua hang,SDT,Ghi chu\n1,B-7,Ca dong,+84 912 000 111,x\n")
    assert census.rows[0].values == {"stall_code": "B-7", "shop_name": "Ca dong",
                                     "owner_phone": "0912000111"}
    assert census.ignored == ["STT", "Ghi chu"]


def test_xlsx_under_a_title_line_with_excel_numbers_and_dates():
    data = xlsx([["DANH SÁCH HỘ KINH DOANH CHỢ VỊ THANH"], [],
                 ["Số sạp", "Họ tên chủ hộ", "Điện thoại"],
                 ["C-3", "Lê Thị Hồng", 912345678],
                 [12, "Phạm Văn Út", 978000111.0],
                 [datetime(2026, 1, 2), "Võ Thị Sáu", None]])
    rows = parse_census(data).rows
    assert rows[0].values["owner_phone"] == "0912345678"
    assert rows[1].values["stall_code"] == "12"
    assert rows[2].line == 6
    assert rows[2].errors[0].field == "stall_code"
    assert "ngày tháng" in rows[2].errors[0].message
    # The date as a Vietnamese reader writes it, to find the cell by ("1-2" typed, 2 Jan):
    # not "2026-01-02 00:00:00".
    assert rows[2].errors[0].params == {"value": "02/01/2026"}


@pytest.mark.parametrize("saved_as", ["xlsx", "csv"])
def test_phones_whose_leading_zero_excel_dropped_are_read_whole(saved_as):
    """A phone column Excel holds as numbers shows 0292 3456 789 as 2923456789 and
    0912 345 678 as 912345678, in the workbook and in the CSV saved from it: no Vietnamese
    number is 9 digits, or 10 starting with 2, so the 0 is what is missing."""
    lines = [["Mã gian hàng", "Chủ hộ", "Số điện thoại"], ["A-1", "Ba", 2923456789],
             ["A-2", "Tư", 912345678], ["A-3", "Năm", 84912345678]]
    data = xlsx(lines) if saved_as == "xlsx" else \
        "\n".join(",".join(map(str, line)) for line in lines).encode()
    rows = parse_census(data).rows
    assert [r.errors for r in rows] == [[], [], []]
    assert [r.values["owner_phone"] for r in rows] == ["02923456789", "0912345678",
                                                      "0912345678"]


def test_bad_rows_are_rejected_with_their_reason():
    census = parse_census("Mã gian hàng,Chủ hộ,SĐT\n"
                          "A-1,Ba,12345\n"
                          ",Tư,0912345678\n"
                          "A 1 ?,Năm,\n"
                          "A-4,,\n".encode())
    errors = {r.line: [e.field for e in r.errors] for r in census.rows}
    assert errors == {2: ["owner_phone"], 3: ["stall_code"], 4: ["stall_code"], 5: []}


def test_every_line_of_a_duplicated_code_is_rejected():
    census = parse_census("Mã gian hàng,Chủ hộ\nA-1,Ba\nB-1,Tư\na-1,Năm\n".encode())
    rejected = [r.line for r in census.rows if r.errors]
    assert rejected == [2, 4]
    assert census.rows[0].errors[0].params["lines"] == "2, 4"


def test_a_csv_excel_wrote_on_a_vietnamese_windows_is_read_with_its_accents():
    """Excel's plain "CSV (Comma delimited)" on a Vietnamese Windows is code page 1258, not
    UTF-8: managers had to save again as "CSV UTF-8". It is read, its tones composed as a
    phone types them (so a search and a stall typed on a phone match it), and said."""
    data = windows_1258(GOOD_CSV + "D-3,Khu Đông,Bún riêu Ếch,Phạm Thị Ngữ,\n")
    assert b"\xcc" in data and b"\xec" in data, "tones as combining marks, as Windows writes"
    census = parse_census(data)
    assert census.encoding == LEGACY_ENCODING
    assert [r.values for r in census.rows] == [
        {"stall_code": "A-1", "zone": "Khu A", "shop_name": "Tạp hoá Cô Ba",
         "owner_name": "Nguyễn Thị Ba", "owner_phone": "0912345678"},
        {"stall_code": "A-2", "zone": "Khu A", "shop_name": "Rau sạch",
         "owner_name": "Trần Văn Tư"},
        {"stall_code": "D-3", "zone": "Khu Đông", "shop_name": "Bún riêu Ếch",
         "owner_name": "Phạm Thị Ngữ"},
    ]
    assert all(unicodedata.is_normalized("NFC", v) for r in census.rows for v in r.values.values())


def test_excels_unicode_text_is_read_and_utf8_is_said_to_be_utf8():
    """Excel's "Unicode Text" is UTF-16 with a byte order mark, tab-separated."""
    census = parse_census(GOOD_CSV.replace(",", "\t").encode("utf-16"))
    assert census.encoding == "utf-16"
    assert census.rows[0].values["owner_name"] == "Nguyễn Thị Ba"
    assert parse_census(GOOD_CSV.encode()).encoding == "utf-8"
    assert parse_census(xlsx([["Mã gian hàng"], ["A-1"]])).encoding is None


@pytest.mark.parametrize(("data", "words"), [
    ("Tên,Chủ hộ\nX,Y\n".encode(), "Mã gian hàng"),
    # Bytes Windows-1258 leaves unassigned (0x81, 0x8D…): no Vietnamese Excel wrote this.
    (b"Ma gian hang,Chu ho\nA-1,B\x81\x8d\n", "UTF-8"),
    (b"\xd0\xcf\x11\xe0" + b"\x00" * 100, ".xls"),
    (b"PK\x03\x04 not really a zip", "Excel"),
    (b"  \n", "trống"),
    ("Mã gian hàng,Mã sạp\nA,B\n".encode(), "Hai cột"),
])
def test_files_that_cannot_be_read_say_why(data, words):
    with pytest.raises(ValidationError) as caught:
        parse_census(data)
    assert words in caught.value.message


def xlsx_parts(rows: list[list]) -> dict[str, bytes]:
    """The files inside an XLSX of ``rows``, to break one of them."""
    archive = zipfile.ZipFile(io.BytesIO(xlsx(rows)))
    return {name: archive.read(name) for name in archive.namelist()}


def zipped(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"


def _phone_cell(parts: dict[str, bytes], cell: bytes) -> dict[str, bytes]:
    """``parts`` with the phone cell of line 2 replaced by ``cell``."""
    sheet = re.sub(rb'<c r="C2"[^>]*>.*?</c>', cell, parts[SHEET])
    assert sheet != parts[SHEET]
    return {**parts, SHEET: sheet}


def _broken(case: str) -> bytes:
    parts = xlsx_parts([["Mã gian hàng", "Chủ hộ", "Số điện thoại"], ["A-1", "Ba", 912345678]])
    sheet = parts[SHEET]
    broken = {
        "sheet-truncated": lambda: {**parts, SHEET: sheet[:-40]},
        "sheet-not-xml": lambda: {**parts, SHEET: b"not xml at all"},
        "sheet-missing": lambda: {k: v for k, v in parts.items() if k != SHEET},
        "no-worksheet": lambda: {**parts, "xl/workbook.xml": re.sub(
            rb"<sheets>.*</sheets>", b"<sheets/>", parts["xl/workbook.xml"])},
        "styles-broken": lambda: {**parts, "xl/styles.xml": b"<garbage"},
        "cell-reference": lambda: {**parts, SHEET: sheet.replace(b'r="A2"', b'r="ZZZZZZ2"')},
        "number-holding-text": lambda: _phone_cell(parts, b'<c r="C2" t="n"><v>abc</v></c>'),
        "date-holding-text": lambda: _phone_cell(parts, b'<c r="C2" t="d"><v>notadate</v></c>'),
        "doctype-entity": lambda: {**parts, SHEET: sheet.replace(
            b"<sheetData>", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><sheetData>')},
    }[case]()
    return zipped(broken)


@pytest.mark.parametrize("case", ["sheet-truncated", "sheet-not-xml", "sheet-missing",
                                  "no-worksheet", "styles-broken", "cell-reference",
                                  "number-holding-text", "date-holding-text", "doctype-entity"])
def test_a_malformed_xlsx_is_unreadable_wherever_it_breaks(case):
    """openpyxl's read-only mode parses a sheet while its rows are read, not when it opens."""
    with pytest.raises(ValidationError) as caught:
        parse_census(_broken(case))
    assert caught.value.message == "Không đọc được tệp Excel này."


def test_the_list_is_read_from_the_first_sheet_holding_the_headers():
    book = Workbook()
    book.active.title = "Bìa"
    book.active.append(["BAN QUẢN LÝ CHỢ VỊ THANH"])
    book.active.append(["Danh sách hộ kinh doanh, năm 2026"])
    listing = book.create_sheet("Danh sách")
    listing.append(["STT", "Mã gian hàng", "Chủ hộ"])
    listing.append([1, "A-1", "Nguyễn Thị Ba"])
    book.active = 0
    out = io.BytesIO()
    book.save(out)
    census = parse_census(out.getvalue())
    assert [(r.line, r.values) for r in census.rows] == [
        (2, {"stall_code": "A-1", "owner_name": "Nguyễn Thị Ba"})]


def test_without_the_headers_on_any_sheet_the_message_names_the_sheets_read():
    book = Workbook()
    book.active.title = "Bìa"
    book.active.append(["BAN QUẢN LÝ CHỢ"])
    book.create_sheet("Ghi chú").append(["Tên", "Chủ hộ"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ValidationError) as caught:
        parse_census(out.getvalue())
    message = caught.value.message % caught.value.params
    assert "Mã gian hàng" in message and "“Bìa”, “Ghi chú”" in message


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256))


@pytest.mark.parametrize("data", [PNG, b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200)],
                         ids=["png", "jpeg"])
def test_a_file_that_is_neither_text_nor_xlsx_is_not_taken_for_a_csv(data):
    with pytest.raises(ValidationError) as caught:
        parse_census(data)
    assert "không phải CSV hay Excel" in caught.value.message
    assert "không phải UTF-8" not in caught.value.message


def test_rows_survive_the_trip_from_preview_to_confirmation():
    rows = [r for r in parse_census(GOOD_CSV.encode()).rows]
    assert [r.values for r in unpack_rows(pack_rows(rows))] == [r.values for r in rows]
    with pytest.raises(ValidationError):
        unpack_rows([[2, "??", "", "", "", ""]])
    with pytest.raises(ValidationError):
        unpack_rows({"rows": []})


@pytest.mark.parametrize(("code", "shop", "owner", "phone"), [
    ("Số ki-ốt", "Tên cơ sở kinh doanh", "Tên chủ hộ kinh doanh", "Số điện thoại liên hệ"),
    ("Mã ki-ốt", "Tên cơ sở", "Họ tên chủ hộ kinh doanh", "SĐT liên hệ"),
    ("Mã quầy", "Tên quầy", "Họ tên người kinh doanh", "Điện thoại liên hệ"),
])
def test_headers_communes_write_in_full_are_read(code, shop, owner, phone):
    """Wards' lists name their columns in full ("Tên chủ hộ kinh doanh", "Số điện thoại liên
    hệ"): those columns were skipped, and the owners' names and phones went unread."""
    census = parse_census(f"{code},{shop},{owner},{phone}\nK-1,Tạp hoá Ba,Nguyễn Thị Ba,"
                          "0912345678\n".encode())
    assert census.ignored == []
    assert census.rows[0].values == {"stall_code": "K-1", "shop_name": "Tạp hoá Ba",
                                     "owner_name": "Nguyễn Thị Ba",
                                     "owner_phone": "0912345678"}
