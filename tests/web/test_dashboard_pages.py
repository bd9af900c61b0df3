"""Who sees the dashboard and the roll-up, and what the pages say."""

from __future__ import annotations

import re
import uuid

import pytest

from merchant_onboard.models import Role
from merchant_onboard.services import onboarding


@pytest.fixture
def market(make_market, make_user, make_stall, session):
    market = make_market("cho-vi-thanh", name="Chợ Vị Thanh", census_size=1433, target_pct=85)
    lan = make_user("lan", markets=[market], display_name="Nguyễn Thị Lan")
    make_user("hung", role=Role.MANAGER, markets=[market])
    make_user("admin", role=Role.ADMIN)
    stall = make_stall(market, lan)
    onboarding.record_event(session, actor=lan, stall=stall, kind="refused",
                            data={"reason": "no_smartphone"}, client_id=str(uuid.uuid4()))
    return market


def test_manager_sees_figures_charts_and_volunteers(client, auth, market):
    auth.login("hung")
    page = client.get("/m/cho-vi-thanh/dashboard")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-figure="census">1.433<' in html
    assert "0 / 1.433 gian hàng" in html
    assert "Mục tiêu 85 %" in html
    assert html.count("<svg") >= 3, "funnel, trend and refusal reasons are drawn inline"
    assert "Nguyễn Thị Lan" in html
    assert "Không có điện thoại thông minh" in html


def test_a_percentage_is_written_as_the_pages_language_writes_it(client, auth, market):
    """Vietnamese writes "85 %", English "85%": every rate on the dashboard, its charts and
    the roll-up took the Vietnamese space into English pages."""
    auth.login("admin")
    english = client.get("/m/cho-vi-thanh/dashboard?lang=en").get_data(as_text=True)
    assert "Target 85%" in english and re.search(r">\d+%<", english)  # a card, the chart's axis
    assert not re.search(WRITTEN % " ", english)
    rollup = client.get("/rollup?lang=en").get_data(as_text=True)
    assert re.search(r'data-figure="adoption">(<strong[^>]*>)?\d+%<', rollup)
    assert not re.search(WRITTEN % " ", rollup)
    vietnamese = client.get("/m/cho-vi-thanh/dashboard?lang=vi").get_data(as_text=True)
    assert "Mục tiêu 85 %" in vietnamese and not re.search(WRITTEN % "", vietnamese)


#: A rate written in a page's text (not its styles' "width: 26%"), with this before its sign.
WRITTEN = r">[^<>]*\d%s%%[^<>]*<"


def test_the_median_days_round_halves_up_like_the_percentages(client, auth, market, session,
                                                               make_stall):
    """Two stalls paid 2 and 3 days after registration: the median is 2.5 days, shown "3"
    (``"%.0f"`` rounded it to even: "2")."""
    from datetime import timedelta

    from merchant_onboard.models import User
    from merchant_onboard.models.base import utcnow
    from sqlmodel import select

    lan = session.exec(select(User).where(User.username == "lan")).one()
    start = utcnow() - timedelta(days=10)
    steps = [("poster_printed", None), ("poster_installed", None),
             ("test_payment_verified", {"name_matches": "on", "owner_confirmed": "on"}),
             ("first_payment_confirmed", {"amount": "30000", "customer_payment": "on"})]
    for n, days in enumerate((2, 3)):
        stall = make_stall(market, lan, stall_code=f"M-{n}", owner_phone=f"091200000{n}",
                           account_number=f"5500990{n}")
        stall.registered_at = start
        session.commit()
        for step, (kind, data) in enumerate(steps):
            at = start + timedelta(days=days) if step == 3 else start + timedelta(hours=step + 1)
            onboarding.record_event(session, actor=lan, stall=stall, kind=kind, data=data, at=at,
                                    client_id=str(uuid.uuid4()))
    auth.login("hung")
    html = client.get("/m/cho-vi-thanh/dashboard").get_data(as_text=True)
    assert re.search(r'data-figure="median">([^<]*)<', html).group(1) == "3"


def test_the_market_page_links_managers_to_the_dashboard(client, auth, market):
    auth.login("hung")
    assert "/m/cho-vi-thanh/dashboard" in client.get("/m/cho-vi-thanh/").get_data(as_text=True)
    auth.logout()
    auth.login("lan")
    assert "/m/cho-vi-thanh/dashboard" not in client.get("/m/cho-vi-thanh/").get_data(
        as_text=True)


