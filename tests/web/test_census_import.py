"""Census import through the pages a manager uses: upload, row-by-row report, confirm."""

from __future__ import annotations

import io
import re
import uuid
import zipfile

import pytest
from openpyxl import Workbook
from sqlmodel import select

from merchant_onboard.models import AuditEntry, Role, Stall
from merchant_onboard.services import census as census_service
from merchant_onboard.services import stalls as stall_service
from tests.factories import stall_fields, windows_1258

FIRST = ("\ufeffMã gian hàng,Khu,Tên gian hàng,Chủ hộ,Số điện thoại\n"
         "A-1,Khu A,Tạp hoá Cô Ba,Nguyễn Thị Ba,0912345678\n"
         "A-2,Khu A,Rau sạch,Trần Văn Tư,\n"
         "A-10,Khu A,Cá đồng,Lê Thị Năm,0987654321\n")


@pytest.fixture
def market(make_market):
    return make_market("cho-vi-thanh", census_size=5)


@pytest.fixture
def manager(make_user, market, auth):
    user = make_user("hung", role=Role.MANAGER, markets=[market])
    auth.login("hung")
    return user


def upload(client, text: str | bytes, name: str = "danh-sach.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post("/m/cho-vi-thanh/census",
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def token_of(page) -> str:
    return re.search(r'name="token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def confirm(client, page):
    return client.post("/m/cho-vi-thanh/census/confirm", data={"token": token_of(page)})


def stored(session, market) -> dict[str, Stall]:
    session.expire_all()
    rows = session.exec(select(Stall).where(Stall.market_id == market.id))
    return {stall.stall_code: stall for stall in rows}


def test_preview_then_confirm_adds_census_stalls(client, session, market, manager):
    preview = upload(client, FIRST)
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "Thêm mới 3" in html and "Bị từ chối 0" in html
    assert stored(session, market) == {}, "the preview writes nothing"
    done = confirm(client, preview)
    assert done.status_code == 302 and done.location.endswith("/m/cho-vi-thanh/dashboard")
    rows = stored(session, market)
    assert sorted(rows) == ["A-1", "A-10", "A-2"]
    a1 = rows["A-1"]
    assert (a1.status, a1.zone, a1.owner_phone) == ("census", "Khu A", "0912345678")
    assert a1.public_code and a1.sort_key < rows["A-10"].sort_key
    assert "tap hoa co ba" in a1.search_text
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "census.import")).one()
    assert (audit.actor_id, audit.data["added"]) == (manager.id, 3)


def test_reimport_updates_by_code_without_duplicates_or_losses(client, session, market,
                                                               manager):
    confirm(client, upload(client, FIRST))
    second = ("Mã gian hàng,Tên gian hàng,Chủ hộ\n"
              "A-1,Tạp hoá Cô Ba,Nguyễn Thị Ba\n"          # same: unchanged
              "A-2,Rau sạch Út,\n"                         # renamed; owner cell empty: kept
              "B-1,Thịt heo,Võ Văn Sáu\n")                 # new
    preview = upload(client, second)
    html = preview.get_data(as_text=True)
    assert "Thêm mới 1" in html and "Cập nhật 1" in html and "Không đổi 1" in html
    confirm(client, preview)
    rows = stored(session, market)
    assert sorted(rows) == ["A-1", "A-10", "A-2", "B-1"]
    assert (rows["A-2"].shop_name, rows["A-2"].owner_name) == ("Rau sạch Út", "Trần Văn Tư")
    assert rows["A-10"].owner_phone == "0987654321", "a stall missing from the file stays"


@pytest.mark.parametrize(("second", "said"), [
    (None, "Mọi dòng của tệp đã có trong danh sách chợ, như trong tệp."),
    ("Mã gian hàng,Khu,Chủ hộ\n", "Tệp không có dòng nào dưới dòng tiêu đề."),
    ("Mã gian hàng,Khu,Chủ hộ\n,Khu A,Lê Văn Tám\n",
     "Sửa các dòng bị từ chối rồi tải tệp lên lại."),
])
def test_nothing_to_import_says_why(client, session, market, manager, second, said):
    """With nothing to import, the page always said "fix the refused rows", even when no
    row was refused: a file with its header alone, or one imported already."""
    confirm(client, upload(client, FIRST))
    page = upload(client, second or FIRST).get_data(as_text=True)
    assert "Không có gì để nhập." in page and said in page
    reasons = ("Sửa các dòng bị từ chối", "Mọi dòng của tệp đã có", "Tệp không có dòng nào")
    assert sum(reason in page for reason in reasons) == 1
    assert 'name="token"' not in page


