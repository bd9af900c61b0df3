"""Streamed downloads that read the database as they are sent (web/streaming.py): the
request's session stays open while they stream and is closed when they end, also when the
client goes away half-way; an export is audited before its first byte."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from merchant_onboard.db import get_engine
from merchant_onboard.models import AuditEntry, Role

DOWNLOADS = ["/m/cho-nho/export.csv", "/m/cho-nho/export.xlsx", "/m/cho-nho/posters.pdf"]


@pytest.fixture
def logged_in_manager(client, auth, make_market, make_user, make_stall):
    market = make_market("cho-nho", name="Chợ Nhớ")
    manager = make_user("thu", Role.MANAGER, markets=[market])
    for n in range(1, 4):
        make_stall(market, manager, stall_code=f"A-{n}", owner_phone=f"09120000{n:02d}",
                   account_number=f"00110123456{n:02d}")
    auth.login("thu")
    return client


def audits(app) -> int:
    with get_engine(app).connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(AuditEntry)
                            .where(AuditEntry.action.like("export.%"))).scalar_one()


@pytest.mark.parametrize("path", DOWNLOADS)
def test_a_download_read_to_the_end_gives_its_connection_back(app, logged_in_manager, path):
    pool = get_engine(app).pool
    response = logged_in_manager.get(path, buffered=False)
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    body = b"".join(response.response)
    response.close()
    assert len(body) > 100
    assert pool.checkedout() == 0


@pytest.mark.parametrize("path", DOWNLOADS)
def test_a_download_dropped_half_way_gives_its_connection_back(app, logged_in_manager, path):
    pool = get_engine(app).pool
    response = logged_in_manager.get(path, buffered=False)
    next(iter(response.response))
    response.close()  # what the server does when the phone goes away
    assert pool.checkedout() == 0


def test_an_export_is_audited_before_its_first_byte(app, logged_in_manager):
    response = logged_in_manager.get("/m/cho-nho/export.csv", buffered=False)
    assert audits(app) == 1
    response.close()
