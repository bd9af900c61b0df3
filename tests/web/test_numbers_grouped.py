"""Numbers of 1,000 and more read as the page's language writes them: "1.433" in Vietnamese,
"1,433" in English, on every page a manager copies a figure from or a volunteer counts on.

A manager preparing a commune report reads the dashboard, the roll-up and the stall list side
by side: "1400 gian hàng" beside "1.400", or "1.433" on an English page (where the dot is a
decimal point: one and a half stalls), is a figure copied wrongly. The API is not concerned:
its JSON holds plain numbers.
"""

from __future__ import annotations

import io
import re
import uuid

import pytest

from merchant_onboard.models import Role
from merchant_onboard.services import onboarding

#: How each language groups 1,433.
GROUPED = {"vi": "1.433", "en": "1,433"}


@pytest.fixture
def market(make_market, make_user, make_stall, session):
    """Declared 1,433 stalls, one of them registered then refused."""
    market = make_market("cho-vi-thanh", name="Chợ Vị Thanh", census_size=1433, target_pct=85)
    lan = make_user("lan", markets=[market])
    make_user("hung", role=Role.MANAGER, markets=[market])
    make_user("admin", role=Role.ADMIN)
    stall = make_stall(market, lan)
    onboarding.record_event(session, actor=lan, stall=stall, kind="refused",
                            data={"reason": "no_smartphone"}, client_id=str(uuid.uuid4()))
    return market


#: A rate as each language writes it (web.i18n.percent).
PERCENT_100 = {"vi": "100 %", "en": "100%"}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_dashboard_groups_thousands_as_its_language_does(client, auth, market, lang):
    auth.login("hung")
    html = client.get(f"/m/cho-vi-thanh/dashboard?lang={lang}").get_data(as_text=True)
    n = GROUPED[lang]
    assert f'data-figure="census">{n}<' in html
    assert f"0 / {n} " in html, "the adoption card's x / y"
    funnel = re.search(r'<svg class="chart".*?</svg>', html, re.S).group(0)
    assert f">{n} · {PERCENT_100[lang]}<" in funnel, "the funnel's first bar"
    other = GROUPED["en" if lang == "vi" else "vi"]
    assert other not in html


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_roll_up_groups_thousands_as_its_language_does(client, auth, market, lang):
    auth.login("admin")
    html = client.get(f"/rollup?lang={lang}").get_data(as_text=True)
    n = GROUPED[lang]
    assert f'data-figure="census">{n}<' in html
    totals = re.search(r'<tr id="rollup-totals">.*?</tr>', html, re.S).group(0)
    assert f'data-figure="census">{n}<' in totals
    assert GROUPED["en" if lang == "vi" else "vi"] not in html


def _census_upload(client, code: str, rows: int):
    lines = ["Mã gian hàng,Khu,Tên gian hàng"] + [f"B-{n},Khu B,Quầy {n}"
                                                  for n in range(1, rows + 1)]
    return client.post(f"/m/{code}/census",
                       data={"file": (io.BytesIO("\n".join(lines).encode()), "danh-sach.csv")},
                       content_type="multipart/form-data")