def test_a_row_without_a_shop_name_is_shown_without_a_stray_separator(client, market,
                                                                      manager):
    page = upload(client, "Mã gian hàng,Khu,Chủ hộ\nB-1,Khu B,Lê Văn Tám\n")
    assert "<li>Lê Văn Tám · Khu B</li>" in page.get_data(as_text=True)


def test_a_code_written_another_way_updates_its_stall(client, session, market, manager):
    """Census lists pad numbers or drop dashes ("A-01", "a 2"): they are the stalls A-1 and
    A-2, as search already says, not new ones that would inflate the denominator."""
    confirm(client, upload(client, FIRST))
    preview = upload(client, "Mã gian hàng,Tên gian hàng\nA-01,Tạp hoá Cô Ba\na 2,Rau sạch Út\n"
                             "A10,Cá đồng\n")
    html = preview.get_data(as_text=True)
    assert "Thêm mới 0" in html and "Cập nhật 1" in html and "Không đổi 2" in html
    confirm(client, preview)
    rows = stored(session, market)
    assert sorted(rows) == ["A-1", "A-10", "A-2"]
    assert rows["A-2"].shop_name == "Rau sạch Út"


def test_one_code_written_two_ways_in_a_file_is_a_duplicate(client, session, market, manager):
    preview = upload(client, "Mã gian hàng,Tên gian hàng\nB-1,Thịt heo\nB 01,Thịt bò\n")
    html = preview.get_data(as_text=True)
    assert "có ở nhiều dòng: 2, 3" in html
    assert 'name="token"' not in html, "nothing to confirm"
    assert stored(session, market) == {}


def test_the_audit_entry_counts_what_the_preview_showed(client, session, market, manager):
    """The confirmation carries only the rows to write: the audit said "Không đổi: 0" after an
    import the preview had called "Không đổi 2"."""
    confirm(client, upload(client, FIRST))
    second = ("Mã gian hàng,Tên gian hàng,Chủ hộ,Số điện thoại\n"
              "A-1,Tạp hoá Cô Ba,Nguyễn Thị Ba,\n"        # unchanged
              "A-2,Rau sạch,Trần Văn Tư,\n"               # unchanged
              "A-10,Cá đồng Út,,\n"                       # updated
              "B-1,Thịt heo,,12345\n")                    # rejected: a bad phone
    preview = upload(client, second)
    html = preview.get_data(as_text=True)
    assert "Cập nhật 1" in html and "Không đổi 2" in html and "Bị từ chối 1" in html
    confirm(client, preview)
    session.expire_all()
    entries = session.exec(select(AuditEntry).where(AuditEntry.action == "census.import")
                           .order_by(AuditEntry.id)).all()
    assert entries[-1].data == {"added": 0, "updated": 1, "unchanged": 2, "rejected": 1}


def test_registered_stalls_keep_their_checked_details(client, session, market, manager):
    confirm(client, upload(client, FIRST))
    a1 = stored(session, market)["A-1"]
    stall_service.register_stall(session, actor=manager, market=market, stall=a1,
                                 client_id=str(uuid.uuid4()), confirm_phone=True,
                                 raw=stall_fields(stall_code="A-1", owner_name="Nguyễn Thị Ba",
                                                  owner_phone="0912345678"))
    preview = upload(client, "Mã gian hàng,Chủ hộ\nA-1,Nguyen Thi Ba Sai\n")
    assert "đã xác minh khi đăng ký" in preview.get_data(as_text=True)
    assert "Không có gì để nhập" in preview.get_data(as_text=True)
    assert stored(session, market)["A-1"].owner_name == "Nguyễn Thị Ba"


def test_mixed_file_imports_only_the_good_rows(client, session, market, manager):
    mixed = ("Mã gian hàng,Chủ hộ,SĐT\n"
             "C-1,Ba,0912345678\n"
             "C-2,Tư,12345\n"          # bad phone
             "C-3,Năm,\n"
             "c-3,Sáu,\n"              # duplicate code
             "C-4,Bảy,\n")
    preview = upload(client, mixed)
    html = preview.get_data(as_text=True)
    assert "Thêm mới 2" in html and "Bị từ chối 3" in html
    assert "Số điện thoại không hợp lệ" in html
    assert "có ở nhiều dòng: 4, 5" in html
    confirm(client, preview)
    assert sorted(stored(session, market)) == ["C-1", "C-4"]


