"""The same market at the same moment reads the same on every surface: the dashboard page, the
stats API, the stall export, the roll-up page and the roll-up export (CSV and XLSX).

One world with a stall at every status, a stall sent back to registered by a new account, census
rows nobody registered yet, a market that declared fewer stalls than it registered, one that
declared none and an empty one; then one test per pair of surfaces. A manager reporting upward
copies whichever surface is open: a figure that differs between two of them is a defect.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections import Counter
from fractions import Fraction

import pytest
from openpyxl import load_workbook

from merchant_onboard.db import get_engine
from merchant_onboard.domain.census import parse_census
from merchant_onboard.models import Role
from merchant_onboard.services import census, onboarding, stalls
from merchant_onboard.web.labels import STATUS_LABELS
from tests.conftest import built_once

HEADLINE = ("census", "registered", "installed", "test_verified", "first_paid", "refused",
            "inactive")
STEPS = [("poster_printed", None), ("poster_installed", None),
         ("test_payment_verified", {"name_matches": "on", "owner_confirmed": "on"}),
         ("first_payment_confirmed", {"amount": "30000", "customer_payment": "on"})]
#: Roll-up export headers → the headline figure each column holds.
ROLLUP_EXPORT = {"Tổng số gian hàng": "census", "Đăng ký trở lên": "registered",
                 "Dán poster trở lên": "installed", "Thanh toán thử trở lên": "test_verified",
                 "Có khách thanh toán": "first_paid", "Từ chối": "refused",
                 "Ngừng kinh doanh": "inactive", "Tỷ lệ (%)": "adoption",
                 "Mục tiêu (%)": "target_pct"}


def shown_percent(part: int, whole: int, target: int) -> str | None:
    """What a person should read for ``part / whole``: a whole percent rounded half up, but
    never 100 before every stall is there, nor 0 once one is, nor the ``target`` before it is
    reached (worked out here with exact fractions, independently of the code under test)."""
    if not whole:
        return None
    exact = Fraction(100 * part, whole)
    value = int(exact + Fraction(1, 2))
    if exact < target:
        value = min(value, target - 1)
    if part < whole:
        value = min(value, 99)
    if part > 0:
        value = max(value, 1)
    return str(value)


def _advance(session, actor, stall, steps):
    for kind, data in steps:
        onboarding.record_event(session, actor=actor, stall=stall, kind=kind, data=data,
                                client_id=str(uuid.uuid4()))


@pytest.fixture
def world(app, session, make_market, make_user, make_stall):
    """Four markets; returns their codes. Built once per test process and backend (the tests
    only read it): ``built_once``."""
    return built_once(get_engine(app), "figures-agree-world",
                      lambda: _build_world(session, make_market, make_user, make_stall))


def _build_world(session, make_market, make_user, make_stall):
    du = make_market("cho-du", name="Chợ Đủ", census_size=20, target_pct=29)
    nho = make_market("cho-nho", name="Chợ Nhỏ", census_size=2, target_pct=60)
    khong = make_market("cho-khong", name="Chợ Không Khai", census_size=0, target_pct=50)
    make_market("cho-trong", name="Chợ Trống", census_size=0, target_pct=80)
    lan = make_user("lan", markets=[du, nho, khong])
    make_user("admin", role=Role.ADMIN)
    numbers = iter(range(100, 1000))

    def stall(market, code, zone="Khu A", steps=()):
        made = make_stall(market, lan, stall_code=code, zone=zone,
                          account_number=f"0011{next(numbers)}")
        _advance(session, lan, made, steps)
        return made

    # Chợ Đủ: census rows, one stall at every status, declared 20 > 12 rows.
    hung = make_user("hung", role=Role.MANAGER, markets=[du])
    census.apply_census(session, actor=hung, market=du, rows=parse_census(
        "Mã gian hàng,Khu\nC-1,Khu A\nC-2,khu a\n".encode()).rows)
    stall(du, "R-1")
    stall(du, "P-1", steps=STEPS[:1])
    stall(du, "I-1", zone="KHU A", steps=STEPS[:2])
    stall(du, "T-1", steps=STEPS[:3])
    for code in ("F-1", "F-2", "F-3"):
        stall(du, code, zone="Khu B", steps=STEPS)
    refused = stall(du, "X-1", steps=STEPS[:2])
    _advance(session, lan, refused, [("refused", {"reason": "prefers_cash"})])
    closed = stall(du, "N-1", steps=STEPS)
    _advance(session, lan, closed, [("inactive", None)])
    changed = stall(du, "K-1", steps=STEPS)
    stalls.change_account(session, actor=lan, stall=changed, market=du,
                          raw={"bank": "970415", "account_number": "108002345678"},
                          client_id=str(uuid.uuid4()))
    # Chợ Nhỏ: declared 2, registered 3, two paid: 2 / 3.
    for code in ("A-1", "A-2"):
        stall(nho, code, steps=STEPS)
    stall(nho, "A-3", steps=STEPS[:2])
    # Chợ Không Khai: nothing declared, the rows are the census: 1 / 2.
    stall(khong, "B-1", steps=STEPS)
    stall(khong, "B-2")
    return ["cho-du", "cho-nho", "cho-khong", "cho-trong"]


@pytest.fixture
def admin(client, auth, world):
    auth.login("admin")
    return client


def _percent_text(text: str) -> str | None:
    text = text.strip()
    return None if text in ("–", "") else text.removesuffix("%").strip()


def _number(text: str) -> int:
    return int(text.strip().replace(".", ""))


def dashboard(client, code: str) -> dict:
    html = client.get(f"/m/{code}/dashboard").get_data(as_text=True)
    figures = {name: _number(value) for name, value in
               re.findall(r'data-figure="(\w+)">([\d.]+)<', html) if name in HEADLINE}
    figures["adoption"] = _percent_text(
        re.search(r'data-figure="adoption">([^<]*)<', html).group(1))
    figures["counts"] = {status: _number(n) for status, n in
                         re.findall(r'data-status="(\w+)">([\d.]+)<', html) if _number(n)}
    figures["target_pct"] = int(re.search(r"Mục tiêu (\d+) %", html).group(1))
    funnel = re.search(r'<svg[^>]*aria-label="Phễu chuyển đổi".*?</svg>', html, re.S).group(0)
    figures["funnel"] = [_number(n) for n in re.findall(r">([\d.]+) · [^<]*</text>", funnel)]
    return figures


def api(client, code: str) -> dict:
    body = client.get(f"/api/v1/markets/{code}/stats", headers=client.token).get_json()
    figures = {name: body["headline"][name] for name in HEADLINE}
    rate = body["adoption_rate"]
    assert rate == (body["headline"]["first_paid"] / body["census_size"]
                    if body["census_size"] else None)
    figures["target_pct"] = body["target_pct"]
    figures["adoption"] = shown_percent(figures["first_paid"], figures["census"],
                                        figures["target_pct"])
    figures["counts"] = body["counts"]
    figures["funnel"] = [stage["count"] for stage in body["funnel"]]
    return figures


def rollup_page(client) -> dict[str, dict]:
    html = client.get("/rollup").get_data(as_text=True)
    rows = re.findall(r'<tr data-market="([\w-]+)">(.*?)</tr>', html, flags=re.S)
    rows.append(("*", re.search(r'<tr id="rollup-totals">(.*?)</tr>', html,
                                flags=re.S).group(1)))
    out = {}
    for code, row in rows:
        cells = dict(re.findall(r'data-figure="(\w+)">(.*?)</td>', row, flags=re.S))
        figures = {name: _number(cells[name]) for name in HEADLINE if name in cells}
        figures["adoption"] = _percent_text(re.sub(r"<[^>]+>", "", cells["adoption"]))
        figures["target_pct"] = _number(cells["target_pct"].removesuffix("%"))
        out[code] = figures
    return out


def _read(response, fmt: str) -> list[dict]:
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def rollup_export(client, fmt: str) -> dict[str, dict]:
    out = {}
    for row in _read(client.get(f"/rollup.{fmt}"), fmt):
        figures = {}
        for header, name in ROLLUP_EXPORT.items():
            value = row[header]
            figures[name] = (None if value in ("", None) else str(value)) \
                if name == "adoption" else int(value)
        # The totals row has no code: "*", as rollup_page keys the page's.
        out[row["Mã chợ"] or "*"] = figures
    return out


def stall_export(client, code: str, fmt: str) -> list[dict]:
    return _read(client.get(f"/m/{code}/export.{fmt}"), fmt)


def _common(a: dict, b: dict) -> tuple[dict, dict]:
    keys = set(a) & set(b)
    return {k: a[k] for k in keys}, {k: b[k] for k in keys}


@pytest.fixture
def with_token(admin, api_token):
    admin.token = api_token("admin")
    return admin


def test_the_world_has_every_edge(with_token, world):
    """The fixture is what the other tests claim it is (else they could pass on nothing)."""
    du = api(with_token, "cho-du")
    assert set(du["counts"]) == set(STATUS_LABELS)
    assert (du["census"], du["first_paid"], du["adoption"]) == (20, 3, "15")
    nho = api(with_token, "cho-nho")
    assert (nho["census"], nho["first_paid"]) == (3, 2)
    assert api(with_token, "cho-khong")["census"] == 2
    assert api(with_token, "cho-trong")["adoption"] is None


def test_dashboard_page_and_api_agree(with_token, world):
    for code in world:
        page, body = dashboard(with_token, code), api(with_token, code)
        assert len(page["funnel"]) == 6, "census and five milestones"
        assert page == body, code


def test_dashboard_page_and_stall_export_count_the_same_stalls(admin, world):
    by_label = {str(label): status for status, label in STATUS_LABELS.items()}
    for code in world:
        page = dashboard(admin, code)
        rows = stall_export(admin, code, "csv")
        assert dict(Counter(by_label[r["Trạng thái"]] for r in rows)) == page["counts"], code


def test_api_and_stall_export_count_the_same_stalls(with_token, world):
    by_label = {str(label): status for status, label in STATUS_LABELS.items()}
    for code in world:
        rows = stall_export(with_token, code, "xlsx")
        body = api(with_token, code)
        assert dict(Counter(by_label[r["Trạng thái"]] for r in rows)) == body["counts"], code
        assert len(rows) == sum(body["counts"].values()) <= body["census"], code


def test_stall_export_csv_and_xlsx_agree(admin, world):
    for code in world:
        as_csv, as_xlsx = stall_export(admin, code, "csv"), stall_export(admin, code, "xlsx")
        assert [(r["Mã gian hàng"], r["Trạng thái"]) for r in as_csv] == \
            [(r["Mã gian hàng"], r["Trạng thái"]) for r in as_xlsx], code
        for column in ("Ngày đăng ký", "Ngày có khách thanh toán"):
            assert [r[column] for r in as_csv] == [
                v.strftime("%Y-%m-%d %H:%M") if v else "" for v in
                (r[column] for r in as_xlsx)], (code, column)


def test_dashboard_page_and_rollup_page_agree(admin, world):
    rows = rollup_page(admin)
    for code in world:
        page, row = _common(dashboard(admin, code), rows[code])
        assert page == row, code


def test_rollup_page_and_rollup_export_agree(admin, world):
    page = rollup_page(admin)
    for fmt in ("csv", "xlsx"):
        exported = rollup_export(admin, fmt)
        assert set(exported) == {*world, "*"}, fmt
        for code in [*world, "*"]:
            on_page, in_file = _common(page[code], exported[code])
            assert on_page == in_file, (fmt, code)


def test_api_and_rollup_export_agree(with_token, world):
    exported = rollup_export(with_token, "xlsx")
    for code in world:
        body, row = _common(api(with_token, code), exported[code])
        assert body == row, code


def test_rollup_totals_are_the_rate_of_the_sums_of_the_api(with_token, world):
    bodies = [api(with_token, code) for code in world]
    totals = rollup_page(with_token)["*"]
    sums = {name: sum(b[name] for b in bodies) for name in HEADLINE if name in totals}
    assert {name: totals[name] for name in sums} == sums
    assert totals["adoption"] == shown_percent(sums["first_paid"], sums["census"],
                                               totals["target_pct"])


def _labelled_numbers(html: str) -> set[tuple[str, int]]:
    """(label, number) pairs a reader sees on the dashboard: cards, funnel bars, status rows."""
    pairs = {(label.strip(), _number(n)) for label, n in re.findall(
        r'<span class="kpi-label">([^<]*)</span><strong[^>]*>([\d.]+)<', html)}
    funnel = re.search(r'<svg[^>]*aria-label="Phễu chuyển đổi".*?</svg>', html, re.S).group(0)
    label = ""
    for text in re.findall(r"<text[^>]*>([^<]*)</text>", funnel):
        if re.fullmatch(r"[\d.]+ · .*", text):
            pairs.add((label, _number(text.split(" · ")[0])))
        elif "từ bước trước" not in text:
            label = text
    pairs |= {(label, _number(n)) for label, n in re.findall(
        r'status=\w+">([^<]*)</a></th>\s*<td class="num" data-status="\w+">([\d.]+)<', html)}
    return pairs


def test_one_label_names_one_number_on_the_dashboard_and_in_the_exports(admin, world):
    """Cards and funnel count the stalls at a step *or past it* (Chợ Đủ: 8 registered), the
    status table and the stall export the stalls *at* it (2): under the same words "Đã đăng
    ký" a manager copied whichever was open."""
    html = admin.get("/m/cho-du/dashboard").get_data(as_text=True)
    pairs = _labelled_numbers(html)
    labels = {label for label, _ in pairs}
    assert {str(label) for label in STATUS_LABELS.values()} < labels, "status table read"
    assert len(labels) >= 8 + 5, "cards and funnel read too"
    numbers: dict[str, set[int]] = {}
    for label, n in pairs:
        numbers.setdefault(label, set()).add(n)
    assert {label: ns for label, ns in numbers.items() if len(ns) > 1} == {}
    statuses = {str(label) for label in STATUS_LABELS.values()}
    reached = {header for header, name in ROLLUP_EXPORT.items()
               if name in ("registered", "installed", "test_verified")}
    headers = set(_read(admin.get("/rollup.csv"), "csv")[0])
    assert reached <= headers and not reached & statuses


