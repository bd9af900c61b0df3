"""Spreadsheet exports: Excel opens them, they match the dashboard, masking and audit hold."""

from __future__ import annotations

import csv
import io
import uuid
from collections import Counter
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from merchant_onboard.models import AuditEntry, Role
from merchant_onboard.services import onboarding
from merchant_onboard.services.stats import market_stats
from merchant_onboard.web.labels import STATUS_LABELS


@pytest.fixture
def market(make_market, make_user, make_stall, session):
    market = make_market("cho-vi-thanh", name="Chợ Vị Thanh", census_size=10)
    lan = make_user("lan", markets=[market])
    make_user("hung", role=Role.MANAGER, markets=[market])
    make_user("admin", role=Role.ADMIN)
    make_stall(market, lan, stall_code="A-2", account_number="0011012345678")
    paid = make_stall(market, lan, stall_code="A-10", shop_name="=HYPERLINK(\"http://x\")",
                      owner_phone="0987654321", account_number="0099887766")
    for kind, data in [("poster_printed", None), ("poster_installed", None),
                       ("test_payment_verified", {"name_matches": "on", "owner_confirmed": "on"}),
                       ("first_payment_confirmed", {"amount": "30000", "customer_payment": "on"})]:
        onboarding.record_event(session, actor=lan, stall=paid, kind=kind, data=data,
                                client_id=str(uuid.uuid4()))
    refused = make_stall(market, lan, stall_code="B-1", account_number="005500")
    onboarding.record_event(session, actor=lan, stall=refused, kind="refused",
                            data={"reason": "prefers_cash"}, client_id=str(uuid.uuid4()))
    return market


def read_csv(response) -> list[dict[str, str]]:
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode()), "Excel needs the BOM to read UTF-8"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def read_xlsx(response) -> list[dict]:
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_csv_matches_the_dashboard_and_shows_members_full_numbers(client, auth, session,
                                                                  market):
    auth.login("hung")
    response = client.get("/m/cho-vi-thanh/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=\"cho-vi-thanh")
    # One charset: werkzeug adds its own to a text/ mimetype, which already named one.
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = read_csv(response)
    assert [r["Mã gian hàng"] for r in rows] == ["A-2", "A-10", "B-1"]
    figures = market_stats(session, market)
    labels = {str(v): k for k, v in STATUS_LABELS.items()}
    assert Counter(labels[r["Trạng thái"]] for r in rows) == Counter(figures.counts)
    paid = rows[1]
    assert paid["Số tài khoản"] == "0099887766" and paid["Số điện thoại"] == "0987654321"
    assert paid["Ngân hàng"] == "Vietcombank"
    assert paid["Ngày có khách thanh toán"][:2] == "20"
    assert paid["Tên gian hàng"].startswith("'="), "a formula is written as text"
    assert rows[2]["Lý do từ chối"] == "Thích dùng tiền mặt"


def test_xlsx_has_the_same_rows_as_the_csv(client, auth, market):
    auth.login("hung")
    as_csv = read_csv(client.get("/m/cho-vi-thanh/export.csv"))
    response = client.get("/m/cho-vi-thanh/export.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    as_xlsx = read_xlsx(response)
    assert [r["Mã gian hàng"] for r in as_xlsx] == [r["Mã gian hàng"] for r in as_csv]
    assert [r["Trạng thái"] for r in as_xlsx] == [r["Trạng thái"] for r in as_csv]
    assert isinstance(as_xlsx[1]["Ngày đăng ký"], datetime)
    assert as_xlsx[1]["Số điện thoại"] == "0987654321", "phones stay text, leading 0 kept"
    assert as_xlsx[1]["Tên gian hàng"] == "=HYPERLINK(\"http://x\")"


def test_admins_get_masked_numbers(client, auth, market):
    auth.login("admin")
    rows = read_csv(client.get("/m/cho-vi-thanh/export.csv"))
    assert rows[1]["Số tài khoản"] == "•••• 7766"
    assert rows[1]["Số điện thoại"] == "•••• 321"
    assert read_xlsx(client.get("/m/cho-vi-thanh/export.xlsx"))[1]["Số tài khoản"] == "•••• 7766"


def test_each_export_is_audited(client, auth, session, market, make_user):
    auth.login("admin")
    client.get("/m/cho-vi-thanh/export.xlsx")
    client.get("/rollup.csv?province=Hậu Giang")
    entries = session.exec(select(AuditEntry).where(AuditEntry.action.like("export.%"))
                           .order_by(AuditEntry.id)).all()
    admin_id = entries[0].actor_id
    assert [(e.action, e.target, e.data["format"]) for e in entries] == [
        ("export.stalls", "cho-vi-thanh", "xlsx"), ("export.rollup", "Hậu Giang", "csv")]
    assert entries[0].data["masked"] is True and entries[0].market_id == market.id
    assert all(e.actor_id == admin_id and e.created_at for e in entries)


def test_rollup_export_matches_the_roll_up_page(client, auth, market, make_market):
    make_market("cho-moi", name="Chợ Mới", province="Cần Thơ")
    auth.login("admin")
    rows = read_csv(client.get("/rollup.csv?sort=adoption&desc=1"))
    assert [r["Mã chợ"] for r in rows] == ["cho-vi-thanh", "cho-moi", ""]
    assert (rows[0]["Tổng số gian hàng"], rows[0]["Có khách thanh toán"]) == ("10", "1")
    assert rows[0]["Tỷ lệ (%)"] == "10", "the whole percent the page shows"
    # Last, the totals, named as on the page.
    assert (rows[2]["Tên chợ"], rows[2]["Tổng số gian hàng"]) == ("Tổng (2 chợ)", "10")
    only = read_xlsx(client.get("/rollup.xlsx?province=Cần Thơ"))
    assert [(r["Mã chợ"], r["Tên chợ"]) for r in only] == [("cho-moi", "Chợ Mới"),
                                                         (None, "Tổng (1 chợ)")]
    client.get("/lang/en")
    english = read_csv(client.get("/rollup.csv"))
    assert english[-1]["Market name"] == "Total (2 markets)"


@pytest.mark.parametrize(("user", "url", "status"), [
    ("lan", "/m/cho-vi-thanh/export.csv", 403),
    ("hung", "/rollup.csv", 403),
    ("other", "/m/cho-vi-thanh/export.xlsx", 404),
    ("hung", "/m/cho-vi-thanh/export.pdf", 404),
])
def test_who_may_export(client, auth, market, make_market, make_user, user, url, status):
    if user == "other":
        make_user("other", role=Role.MANAGER, markets=[make_market("cho-khac")])
    auth.login(user)
    assert client.get(url).status_code == status