def test_a_csv_saved_by_excel_on_a_vietnamese_windows_is_imported_and_the_guess_said(
        client, session, market, manager):
    """Excel's plain "CSV" on a Vietnamese Windows (code page 1258) was refused with "save as
    CSV UTF-8": a round trip for most managers. It is read; the preview says in which code
    page, so names shown wrong send the manager back to save as UTF-8 before confirming."""
    preview = upload(client, windows_1258(FIRST.lstrip("\ufeff")))
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert 'id="census-encoding"' in html and "Windows-1258" in html
    assert "Thêm mới 3" in html and "Nguyễn Thị Ba" in html
    assert confirm(client, preview).status_code == 302
    rows = stored(session, market)
    assert (rows["A-1"].shop_name, rows["A-1"].owner_name) == ("Tạp hoá Cô Ba", "Nguyễn Thị Ba")
    assert "tap hoa co ba" in rows["A-1"].search_text
    # A UTF-8 file is not a guess: nothing to say.
    assert 'id="census-encoding"' not in upload(client, FIRST).get_data(as_text=True)


@pytest.mark.parametrize("bad", ["Tên,Chủ hộ\nX,Y\n", b"\xd0\xcf\x11\xe0" + b"\0" * 64, ""])
def test_unreadable_files_show_the_reason_and_write_nothing(client, session, market, manager,
                                                            bad):
    page = upload(client, bad) if bad else client.post(
        "/m/cho-vi-thanh/census", data={}, content_type="multipart/form-data")
    assert page.status_code == 422
    assert "Không nhập được tệp này" in page.get_data(as_text=True)
    assert stored(session, market) == {}


@pytest.mark.parametrize(("case", "message"), [
    ("sheet-truncated", "Không đọc được tệp Excel này."),
    ("styles-broken", "Không đọc được tệp Excel này."),
    ("number-holding-text", "Không đọc được tệp Excel này."),
    ("png", "không phải CSV hay Excel"),
])
def test_a_malformed_xlsx_or_a_picture_is_refused_on_the_form(client, session, market, manager,
                                                              case, message):
    from tests.domain.test_census_parse import PNG, _broken

    page = upload(client, PNG if case == "png" else _broken(case), "danh-sach.xlsx")
    assert page.status_code == 422
    assert message in page.get_data(as_text=True)
    assert stored(session, market) == {}


def test_a_census_over_the_upload_limit_is_refused_on_the_form(app, client, session, market,
                                                                manager):
    too_big = "Mã gian hàng\n" + "A-1\n" * (app.config["MAX_CONTENT_LENGTH"] // 4 + 1)
    page = upload(client, too_big)
    assert page.status_code == 413
    text = page.get_data(as_text=True)
    assert "Tệp quá lớn (tối đa 12 MB)." in text
    assert 'name="file"' in text, "the form to choose another file"
    assert stored(session, market) == {}


def test_an_upload_over_the_limit_elsewhere_keeps_the_plain_page(client, market, manager):
    page = client.post("/m/cho-vi-thanh/settings", data={"name": "x" * (13 * 2**20)})
    assert page.status_code == 413 and 'name="file"' not in page.get_data(as_text=True)


def test_tampered_or_foreign_confirmation_is_refused(client, session, market, manager,
                                                     make_market):
    preview = upload(client, FIRST)
    token = token_of(preview)
    forged = client.post("/m/cho-vi-thanh/census/confirm", data={"token": token[:-3] + "abc"})
    assert forged.status_code == 422
    other = make_market("cho-khac")
    manager_of_both = client.post("/m/cho-khac/census/confirm", data={"token": token})
    assert manager_of_both.status_code == 404
    assert stored(session, market) == {} and stored(session, other) == {}


def test_a_failure_half_way_writes_nothing(client, session, market, manager, monkeypatch):
    preview = upload(client, FIRST)
    monkeypatch.setattr(census_service, "unused_public_code", lambda session: "SAMECODE")
    failed = confirm(client, preview)
    assert failed.status_code == 409
    assert stored(session, market) == {}
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "census.import")).all() == []