def test_the_volunteer_table_says_it_counts_records_not_stalls(admin, world):
    """Chợ Đủ's K-1 was paid, then its account changed and it went back to registered; N-1
    was paid, then closed: Lan recorded five first payments where the card counts three
    stalls paid. The table keeps what each person recorded (on purpose: tests/services/
    test_stats.py), and must say so, or its column is reported as stalls."""
    html = admin.get("/m/cho-du/dashboard").get_data(as_text=True)
    table = re.search(r'<table class="data" id="volunteers">.*?</table>', html, re.S).group(0)
    payments = sum(_number(row[2]) for row in re.findall(
        r'<td class="num">([\d.]+)</td>\s*<td class="num">([\d.]+)</td>\s*'
        r'<td class="num">([\d.]+)</td>', table))
    assert (payments, dashboard(admin, "cho-du")["first_paid"]) == (5, 3)
    section = re.search(r'<section[^>]*aria-labelledby="vol-title".*?</section>', html,
                        re.S).group(0)
    assert "Số lần mỗi người ghi nhận, không phải số gian hàng" in section


def test_a_payment_late_on_a_utc_sunday_is_monday_in_the_export_and_the_weekly_trend(
        session, make_market, make_user, client, auth, api_token):
    """20:00 UTC on a Sunday is 03:00 on Monday in Vietnam: the export's date and the
    trend's week (the API's, which the page draws) both say Monday."""
    from datetime import UTC, datetime, timedelta

    from merchant_onboard.services.stalls import register_stall
    from tests.factories import stall_fields

    market = make_market("cho-gio", census_size=4)
    lan = make_user("lan", markets=[market])
    make_user("admin", role=Role.ADMIN)
    today = datetime.now(UTC)
    sunday = (today - timedelta(days=today.weekday() + 8)).replace(
        hour=20, minute=0, second=0, microsecond=0)
    assert sunday.weekday() == 6
    stall = register_stall(session, actor=lan, market=market, raw=stall_fields(),
                           client_id=str(uuid.uuid4()), confirm_phone=True,
                           at=sunday - timedelta(days=5)).stall
    for n, (kind, data) in enumerate(STEPS):
        onboarding.record_event(session, actor=lan, stall=stall, kind=kind, data=data,
                                client_id=str(uuid.uuid4()),
                                at=sunday - timedelta(days=3 - n) if n < 3 else sunday)
    auth.login("admin")
    row = stall_export(client, "cho-gio", "csv")[0]
    monday = (sunday + timedelta(hours=7)).date()
    assert row["Ngày có khách thanh toán"] == f"{monday:%Y-%m-%d} 03:00"
    weekly = client.get("/api/v1/markets/cho-gio/stats",
                        headers=api_token("admin")).get_json()["weekly"]
    assert {p["week"]: p["cumulative"] for p in weekly}[monday.isoformat()] == 1
    assert {p["week"]: p["cumulative"] for p in weekly}[
        (monday - timedelta(days=7)).isoformat()] == 0