@pytest.mark.parametrize(("user", "status"), [("hung", 200), ("admin", 200), ("lan", 403),
                                              ("other", 404)])
def test_dashboard_access(client, auth, market, make_market, make_user, user, status):
    if user == "other":
        make_user("other", role=Role.MANAGER, markets=[make_market("cho-khac")])
    auth.login(user)
    assert client.get("/m/cho-vi-thanh/dashboard").status_code == status


def test_roll_up_for_admins_only(client, auth, market, make_market):
    make_market("cho-moi", name="Chợ Mới", province="Cần Thơ", ward="Phường An Bình")
    auth.login("admin")
    html = client.get("/rollup?province=Cần Thơ").get_data(as_text=True)
    assert 'data-market="cho-moi"' in html and 'data-market="cho-vi-thanh"' not in html
    assert "Tổng hợp" in client.get("/m/").get_data(as_text=True)
    auth.logout()
    auth.login("hung")
    assert client.get("/rollup").status_code == 403
    assert 'href="/rollup"' not in client.get("/m/cho-vi-thanh/").get_data(as_text=True)


def test_roll_up_survives_odd_query_strings(client, auth, market):
    auth.login("admin")
    assert client.get("/rollup?sort=nonsense&page=-4&desc=yes").status_code == 200
    assert client.get("/rollup?page=99").status_code == 200


def test_the_roll_up_counts_markets_in_good_english(client, auth, market, make_market):
    auth.login("admin")
    one = client.get("/rollup?province=Hậu Giang&lang=en").get_data(as_text=True)
    assert "1 market ·" in one and "Total (1 market)" in one and "1 markets" not in one
    make_market("cho-hai", name="Chợ Hai")
    two = client.get("/rollup?province=Hậu Giang").get_data(as_text=True)
    assert "2 markets ·" in two and "Total (2 markets)" in two
    vietnamese = client.get("/rollup?province=Hậu Giang&lang=vi").get_data(as_text=True)
    assert "2 chợ ·" in vietnamese and "Tổng (2 chợ)" in vietnamese


def test_a_place_no_market_has_stays_chosen_and_totals_nothing(client, auth, market):
    """``?province=zzz`` (an old bookmark) read "every province" above an empty table and a
    totals row of zeros with a "0 %" target."""
    auth.login("admin")
    html = client.get("/rollup?province=zzz").get_data(as_text=True)
    chosen = re.findall(r'<option value="([^"]*)" selected>([^<]*)<', html)
    assert chosen == [("zzz", "zzz (không có chợ nào)")]
    assert "Không có chợ phù hợp." in html and 'id="rollup-totals"' not in html
    ward = client.get("/rollup?province=hậu giang&ward=Phường 99").get_data(as_text=True)
    assert re.findall(r'<option value="([^"]*)" selected>', ward) == ["Hậu Giang",
                                                                       "Phường 99"]
    # A place spelled another way is the same place, chosen as the list spells it.
    same = client.get("/rollup?province=HẬU GIANG").get_data(as_text=True)
    assert re.findall(r'<option value="([^"]*)" selected>', same) == ["Hậu Giang"]
    assert 'id="rollup-totals"' in same


def test_the_funnels_first_bar_is_named_as_the_denominator_card_not_the_list(client, auth,
                                                                             market):
    """Declared 1,433, one stall listed: the legend reads "Danh sách 1", so a funnel bar of
    1,433 named "Danh sách" gave the list two sizes on one page."""
    auth.login("hung")
    html = client.get("/m/cho-vi-thanh/dashboard").get_data(as_text=True)
    assert "Danh sách 1 · khai báo 1.433" in html
    funnel = re.search(r'<svg[^>]*aria-label="Phễu chuyển đổi".*?</svg>', html).group(0)
    label, count = re.findall(r"<text[^>]*>([^<]*)</text>", funnel)[:2]
    assert (label, count) == ("Tổng số gian hàng", "1.433 · 100 %")