def test_volunteers_cannot_import(client, auth, make_user, market):
    make_user("lan", markets=[market])
    auth.login("lan")
    assert client.get("/m/cho-vi-thanh/census").status_code == 403
    assert upload(client, FIRST).status_code == 403


def _zip_bomb() -> bytes:
    """A small XLSX whose one shared string unpacks to 100 MB."""
    out = io.BytesIO()
    book = Workbook()
    book.active.append(["Mã gian hàng", "Tên gian hàng"])
    book.active.append(["A-1", "x"])
    book.save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    bombed = io.BytesIO()
    with zipfile.ZipFile(bombed, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        with target.open("xl/padding.bin", "w") as padding:
            for _ in range(100):
                padding.write(b"A" * 2**20)
    return bombed.getvalue()


def _declared_everything() -> bytes:
    """A tiny XLSX whose sheet spans A1:XFD1048576 (one cell in the far corner)."""
    book = Workbook()
    book.active.append(["Mã gian hàng", "Tên gian hàng"])
    book.active.append(["A-1", "Rau sạch"])
    book.active.cell(row=1_048_576, column=16_384, value="x")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.timeout(30)
def test_a_census_that_unpacks_to_gigabytes_is_refused_unopened(client, session, market,
                                                                 manager):
    data = _zip_bomb()
    assert len(data) < 1_000_000
    page = upload(client, data, "bom.xlsx")
    assert page.status_code == 422
    assert "giải nén ra quá lớn" in page.get_data(as_text=True)
    assert stored(session, market) == {}


@pytest.mark.timeout(30)
def test_a_census_declaring_the_whole_sheet_is_read_within_its_limits(client, session, market,
                                                                      manager):
    page = upload(client, _declared_everything(), "rong.xlsx")
    assert page.status_code == 200
    assert "A-1" in page.get_data(as_text=True)
    confirm(client, page)
    assert set(stored(session, market)) == {"A-1"}


def test_a_census_past_the_row_limit_is_refused_while_reading(client, session, market,
                                                              manager, monkeypatch):
    from merchant_onboard.domain import census

    monkeypatch.setattr(census, "MAX_ROWS", 3)
    page = upload(client, "Mã gian hàng\nA-1\nA-2\nA-3\nA-4\n")
    assert page.status_code == 422
    assert "tối đa 3 dòng" in page.get_data(as_text=True)
    assert stored(session, market) == {}


def test_a_large_census_is_written_in_chunks_and_a_retry_completes_it(client, session, market,
                                                                      manager, monkeypatch):
    """One transaction per CHUNK_ROWS rows keeps SQLite's write lock short; if a chunk fails,
    confirming again adds only what is missing."""
    monkeypatch.setattr(census_service, "CHUNK_ROWS", 2)
    lines = "\n".join(f"B-{n},Khu B" for n in range(1, 6))
    preview = upload(client, f"Mã gian hàng,Khu\n{lines}\n")
    real = census_service.unused_public_code
    calls = iter(range(100))

    def fails_in_the_second_chunk(session):
        return "SAMECODE" if next(calls) in (2, 3) else real(session)

    monkeypatch.setattr(census_service, "unused_public_code", fails_in_the_second_chunk)
    assert confirm(client, preview).status_code == 409
    assert set(stored(session, market)) == {"B-1", "B-2"}
    monkeypatch.setattr(census_service, "unused_public_code", real)
    assert confirm(client, preview).status_code in (200, 302)
    assert set(stored(session, market)) == {f"B-{n}" for n in range(1, 6)}


def test_every_column_name_the_page_lists_is_read_as_its_field(client, manager):
    """The page names the headers a census may use, written out by hand with their accents;
    each must be one the reader takes, for the field of its row."""
    from merchant_onboard.domain.census import HEADERS, parse_census

    page = client.get("/m/cho-vi-thanh/census").get_data(as_text=True)
    table = page.split("Các cột được nhận", 1)[1].split("</table>", 1)[0]
    listed = re.findall(r'<tr><th scope="row">.*?</th><td>(.*?)</td></tr>', table)
    assert len(listed) == len(HEADERS)
    for field, names in zip(HEADERS, listed, strict=True):
        for name in names.split(", "):
            header = name if field == "stall_code" else f"Mã gian hàng,{name}"
            columns = parse_census(f"{header}\n".encode()).columns
            assert columns.get(field) == name, (field, name)
