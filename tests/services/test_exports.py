"""Exports at the service level: who may export, what each row says, what is masked, the audit.

The files are read back the way a manager opens them (CSV text, an XLSX workbook).
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timezone

import openpyxl
import pytest
from sqlmodel import select

from merchant_onboard.domain.errors import PermissionDenied, ValidationError
from merchant_onboard.domain.tables import ROLLUP_COLUMNS, STALL_COLUMNS
from merchant_onboard.models import AuditEntry, Role
from merchant_onboard.services import exports, onboarding

HEADERS = [key.upper() for key, _title in STALL_COLUMNS]
ROLLUP_HEADERS = [key.upper() for key, _title in ROLLUP_COLUMNS]


def TOTAL(n: int) -> str:  # noqa: N802 (a label, as the web passes it)
    return f"Tổng ({n} chợ)"


LABELS = {"status": {"registered": "Đã đăng ký", "refused": "Từ chối"},
          "refusal_reason": {"prefers_cash": "Thích tiền mặt"}}
#: 20:30 UTC on 1 March is already 2 March in Vietnam (UTC+7).
EVENING = datetime(2026, 3, 1, 20, 30, tzinfo=timezone.utc)


@pytest.fixture
def market(make_market):
    return make_market("cho-vi-thanh", name="Chợ Vị Thanh", target_pct=80)


@pytest.fixture
def people(make_user, market):
    return {"manager": make_user("thu", Role.MANAGER, markets=[market]),
            "admin": make_user("an", Role.ADMIN),
            "volunteer": make_user("lan", Role.VOLUNTEER, markets=[market])}


@pytest.fixture
def stalls(make_stall, market, people, session):
    lan = people["volunteer"]
    made = [make_stall(market, lan, stall_code=code, zone=zone, owner_phone=phone,
                       account_number=account, shop_name=f"Gian {code}")
            for code, zone, phone, account in (("B-1", "Khu B", "0912 000 101", "0011012345101"),
                                               ("A-10", "Khu A", "0912 000 110", "0011012345110"),
                                               ("A-2", "Khu A", "0912 000 102", "0011012345102"))]
    onboarding.record_event(session, actor=lan, stall=made[0], kind="refused",
                            client_id=str(uuid.uuid4()), data={"reason": "prefers_cash"})
    return made


def stall_rows(session, actor, market, fmt="csv"):
    export = exports.export_stalls(session, actor=actor, market=market, fmt=fmt,
                                   headers=HEADERS, labels=LABELS, now=EVENING)
    return export, b"".join(export.chunks)


def read_csv(data: bytes) -> list[dict[str, str]]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_a_manager_exports_every_stall_in_full_by_zone_then_code(session, market, people,
                                                                  stalls):
    export, data = stall_rows(session, people["manager"], market)
    assert export.filename == "cho-vi-thanh-gian-hang-20260302.csv"
    assert export.mimetype == "text/csv; charset=utf-8"
    rows = read_csv(data)
    assert [r["STALL_CODE"] for r in rows] == ["A-2", "A-10", "B-1"]
    a2 = rows[0]
    assert (a2["ZONE"], a2["SHOP_NAME"], a2["OWNER_NAME"], a2["OWNER_PHONE"], a2["STATUS"],
            a2["BANK"], a2["ACCOUNT_NUMBER"], a2["HOLDER_NAME"], a2["REFUSAL_REASON"],
            a2["RECHECK_MISMATCH"]) == (
        "Khu A", "Gian A-2", "Nguyễn Thị Ba", "0912000102", "Đã đăng ký", "Vietcombank",
        "0011012345102", "NGUYEN THI BA", "", "")
    assert a2["PUBLIC_CODE"] == stalls[2].public_code
    assert a2["REGISTERED_AT"] and not a2["PRINTED_AT"]
    refused = rows[2]
    assert (refused["STATUS"], refused["REFUSAL_REASON"]) == ("Từ chối", "Thích tiền mặt")


def test_registration_times_are_written_in_vietnam_time(session, market, people, stalls):
    _export, data = stall_rows(session, people["manager"], market, fmt="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    registered = sheet.cell(row=2, column=header.index("REGISTERED_AT") + 1).value
    stored = stalls[2].registered_at
    # Excel cells carry no zone: the wall-clock time in Vietnam is written (to the millisecond).
    local = stored.astimezone(exports.VIETNAM).replace(tzinfo=None)
    assert abs((registered.replace(tzinfo=None) - local).total_seconds()) < 0.01


def test_the_xlsx_holds_the_same_rows_as_the_csv(session, market, people, stalls):
    export, data = stall_rows(session, people["manager"], market, fmt="xlsx")
    assert export.filename.endswith(".xlsx") and "spreadsheetml" in export.mimetype
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.title == "cho-vi-thanh"
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == HEADERS
    assert [row[0] for row in values[1:]] == ["A-2", "A-10", "B-1"]
    assert values[1][HEADERS.index("ACCOUNT_NUMBER")] == "0011012345102"


def test_an_admin_gets_masked_phones_and_accounts(session, market, people, stalls):
    _export, data = stall_rows(session, people["admin"], market)
    first = read_csv(data)[0]
    assert (first["OWNER_PHONE"], first["ACCOUNT_NUMBER"]) == ("•••• 102", "•••• 5102")


def test_a_volunteer_may_not_export(session, market, people, stalls):
    with pytest.raises(PermissionDenied):
        stall_rows(session, people["volunteer"], market)
    assert session.exec(select(AuditEntry).where(AuditEntry.action.startswith("export."))
                        ).all() == []


def test_an_unknown_format_is_refused(session, market, people, stalls):
    for call in (lambda: stall_rows(session, people["manager"], market, fmt="pdf"),
                 lambda: exports.export_rollup(session, actor=people["admin"], fmt="ods",
                                               headers=ROLLUP_HEADERS, total_label=TOTAL)):
        with pytest.raises(ValidationError) as caught:
            call()
        assert caught.value.field == "format"


def test_each_export_is_audited_with_who_and_whether_it_was_masked(session, market, people,
                                                                   stalls):
    stall_rows(session, people["manager"], market)
    stall_rows(session, people["admin"], market, fmt="xlsx")
    exports.export_rollup(session, actor=people["admin"], fmt="csv", headers=ROLLUP_HEADERS,
                          total_label=TOTAL, province="Hậu Giang", ward="Phường 1")
    entries = session.exec(select(AuditEntry).where(AuditEntry.action.startswith("export."))
                           .order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_id, e.target, e.market_id, e.data) for e in entries] == [
        ("export.stalls", people["manager"].id, "cho-vi-thanh", market.id,
         {"format": "csv", "masked": False}),
        ("export.stalls", people["admin"].id, "cho-vi-thanh", market.id,
         {"format": "xlsx", "masked": True}),
        ("export.rollup", people["admin"].id, "Hậu Giang", None,
         {"format": "csv", "province": "Hậu Giang", "ward": "Phường 1", "markets": 1}),
    ]


def test_the_rollup_export_has_a_row_per_market_for_admins_only(session, market, people, stalls,
                                                                make_market):
    make_market("cho-khac", name="Chợ Khác", province="Cần Thơ")
    export = exports.export_rollup(session, actor=people["admin"], fmt="csv",
                                   headers=ROLLUP_HEADERS, total_label=TOTAL, now=EVENING)
    assert export.filename == "tong-hop-cac-cho-20260302.csv"
    rows = {r["CODE"]: r for r in read_csv(b"".join(export.chunks))}
    assert set(rows) == {"cho-vi-thanh", "cho-khac", ""}  # "": the totals
    ours = rows["cho-vi-thanh"]
    assert (ours["NAME"], ours["PROVINCE"], ours["REGISTERED"], ours["REFUSED"],
            ours["TARGET_PCT"]) == ("Chợ Vị Thanh", "Hậu Giang", "2", "1", "80")
    assert rows["cho-khac"]["ADOPTION_PCT"] == ""
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "export.rollup")).one()
    assert entry.target == "*"
    with pytest.raises(PermissionDenied):
        exports.export_rollup(session, actor=people["manager"], fmt="csv",
                              headers=ROLLUP_HEADERS, total_label=TOTAL)


def test_the_rollup_xlsx_writes_a_zero_as_zero_not_as_an_empty_cell(session, market, people,
                                                                    stalls, make_market):
    """Excel's AVERAGE and COUNT skip empty cells: a market at 0 % written blank would lift
    a province's average adoption."""
    make_market("cho-moi", name="Chợ Mới", census_size=40)
    export = exports.export_rollup(session, actor=people["admin"], fmt="xlsx",
                                   headers=ROLLUP_HEADERS, total_label=TOTAL, now=EVENING)
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(export.chunks))).active
    header, *rows = [[c.value for c in row] for row in sheet.iter_rows()]
    new = dict(zip(header, next(row for row in rows if row[0] == "cho-moi")))
    assert (new["REGISTERED"], new["FIRST_PAID"], new["REFUSED"]) == (0, 0, 0)
    assert new["ADOPTION_PCT"] == 0 and new["CENSUS"] == 40


