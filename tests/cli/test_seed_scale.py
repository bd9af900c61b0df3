"""seed-scale: synthetic markets whose histories obey the funnel and whose figures add up."""

from __future__ import annotations

from collections import defaultdict

import pytest
import sqlalchemy as sa
from sqlmodel import select

from merchant_onboard.domain.funnel import EventKind, Status, next_status
from merchant_onboard.models import Event, Market, PaymentAccount, Stall
from merchant_onboard.services.stats import market_stats


def seed(runner, markets: int = 2, stalls: int = 60):
    result = runner.invoke(args=["seed-scale", "--markets", str(markets),
                                 "--stalls-per-market", str(stalls), "--days", "120"],
                           env={"MO_SCALE_PASSWORD": "scale-password-1"})
    assert result.exit_code == 0, result.output
    return result


def test_seed_scale_writes_markets_stalls_and_events(runner, session):
    result = seed(runner)
    assert "added 2 markets, 120 stalls" in result.output
    codes = session.exec(select(Market.code).order_by(Market.code)).all()
    assert codes == ["scale-00000", "scale-00001"]
    events = session.exec(select(sa.func.count()).select_from(Event)).one()
    assert 3 * 120 <= events <= 7 * 120, "about five events per stall"
    seed(runner, markets=1)
    assert session.exec(select(Market.code).order_by(Market.code.desc())).first() == \
        "scale-00002", "a second run adds markets after the first ones"


def test_every_history_replays_to_the_stored_status(runner, session):
    seed(runner)
    history: dict[int, list[Event]] = defaultdict(list)
    for event in session.exec(select(Event).order_by(Event.created_at, Event.id)):
        history[event.stall_id].append(event)
    accounts = set(session.exec(select(PaymentAccount.stall_id)))
    for stall in session.exec(select(Stall)):
        status = Status.CENSUS
        for event in history[stall.id]:
            assert event.market_id == stall.market_id
            status = next_status(status, EventKind(event.kind),
                                 has_account=stall.id in accounts)
        assert status == stall.status, stall.stall_code
        paid = stall.status == Status.FIRST_PAYMENT_CONFIRMED
        assert (stall.first_paid_at is not None) == paid
        assert (stall.registered_at is None) == (stall.id not in accounts)


def test_seeded_figures_add_up_and_the_manager_sees_them(runner, session, client, auth):
    seed(runner, markets=1, stalls=80)
    market = session.exec(select(Market)).one()
    figures = market_stats(session, market)
    assert figures.headline.census_rows == 80
    assert sum(figures.counts.values()) == 80
    assert figures.headline.census == max(80, market.census_size)
    assert figures.headline.first_paid > 0 and figures.volunteers
    auth.login("scale-00000-0", "scale-password-1")
    assert client.get("/m/scale-00000/dashboard").status_code == 200


@pytest.mark.parametrize("prefix", ["p" * 27, "BAD PREFIX", "", "Scale", "-x", "chợ"])
def test_a_prefix_that_cannot_start_a_market_code_is_refused(runner, session, prefix):
    result = runner.invoke(args=["seed-scale", "--markets", "1", "--stalls-per-market", "1",
                                 "--prefix", prefix],
                           env={"MO_SCALE_PASSWORD": "scale-password-1"})
    assert result.exit_code == 2 and "--prefix" in result.output
    assert session.exec(select(Market)).all() == []


def test_the_longest_prefix_still_makes_market_codes(runner, session):
    result = runner.invoke(args=["seed-scale", "--markets", "1", "--stalls-per-market", "1",
                                 "--prefix", "p" * 26],
                           env={"MO_SCALE_PASSWORD": "scale-password-1"})
    assert result.exit_code == 0, result.output
    assert session.exec(select(Market.code)).all() == ["p" * 26 + "-00000"]
