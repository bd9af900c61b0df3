"""Migrations on a database that holds real data (the demo market), on both backends.

The demo needs the schema at head to be written, so it is loaded there; the database is then
taken down to the first revision with its rows in place and brought up again, so every
revision after the first upgrades rows, not an empty schema. A second test steps down one
revision and up again, as an operator does when rolling a release back and forward.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlmodel import Session, SQLModel, select

from merchant_onboard.db import make_engine
from merchant_onboard.migrate import alembic_config, downgrade, upgrade
from merchant_onboard.models import Market, Poster, Stall, User
from merchant_onboard.services import onboarding, stats
from merchant_onboard.services.demo import seed_demo
from tests.app.test_migrations import empty_database  # noqa: F401 (the fixture, both backends)


def first_revision(engine: sa.Engine) -> str:
    (base,) = ScriptDirectory.from_config(alembic_config(engine)).get_bases()
    return base


def current_revision(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()


def what_the_demo_holds(engine: sa.Engine) -> dict:
    """Rows per table, and the facts people rely on: each stall's status, its accounts, its
    posters and whether they stand."""
    with engine.connect() as conn:
        counts = {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                  for t in SQLModel.metadata.sorted_tables}
        stalls = conn.execute(sa.text(
            "SELECT stall_code, status, public_code FROM stall ORDER BY id")).all()
        accounts = conn.execute(sa.text(
            "SELECT stall_id, account_number, is_primary, payload FROM payment_account "
            "ORDER BY id")).all()
        posters = conn.execute(sa.text(
            "SELECT stall_id, version, revoked_at IS NULL FROM poster ORDER BY id")).all()
    return {"counts": counts, "stalls": stalls, "accounts": accounts, "posters": posters}


def demo_database(url: str) -> sa.Engine:
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        seed_demo(session, password="demo-password-1", stall_count=30)
    return engine


def still_works(engine: sa.Engine) -> None:
    """The upgraded database serves the app's writes and figures: a poster printed now gets
    the next version, under the stall's optimistic lock."""
    with Session(engine) as session:
        stall = session.exec(select(Stall).where(Stall.status == "registered")).first()
        volunteer = session.exec(select(User).where(User.username == "volunteer")).one()
        before = session.exec(select(sa.func.count()).select_from(Poster)
                              .where(Poster.stall_id == stall.id)).one()
        result = onboarding.record_event(session, actor=volunteer, stall=stall,
                                         kind="poster_printed", client_id=str(uuid.uuid4()),
                                         data={"format": "a6"})
        assert result.stall.status == "poster_printed"
        assert result.event.data["poster_version"] == before + 1
        figures = stats.market_stats(session, session.get(Market, stall.market_id))
        assert sum(figures.counts.values()) == len(session.exec(select(Stall.id)).all())


def test_demo_data_upgrades_from_the_first_revision_to_head(empty_database):  # noqa: F811
    engine = demo_database(empty_database)
    held = what_the_demo_holds(engine)
    assert held["counts"]["stall"] == 30 and held["counts"]["poster"] > 0
    first = first_revision(engine)
    downgrade(engine, first)
    assert current_revision(engine) == first
    upgrade(engine)
    assert what_the_demo_holds(engine) == held
    still_works(engine)
    engine.dispose()


def test_demo_data_survives_one_revision_down_and_up_again(empty_database):  # noqa: F811
    engine = demo_database(empty_database)
    held = what_the_demo_holds(engine)
    head = current_revision(engine)
    downgrade(engine, "-1")
    assert current_revision(engine) != head
    upgrade(engine)
    assert current_revision(engine) == head
    assert what_the_demo_holds(engine) == held
    still_works(engine)
    engine.dispose()