def test_the_rollup_export_keeps_the_pages_filter_and_sort(session, market, people, stalls,
                                                          make_market):
    make_market("cho-a", name="Chợ A", province="Hậu Giang", ward="Phường 2")
    make_market("cho-b", name="Chợ B", province="Cần Thơ")
    export = exports.export_rollup(session, actor=people["admin"], fmt="xlsx",
                                   headers=ROLLUP_HEADERS, total_label=TOTAL,
                                   province="Hậu Giang", sort="name",
                                   descending=True)
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(export.chunks))).active
    assert sheet.title == "tong-hop"
    assert [row[1].value for row in sheet.iter_rows(min_row=2)] == [
        "Chợ Vị Thanh", "Chợ A", "Tổng (2 chợ)"]


def census_stall(session, market, code="C-1", zone="Khu A"):
    from merchant_onboard.domain.text import natural_key
    from merchant_onboard.models import Stall
    from merchant_onboard.services.stalls import unused_public_code

    stall = Stall(market_id=market.id, stall_code=code, zone=zone, sort_key=natural_key(code),
                  shop_name=f"Gian {code}", owner_name="Chưa đăng ký",
                  public_code=unused_public_code(session))
    session.add(stall)
    session.commit()
    return stall


def test_rows_go_by_zone_first_and_show_only_the_primary_account(
        session, market, people, stalls, make_stall):
    from merchant_onboard.services.stalls import change_account

    # A-5 sorts before A-10 by code, but its zone is C: zone comes first.
    make_stall(market, people["volunteer"], stall_code="A-5", zone="Khu C",
               owner_phone="0912 000 105", account_number="0011012345105")
    change_account(session, actor=people["volunteer"], stall=stalls[2], market=market,
                   raw={"bank": "970415", "account_number": "108002345678"},
                   client_id=str(uuid.uuid4()))
    census_stall(session, market, "A-3", "Khu A")
    _export, data = stall_rows(session, people["manager"], market)
    rows = read_csv(data)
    assert [r["STALL_CODE"] for r in rows] == ["A-2", "A-3", "A-10", "B-1", "A-5"]
    # One row per stall, with its current account only; a census stall has none.
    a2, a3 = rows[0], rows[1]
    assert (a2["BANK"], a2["ACCOUNT_NUMBER"]) == ("VietinBank", "108002345678")
    assert (a3["BANK"], a3["ACCOUNT_NUMBER"], a3["HOLDER_NAME"], a3["STATUS"]) == \
        ("", "", "", "census")


