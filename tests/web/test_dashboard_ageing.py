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