def test_the_census_import_and_the_stall_list_group_their_counts(client, auth, market):
    """1,200 rows imported: the preview, the confirmation and the list the volunteers open
    next count them as the dashboard does ("1200 gian hàng" beside its "1.201")."""
    auth.login("hung")
    preview = _census_upload(client, "cho-vi-thanh", 1200).get_data(as_text=True)
    assert 'data-count="add">Thêm mới 1.200<' in preview
    assert "Xác nhận: thêm 1.200, cập nhật 0" in preview
    token = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    done = client.post("/m/cho-vi-thanh/census/confirm", data={"token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "Đã nhập danh sách: thêm 1.200, cập nhật 0 gian hàng." in done
    listed = client.get("/m/cho-vi-thanh/").get_data(as_text=True)
    assert re.search(r'<p class="muted count">([^<]*)</p>', listed).group(1) == "1.201 gian hàng"
    english = client.get("/m/cho-vi-thanh/?lang=en").get_data(as_text=True)
    assert re.search(r'<p class="muted count">([^<]*)</p>', english).group(1) == "1,201 stalls"
    client.get("/m/cho-vi-thanh/?lang=vi")
    zone = client.get("/m/cho-vi-thanh/?zone=Khu B").get_data(as_text=True)
    assert re.search(r'<p class="muted count">([^<]*)</p>', zone).group(1) == "1.200 gian hàng"


def test_the_poster_batch_counts_as_the_dashboard_does(client, auth, session, make_user):
    """A big market's batch: "1261 poster" before, and the same in the message after
    recording it."""
    from sqlmodel import select

    from merchant_onboard.models import Market
    from merchant_onboard.services import scale

    scale.seed_scale(session, markets=1, stalls_per_market=1500, password_hash="not-a-login")
    market = session.exec(select(Market)).one()
    make_user("hung", role=Role.MANAGER, markets=[market])
    auth.login("hung")
    page = client.get(f"/m/{market.code}/posters?status=").get_data(as_text=True)
    count = re.search(r"<strong>([\d.,]+) poster</strong>", page).group(1)
    assert re.fullmatch(r"1\.\d{3}", count), count
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    form.pop("csrf_token", None)
    done = client.post(f"/m/{market.code}/posters/printed", data=form,
                       follow_redirects=True).get_data(as_text=True)
    assert f"Đã ghi nhận in poster cho {count} gian hàng." in done


@pytest.mark.parametrize(("lang", "amount"), [("vi", "30.000 ₫"), ("en", "30,000 ₫")])
def test_a_payments_amount_is_grouped_as_the_page_language_does(client, auth, session, market,
                                                                make_stall, lang, amount):
    from sqlmodel import select

    from merchant_onboard.models import User

    lan = session.exec(select(User).where(User.username == "lan")).one()
    stall = make_stall(market, lan, stall_code="A-9", owner_phone="0912000009",
                       account_number="5500999")
    for kind, data in [("poster_printed", None), ("poster_installed", None),
                       ("test_payment_verified", {"name_matches": "on", "owner_confirmed": "on",
                                                  "amount": "2000"}),
                       ("first_payment_confirmed", {"amount": "30000", "customer_payment": "on"})]:
        onboarding.record_event(session, actor=lan, stall=stall, kind=kind, data=data,
                                client_id=str(uuid.uuid4()))
    auth.login("lan")
    html = client.get(f"/stalls/{stall.id}?lang={lang}").get_data(as_text=True)
    assert f"<span>{amount}</span>" in html


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_trends_weeks_are_dated_as_the_pages_own_dates(client, auth, market, lang):
    """The weeks were "dd/mm" on English pages too, whose dates read month first ("updated
    12/7/26"): "05/10" is 5 October to a Vietnamese reader and May 10 to an English one."""
    from datetime import datetime

    from merchant_onboard.domain.figures import VIETNAM, week_start

    monday = week_start(datetime.now(VIETNAM).date())
    auth.login("hung")
    html = client.get(f"/m/cho-vi-thanh/dashboard?lang={lang}").get_data(as_text=True)
    trend = re.findall(r'<svg class="chart".*?</svg>', html, re.S)[1]
    labels = re.findall(r'<text[^>]*font-size="11">(\d+/\d+)</text>', trend)
    expected = {"vi": f"{monday.day}/{monday.month}", "en": f"{monday.month}/{monday.day}"}
    assert labels == [expected[lang]]


@pytest.mark.parametrize(("lang", "added", "declared"), [
    ("vi", "1.200", "1.433 → 1.500"), ("en", "1,200", "1,433 → 1,500")])
def test_the_audit_log_groups_the_counts_it_names(client, auth, market, lang, added, declared):
    """An administrator reads what a census import added and what a declared size became:
    "1200" and "1433 → 1500" under pages that write "1.200" and "1.433"."""
    auth.login("hung")
    preview = _census_upload(client, "cho-vi-thanh", 1200).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    client.post("/m/cho-vi-thanh/census/confirm", data={"token": token})
    assert client.post("/m/cho-vi-thanh/settings",
                       data={"census_size": "1500", "target_pct": "85"}).status_code == 302
    auth.logout()
    auth.login("admin")
    html = client.get(f"/admin/audit?lang={lang}").get_data(as_text=True)
    details = re.findall(r'<span class="detail">([^<]*)</span>', html)
    assert any(text.endswith(f": {added}") for text in details), details
    assert any(text.endswith(f": {declared}") for text in details), details


def test_the_volunteers_table_groups_its_recheck_counts(client, auth, session, market):
    """The table's other columns went through ``thousands``; "wrong QR / checks" did not:
    "3 / 1200" in a row whose registrations read "1.200"."""
    from sqlmodel import select

    from merchant_onboard.models import Event, Stall, User

    lan = session.exec(select(User).where(User.username == "lan")).one()
    stall = session.exec(select(Stall).where(Stall.market_id == market.id)).first()
    session.add_all([Event(stall_id=stall.id, market_id=market.id, kind="recheck",
                           actor_id=lan.id, client_id=f"recheck-{n}",
                           data={"match": n >= 1003}) for n in range(1200)])
    session.commit()
    auth.login("hung")
    for lang, shown in (("vi", "1.003</strong> / 1.200"), ("en", "1,003</strong> / 1,200")):
        html = client.get(f"/m/cho-vi-thanh/dashboard?lang={lang}").get_data(as_text=True)
        row = re.search(r'<table class="data" id="volunteers">.*?</table>', html, re.S).group(0)
        assert shown in row, row