def test_without_labels_the_stored_values_are_written(session, market, people, stalls):
    export = exports.export_stalls(session, actor=people["manager"], market=market, fmt="csv",
                                   headers=HEADERS, labels={}, now=EVENING)
    refused = read_csv(b"".join(export.chunks))[2]
    assert (refused["STATUS"], refused["REFUSAL_REASON"]) == ("refused", "prefers_cash")
    partial = exports.export_stalls(session, actor=people["manager"], market=market, fmt="csv",
                                    headers=HEADERS, labels={"status": {}, "refusal_reason": {}},
                                    now=EVENING)
    refused = read_csv(b"".join(partial.chunks))[2]
    assert (refused["STATUS"], refused["REFUSAL_REASON"]) == ("refused", "prefers_cash")


def test_what_a_refused_export_says(session, market, people, stalls):
    with pytest.raises(PermissionDenied) as caught:
        stall_rows(session, people["volunteer"], market)
    assert str(caught.value) == "Chỉ ban quản lý chợ mới làm được việc này."
    with pytest.raises(ValidationError) as caught:
        stall_rows(session, people["manager"], market, fmt="ods")
    assert str(caught.value) == "format: Định dạng tệp không hỗ trợ: chọn CSV hoặc XLSX."


def test_the_xlsx_columns_are_sized_for_reading(session, market, people, stalls):
    _export, data = stall_rows(session, people["manager"], market, fmt="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    widths = [sheet.column_dimensions[letter].width for letter in "ABC"]
    assert widths == [12, 16, 28]
    assert sheet.freeze_panes == "A2"


def test_the_rollup_gives_the_adoption_in_the_whole_percent_the_page_shows(
        session, make_market, make_user, make_stall, people):
    from merchant_onboard.services import onboarding as steps

    paid = make_market("cho-da-tra", name="Chợ A Đã Trả", ward="Phường 2")
    lan = make_user("mai", Role.VOLUNTEER, markets=[paid])
    first = make_stall(paid, lan, stall_code="P-1", account_number="0011012399001",
                       owner_phone="0912 999 001")
    for n in (2, 3):
        make_stall(paid, lan, stall_code=f"P-{n}", account_number=f"00110123990{n:02d}",
                   owner_phone=f"0912 999 0{n:02d}")
    for kind, data in (("poster_printed", None), ("poster_installed", None),
                       ("test_payment_verified", {"name_matches": "on", "owner_confirmed": "on"}),
                       ("first_payment_confirmed", {"amount": "45000",
                                                    "customer_payment": "on"})):
        steps.record_event(session, actor=lan, stall=first, kind=kind,
                           client_id=str(uuid.uuid4()), data=data)
    export = exports.export_rollup(session, actor=people["admin"], fmt="csv",
                                   headers=ROLLUP_HEADERS, total_label=TOTAL, province="Hậu Giang",
                                   ward="Phường 2")
    assert export.mimetype == "text/csv; charset=utf-8"
    rows = read_csv(b"".join(export.chunks))
    assert [(r["CODE"], r["ADOPTION_PCT"]) for r in rows] == [("cho-da-tra", "33"), ("", "33")]
    # Unsorted by the caller: by name, A before V.
    every = exports.export_rollup(session, actor=people["admin"], fmt="csv",
                                  headers=ROLLUP_HEADERS, total_label=TOTAL)
    assert [r["NAME"] for r in read_csv(b"".join(every.chunks))] == [
        "Chợ A Đã Trả", "Chợ Vị Thanh", "Tổng (2 chợ)"]


def test_each_step_of_a_stall_is_dated_and_a_foreign_qr_is_marked(session, market, people,
                                                                   stalls):
    from merchant_onboard.domain.vietqr import build_payload

    lan, a2 = people["volunteer"], stalls[2]
    moments = {}
    for day, (kind, data) in enumerate((
            ("poster_printed", None), ("poster_installed", None),
            ("test_payment_verified", {"name_matches": "on", "owner_confirmed": "on"}),
            ("first_payment_confirmed", {"amount": "45000", "customer_payment": "on"}),
            ("recheck", {"payload": build_payload(bank="970415", account="108002345678")})),
            start=3):
        at = datetime(2026, 3, day, 17, 5, tzinfo=timezone.utc)
        onboarding.record_event(session, actor=lan, stall=a2, kind=kind, at=at,
                                client_id=str(uuid.uuid4()), data=data)
        moments[kind] = f"2026-03-{day + 1:02d} 00:05"  # 17:05 UTC is past midnight in Vietnam
    _export, data = stall_rows(session, people["manager"], market)
    row = read_csv(data)[0]
    assert row["STALL_CODE"] == "A-2"
    assert (row["PRINTED_AT"], row["INSTALLED_AT"], row["TEST_PAID_AT"],
            row["FIRST_PAID_AT"]) == (moments["poster_printed"], moments["poster_installed"],
                                      moments["test_payment_verified"],
                                      moments["first_payment_confirmed"])
    assert (row["RECHECK_MISMATCH"], read_csv(data)[1]["RECHECK_MISMATCH"]) == ("x", "")


def test_the_rollup_export_ends_with_the_totals_the_page_gives(session, market, people,
                                                              stalls, make_market):
    """The page's last row totals the markets shown; the file had no such row, and the
    total rate and target are not sums a reader can make of the rows' (each market brings
    its own census, the target is weighted by it)."""
    make_market("cho-moi", name="Chợ Mới", census_size=40, target_pct=50)
    export = exports.export_rollup(session, actor=people["admin"], fmt="xlsx",
                                   headers=ROLLUP_HEADERS, total_label=TOTAL)
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(export.chunks))).active
    header, *rows = [[c.value for c in row] for row in sheet.iter_rows()]
    *markets, total = [dict(zip(header, row)) for row in rows]
    assert [m["CODE"] for m in markets] == ["cho-moi", "cho-vi-thanh"]
    assert (total["CODE"], total["NAME"], total["PROVINCE"]) == (None, "Tổng (2 chợ)", None)
    for column in ("CENSUS_ROWS", "DECLARED", "CENSUS", "REGISTERED", "INSTALLED",
                   "TEST_VERIFIED", "FIRST_PAID", "REFUSED", "INACTIVE"):
        assert total[column] == sum(m[column] for m in markets), column
    ours = markets[1]
    # Weighted by census: (40 × 50 + 3 × 80) / 43 = 52.1, not the rows' mean of 65.
    assert (ours["CENSUS"], ours["TARGET_PCT"], total["TARGET_PCT"]) == (3, 80, 52)
    assert total["ADOPTION_PCT"] == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_rollup_export_of_no_market_has_no_totals_row(session, market, people, fmt):
    """``?province=zzz`` exported "Tổng (0 chợ)" with a target of 0, where the page shows no
    totals row."""
    export = exports.export_rollup(session, actor=people["admin"], fmt=fmt,
                                   headers=ROLLUP_HEADERS, total_label=TOTAL, province="zzz")
    data = b"".join(export.chunks)
    if fmt == "csv":
        lines = data.decode("utf-8-sig").splitlines()
    else:
        lines = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows())
    assert len(lines) == 1, "the header alone"


