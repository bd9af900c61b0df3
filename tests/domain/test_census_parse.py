"""Reading census spreadsheets: Vietnamese headers, BOMs, Excel's numbers and dates."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import Workbook

from merchant_onboard.domain.census import pack_rows, parse_census, unpack_rows
from merchant_onboard.domain.errors import ValidationError


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


@pytest.mark.parametrize(("data", "words"), [
    ("Tên,Chủ hộ\nX,Y\n".encode(), "Mã gian hàng"),
    # Excel's plain "CSV" on a Vietnamese Windows is code page 1258.
    ("Ma gian hang,Chu ho\nA-1,Bà Tư\n".encode("cp1258"), "UTF-8"),
    (b"\xd0\xcf\x11\xe0" + b"\x00" * 100, ".xls"),
    (b"PK\x03\x04 not really a zip", "Excel"),
    (b"  \n", "trống"),
    ("Mã gian hàng,Mã sạp\nA,B\n".encode(), "Hai cột"),
])
def test_files_that_cannot_be_read_say_why(data, words):
    with pytest.raises(ValidationError) as caught:
        parse_census(data)
    assert words in caught.value.message


def test_rows_survive_the_trip_from_preview_to_confirmation():
    rows = [r for r in parse_census(GOOD_CSV.encode()).rows]
    assert [r.values for r in unpack_rows(pack_rows(rows))] == [r.values for r in rows]
    with pytest.raises(ValidationError):
        unpack_rows([[2, "??", "", "", "", ""]])
    with pytest.raises(ValidationError):
        unpack_rows({"rows": []})
