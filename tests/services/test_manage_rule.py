"""The services that only a market's managers (and admins) may use check it themselves.

The web views and the API check first; these services must not rely on that (a CLI, a job or a
new view calls them too), so they are called directly here, as each role.
"""

from __future__ import annotations

import pytest

from merchant_onboard.domain.census import parse_census
from merchant_onboard.domain.errors import PermissionDenied
from merchant_onboard.services import census, exports

CENSUS_CSV = "Mã gian hàng,Tên cửa hàng\nA-1,Tạp hoá Cô Ba\n".encode()


def export(session, actor, market):
    return list(exports.export_stalls(
        session, actor=actor, market=market, fmt="csv",
        headers=[name for name, *_ in exports.STALL_COLUMNS], labels={}).chunks)


def preview(session, actor, market):
    return census.preview_census(session, actor=actor, market=market,
                                 census=parse_census(CENSUS_CSV))


def apply(session, actor, market):
    return census.apply_census(session, actor=actor, market=market,
                               rows=parse_census(CENSUS_CSV).rows)


MANAGER_ONLY = [export, preview, apply]


@pytest.fixture
def people(make_market, make_user):
    market, other = make_market("cho-a"), make_market("cho-b")
    return market, {
        "volunteer": make_user("lan", markets=[market]),
        "manager of another market": make_user("khac", role="manager", markets=[other]),
        "manager": make_user("hung", role="manager", markets=[market]),
        "admin": make_user("admin", role="admin"),
    }


@pytest.mark.parametrize("use", MANAGER_ONLY, ids=lambda f: f.__name__)
def test_only_managers_of_the_market_and_admins_pass_the_service_check(session, people, use):
    """Issue 15 behaviour 1: a volunteer of the market is refused by the census and export
    services themselves, and so is a manager of another market."""
    market, users = people
    for role in ("volunteer", "manager of another market"):
        with pytest.raises(PermissionDenied):
            use(session, users[role], market)
        session.rollback()
    for role in ("manager", "admin"):
        use(session, users[role], market)