def test_the_rollup_xlsx_columns_are_sized_for_reading(session, market, people, stalls):
    export = exports.export_rollup(session, actor=people["admin"], fmt="xlsx",
                                   headers=ROLLUP_HEADERS, total_label=TOTAL, now=EVENING)
    assert export.filename == "tong-hop-cac-cho-20260302.xlsx"
    assert "spreadsheetml" in export.mimetype
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(export.chunks))).active
    assert [sheet.column_dimensions[letter].width for letter in "ABCDE"] == [16, 30, 16, 20, 12]


def test_the_rollup_export_follows_the_pages_sort_by_figures(session, market, people, stalls,
                                                           make_market):
    # Chợ Xoài has no stall registered, Chợ Vị Thanh two: by name Vị Thanh comes first, by
    # the stalls registered Xoài does.
    make_market("cho-xoai", name="Chợ Xoài")
    export = exports.export_rollup(session, actor=people["admin"], fmt="csv",
                                   headers=ROLLUP_HEADERS, total_label=TOTAL, sort="registered")
    assert [r["CODE"] for r in read_csv(b"".join(export.chunks))] == [
        "cho-xoai", "cho-vi-thanh", ""]


def test_a_bank_no_longer_in_the_registry_is_exported_by_its_bin(session, market, people,
                                                                  stalls):
    from merchant_onboard.models import PaymentAccount

    # A bank that merged away leaves the registry; its accounts keep their BIN.
    account = session.exec(select(PaymentAccount).where(
        PaymentAccount.stall_id == stalls[2].id)).one()
    account.bank_bin = "970999"
    session.add(account)
    session.commit()
    _export, data = stall_rows(session, people["manager"], market)
    assert read_csv(data)[0]["BANK"] == "970999"