def test_the_roll_up_says_its_total_rate_is_of_the_sums_not_a_mean_of_rates(
        client, auth, session, make_market, make_user, make_stall):
    """One market 1 of 1 (100 %), one 0 of 9: the total is 10 %, where a mean of the rates
    is 50 %. A commune copies one of the two upward: the page must say which it shows."""
    full = make_market("cho-du", census_size=1, target_pct=90)
    bare = make_market("cho-trong", census_size=9, target_pct=50)
    lan = make_user("lan", markets=[full, bare])
    make_user("admin", role=Role.ADMIN)
    paid = make_stall(full, lan)
    for kind, data in [("poster_printed", None), ("poster_installed", None),
                       ("test_payment_verified", {"name_matches": "on", "owner_confirmed": "on"}),
                       ("first_payment_confirmed", {"amount": "20000", "customer_payment": "on"})]:
        onboarding.record_event(session, actor=lan, stall=paid, kind=kind, data=data,
                                client_id=str(uuid.uuid4()))
    auth.login("admin")
    html = client.get("/rollup").get_data(as_text=True)
    totals = re.search(r'<tr id="rollup-totals">(.*?)</tr>', html, flags=re.S).group(1)
    assert re.search(r'data-figure="adoption">10 %<', totals)
    assert re.search(r'data-figure="target_pct">54 %<', totals)
    assert ("tổng số gian hàng có khách thanh toán ÷ tổng số gian hàng của các chợ "
            "(không phải trung bình tỷ lệ của từng chợ)") in html
    assert "trung bình mục tiêu các chợ, theo số gian hàng của từng chợ" in html


def test_an_empty_market_is_not_said_to_be_zero_stalls_short_of_its_target(
        client, auth, make_market, make_user):
    """No stall listed or declared: there is no rate, so neither "đã đạt" nor "còn thiếu 0
    gian hàng" (which reads as a target all but reached)."""
    make_market("cho-trong", census_size=0, target_pct=80)
    make_user("admin", role=Role.ADMIN)
    auth.login("admin")
    html = client.get("/m/cho-trong/dashboard").get_data(as_text=True)
    assert re.search(r'data-figure="adoption">–<', html)
    assert "Mục tiêu 80 %" in html
    assert "còn thiếu" not in html and "đã đạt" not in html


def test_a_rate_short_of_its_target_never_reads_as_the_target(client, auth, session, make_market,
                                                               make_user, make_stall):
    """Two customers of three stalls is 66.7 %: rounded, "67 %", beside "Mục tiêu 67 % · còn
    thiếu 1 gian hàng", a target read as reached on every surface a commune copies from. As
    "100 %" waits for every stall, a target waits to be reached: 66 % until then."""
    import csv
    import io

    market = make_market("cho-tan-an", name="Chợ Tân An", census_size=3, target_pct=67)
    lan = make_user("lan", markets=[market])
    make_user("root", role=Role.ADMIN)
    steps = [("poster_printed", None), ("poster_installed", None),
             ("test_payment_verified", {"name_matches": "on", "owner_confirmed": "on"}),
             ("first_payment_confirmed", {"amount": "30000", "customer_payment": "on"})]
    for n in range(2):
        stall = make_stall(market, lan, stall_code=f"A-{n}", owner_phone=f"091200000{n}",
                           account_number=f"001101234567{n}")
        for kind, data in steps:
            onboarding.record_event(session, actor=lan, stall=stall, kind=kind, data=data,
                                    client_id=str(uuid.uuid4()))
    auth.login("root")
    dashboard = client.get("/m/cho-tan-an/dashboard").get_data(as_text=True)
    assert re.search(r'data-figure="adoption">([^<]*)<', dashboard).group(1) == "66 %"
    assert "còn thiếu 1 gian hàng" in dashboard
    rollup = client.get("/rollup").get_data(as_text=True)
    assert re.findall(r'data-figure="adoption">(?:<strong[^>]*>)?([^<]*)<', rollup) == \
        ["66 %", "66 %"]
    export = client.get("/rollup.csv").get_data(as_text=True)
    row = next(r for r in csv.DictReader(io.StringIO(export.lstrip("\ufeff")))
               if "cho-tan-an" in r.values())
    assert row["Tỷ lệ (%)"] == "66"
    trend = re.search(r'<svg[^>]*aria-label="Tỷ lệ có khách thanh toán theo tuần".*?</svg>',
                      dashboard, re.S).group(0)
    assert ">66 %<" in trend and ">67 %<" not in trend.split("Mục tiêu")[-1]
