"""Numbers of 1,000 and more read as the page's language writes them: "1.433" in Vietnamese,
"1,433" in English, on every page a manager copies a figure from or a volunteer counts on.

A manager preparing a commune report reads the dashboard, the roll-up and the stall list side
by side: "1400 gian hàng" beside "1.400", or "1.433" on an English page (where the dot is a
decimal point: one and a half stalls), is a figure copied wrongly. The API is not concerned:
its JSON holds plain numbers.
"""

from __future__ import annotations

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


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_dashboard_groups_thousands_as_its_language_does(client, auth, market, lang):
    auth.login("hung")
    html = client.get(f"/m/cho-vi-thanh/dashboard?lang={lang}").get_data(as_text=True)
    n = GROUPED[lang]
    assert f'data-figure="census">{n}<' in html
    assert f"0 / {n} " in html, "the adoption card's x / y"
    funnel = re.search(r'<svg class="chart".*?</svg>', html, re.S).group(0)
    assert f">{n} · 100 %<" in funnel, "the funnel's first bar"
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