def test_the_registration_date_is_the_first_one_after_an_account_change(
        session, market, people):
    """Changing a stall's account sends it back to "registered" and restarts its steps, but
    the stall joined when it was first registered: a commune counting registrations per month
    from the export counted it again, in the month of the change. Each stall its own first
    registration; a stall refused from the census list was never registered."""
    from datetime import timedelta

    from merchant_onboard.models import Stall
    from merchant_onboard.services import stalls as stall_service

    lan = people["volunteer"]
    firsts = {"C-1": datetime(2026, 2, 10, 3, 0, tzinfo=timezone.utc),
              "C-2": datetime(2026, 1, 5, 3, 0, tzinfo=timezone.utc)}
    for n, (code, first) in enumerate(firsts.items()):
        stall = stall_service.register_stall(
            session, actor=lan, market=market, client_id=str(uuid.uuid4()), at=first,
            raw={"stall_code": code, "shop_name": f"Gian {code}", "owner_name": "Lê Văn Tám",
                 "owner_phone": f"0912 000 20{n}", "bank": "970436",
                 "account_number": f"001101234520{n}", "consent": True}).stall
        onboarding.record_event(session, actor=lan, stall=stall, kind="poster_printed",
                                client_id=str(uuid.uuid4()), at=first + timedelta(days=1))
        stall_service.change_account(
            session, actor=lan, stall=stall, market=market, client_id=str(uuid.uuid4()),
            at=first + timedelta(days=20),
            raw={"bank": "970436", "account_number": f"001101234530{n}"})
        assert stall.registered_at.replace(tzinfo=timezone.utc) == first + timedelta(days=20)
    census = Stall(market_id=market.id, stall_code="Z-1", sort_key="z-1", shop_name="Z",
                   owner_name="Z", public_code=stall_service.unused_public_code(session))
    session.add(census)
    session.commit()
    onboarding.record_event(session, actor=lan, stall=census, kind="refused",
                            client_id=str(uuid.uuid4()), data={"reason": "prefers_cash"})
    _export, data = stall_rows(session, people["manager"], market)
    rows = {r["STALL_CODE"]: r["REGISTERED_AT"]
            for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))}
    assert rows["C-1"].startswith("2026-02-10 10:00")
    assert rows["C-2"].startswith("2026-01-05 10:00")
    assert rows["Z-1"] == ""
