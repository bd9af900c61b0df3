"""The dashboard's ageing lists: which stalls have waited too long at a step."""

from __future__ import annotations

import re
from datetime import timedelta

from merchant_onboard.models import Stall
from merchant_onboard.models.base import utcnow

#: DESIGN §3: "ageing (e.g. printed but not installed for more than 7 days)"; the same week for
#: a registered stall still without a printed poster. Written here, not read from the code.
DAYS_BEFORE_A_REGISTERED_STALL_IS_LATE = 7


def ageing_list(page: str, rule: str) -> str:
    """The part of the dashboard that lists the stalls of one ageing rule."""
    return re.search(rf'data-rule="{rule}">(.*?)</div>', page, re.S).group(1)


def test_registered_stalls_unprinted_for_more_than_7_days_are_listed(
        client, auth, session, make_market, make_user, make_stall, api_token):
    """Issue 15 behaviour 9: the "registered, not printed" list takes stalls after 7 days,
    not sooner and not later: one just past the week is listed, one just short is not."""
    market = make_market("cho-vi-thanh")
    lan = make_user("lan", markets=[market])
    make_user("hung", role="manager", markets=[market])
    week = timedelta(days=DAYS_BEFORE_A_REGISTERED_STALL_IS_LATE)
    waits = {"A-1": week + timedelta(hours=2), "A-2": week - timedelta(hours=2)}
    for number, (code, waited) in enumerate(waits.items()):
        stall = make_stall(market, lan, stall_code=code, account_number=f"9{number}123456",
                           owner_phone="")
        stored = session.get(Stall, stall.id)
        stored.registered_at = utcnow() - waited
        session.add(stored)
        session.commit()
    auth.login("hung")
    page = client.get(f"/m/{market.code}/dashboard").get_data(as_text=True)
    late = ageing_list(page, "registered_not_printed")
    assert "quá 7 ngày" in late
    assert '<span class="code">A-1</span>' in late
    assert '<span class="code">A-2</span>' not in late
    stats = client.get(f"/api/v1/markets/{market.code}/stats",
                       headers=api_token("hung")).get_json()
    assert stats["ageing"]["registered_not_printed"] == {"days": 7, "count": 1}


def _registered_days_ago(session, make_stall, market, actor, code: str, days: float) -> None:
    stall = make_stall(market, actor, stall_code=code, account_number=f"9{code[2:]}0123456",
                       owner_phone="")
    stored = session.get(Stall, stall.id)
    stored.registered_at = utcnow() - timedelta(days=days)
    session.add(stored)
    session.commit()


def test_every_stuck_stall_of_a_card_is_one_link_away_in_pages(
        client, auth, session, make_market, make_user, make_stall, monkeypatch):
    """Manager review item 4: a card lists its 10 longest-waiting stalls, then "và N gian
    hàng khác" was plain text. It now links the stall list filtered to that card's stalls
    (statuses and wait both), paged like any list, the filter kept from page to page."""
    market = make_market("cho-vi-thanh")
    lan = make_user("lan", markets=[market])
    make_user("hung", role="manager", markets=[market])
    for number in range(13):
        _registered_days_ago(session, make_stall, market, lan, f"A-{number + 10}", 20)
    _registered_days_ago(session, make_stall, market, lan, "B-1", 3)
    auth.login("hung")
    page = client.get(f"/m/{market.code}/dashboard").get_data(as_text=True)
    card = ageing_list(page, "registered_no_payment")
    link = re.search(r'<a class="more" href="([^"]+)">và 3 gian hàng khác', card)
    assert link, card
    href = link.group(1).replace("&amp;", "&")
    monkeypatch.setattr("merchant_onboard.web.stalls.views.PAGE_SIZE", 10)
    first = client.get(href).get_data(as_text=True)
    assert "13 gian hàng" in first
    assert "Đã đăng ký, chưa có khách thanh toán quá 14 ngày" in first
    after = re.search(r'href="([^"]+)">Sau', first).group(1).replace("&amp;", "&")
    second = client.get(after).get_data(as_text=True)
    codes = re.findall(r'data-stall-code="([^"]+)"', first + second)
    assert sorted(codes) == sorted(f"A-{n + 10}" for n in range(13))


def test_the_stuck_filter_ignores_an_unknown_rule(client, auth, session, make_market,
                                                  make_user, make_stall):
    market = make_market("cho-vi-thanh")
    lan = make_user("lan", markets=[market])
    _registered_days_ago(session, make_stall, market, lan, "A-10", 1)
    auth.login("lan")
    response = client.get(f"/m/{market.code}/?stuck=nonsense")
    assert response.status_code == 200
    assert re.findall(r'data-stall-code="([^"]+)"', response.get_data(as_text=True)) == ["A-10"]
