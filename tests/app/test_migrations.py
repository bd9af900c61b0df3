"""Migrations build the schema on both backends, and agree with the models."""

import unicodedata

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import merchant_onboard.models  # noqa: F401  (registers the tables)
from merchant_onboard.db import make_engine
from merchant_onboard.domain.text import zone_key
from merchant_onboard.migrate import downgrade, upgrade


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    import uuid

    from merchant_onboard.config import normalize_database_url
    from tests.conftest import _postgres_server_url

    server = _postgres_server_url()
    if not server:
        pytest.skip("MO_TEST_DATABASE_URL is not set")
    server = normalize_database_url(server)
    name = f"mo_migrate_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


#: Market 1, as raw SQL: the tests below write rows as an older revision's schema holds them.
MARKET_1 = sa.text("INSERT INTO market (id, code, name, kind, province, ward, address, census_size,"
                   " target_pct, campaign_title, poster_second_line, created_at) VALUES (1, 'cho',"
                   " 'Chợ', 'market', '', '', '', 0, 80, '', '', '2026-12-01')")


def test_upgrade_to_head_on_an_empty_database_matches_the_models(empty_database):
    engine = make_engine(empty_database)
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                SQLModel.metadata)
        tables = set(sa.inspect(conn).get_table_names())
    engine.dispose()
    assert diff == [], "models and migrations disagree: write a migration"
    assert set(SQLModel.metadata.tables) <= tables


def test_upgrade_twice_is_harmless(empty_database):
    engine = make_engine(empty_database)
    upgrade(engine)
    upgrade(engine)
    engine.dispose()


def test_sqlite_enforces_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fk.db'}")
    upgrade(engine)
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO membership (user_id, market_id) VALUES (41, 42)"))
    with engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()


def test_stalls_sharing_a_code_written_two_ways_survive_the_code_key_migration(
        empty_database, capfd):
    """A database from before code_key may hold "A-1" and "A1" in one market (the defect the
    key fixes): the upgrade keeps both, gives the later a key marked with its id and names
    it, and from then on the database refuses a third."""
    engine = make_engine(empty_database)
    upgrade(engine, "b5e2c8d41f07")
    with engine.begin() as conn:
        conn.execute(MARKET_1)
        for stall_id, code in ((1, "A-1"), (2, "A1"), (3, "B-01"), (4, "A-10")):
            conn.execute(sa.text(
                "INSERT INTO stall (id, market_id, stall_code, sort_key, zone, shop_name,"
                " owner_name, owner_phone, category, notes, search_text, consent, status,"
                " status_changed_at, recheck_mismatch, public_code, created_at, updated_at,"
                " version) VALUES (:id, 1, :code, :code, '', '', '', '', '', '', '', false,"
                " 'census', '2026-12-01', false, :public, '2026-12-01', '2026-12-01', 1)"),
                {"id": stall_id, "code": code, "public": f"P{stall_id}"})
    upgrade(engine)
    with engine.connect() as conn:
        keys = dict(conn.execute(sa.text("SELECT stall_code, code_key FROM stall")).all())
    assert keys == {"A-1": "A-1", "A1": "A-1#2", "B-01": "B-1", "A-10": "A-10"}
    assert "stall 2 ('A1') of market 1 has the code of stall 'A-1'" in capfd.readouterr().err
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO stall (market_id, stall_code, code_key, sort_key, zone, shop_name,"
            " owner_name, owner_phone, category, notes, search_text, consent, status,"
            " status_changed_at, recheck_mismatch, public_code, created_at, updated_at, version)"
            " VALUES (1, 'B1', 'B-1', 'b1', '', '', '', '', '', '', '', false, 'census',"
            " '2026-12-01', false, 'P9', '2026-12-01', '2026-12-01', 1)"))
    engine.dispose()


def test_search_text_saved_with_invisible_characters_is_folded_again(empty_database):
    """A stall saved before the fold dropped characters that draw nothing kept them in its
    search text ("b<ZWSP>un"), so "bún" did not find it: the upgrade folds it again, and
    leaves the names as they were typed."""
    engine = make_engine(empty_database)
    upgrade(engine, "c4a7d2e9f315")
    with engine.begin() as conn:
        conn.execute(MARKET_1)
        for stall_id, code, shop, search in (
                (1, "A-1", "B\u200bún bò\u3164", "a-1 b\u200bun bo\u3164"),
                (2, "A-2", "Phở Đức", "a-2 pho duc")):
            conn.execute(sa.text(
                "INSERT INTO stall (id, market_id, stall_code, code_key, sort_key, zone,"
                " shop_name, owner_name, owner_phone, category, notes, search_text, consent,"
                " status, status_changed_at, recheck_mismatch, public_code, created_at,"
                " updated_at, version) VALUES (:id, 1, :code, :code, :code, '', :shop, '', '',"
                " '', '', :search, false, 'census', '2026-12-01', false, :public, '2026-12-01',"
                " '2026-12-01', 1)"),
                {"id": stall_id, "code": code, "shop": shop, "search": search,
                 "public": f"P{stall_id}"})
    upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT shop_name, search_text FROM stall ORDER BY id")).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [("B\u200bún bò\u3164", "a-1 bun bo"),
                                            ("Phở Đức", "a-2 pho duc")]


def test_zones_typed_several_ways_get_one_key_from_the_upgrade(empty_database):
    """Stalls stored before the zone key get the key the app makes of their zone: "Khu A",
    "khu a", an NFD "KHU À", one with a Hangul filler left at its start (saved before such
    characters were stripped), "Tạp hoá" and "tạp hóa" sort and filter as the zones they are."""
    from merchant_onboard.domain.text import zone_key

    engine = make_engine(empty_database)
    upgrade(engine, "e1f6a3b9c042")
    zones = ["Khu A", "khu a", unicodedata.normalize("NFD", "KHU À"), "\u3164Khu A", "",
             "Khu Tạp hoá", "khu tạp hóa", "Khu B – Rau", "khu b-rau"]
    with engine.begin() as conn:
        conn.execute(MARKET_1)
        for stall_id, zone in enumerate(zones, start=1):
            conn.execute(sa.text(
                "INSERT INTO stall (id, market_id, stall_code, code_key, sort_key, zone,"
                " shop_name, owner_name, owner_phone, category, notes, search_text, consent,"
                " status, status_changed_at, recheck_mismatch, public_code, created_at,"
                " updated_at, version) VALUES (:id, 1, :code, :code, :code, :zone, '', '', '',"
                " '', '', '', false, 'census', '2026-12-01', false, :public, '2026-12-01',"
                " '2026-12-01', 1)"),
                {"id": stall_id, "code": f"A-{stall_id}", "zone": zone,
                 "public": f"P{stall_id}"})
    upgrade(engine, "f3a9c1d7e2b6")
    with engine.connect() as conn:
        keys = conn.execute(sa.text("SELECT zone_key FROM stall ORDER BY id")).scalars().all()
    assert keys == ["khu a", "khu a", "khu à", "khu a", "", "khu tạp hoá", "khu tạp hoá",
                    "khu b - rau", "khu b - rau"]
    # Later revisions keep that equality: the keys are now in Vietnamese order as well.
    upgrade(engine)
    with engine.connect() as conn:
        keys = conn.execute(sa.text("SELECT zone_key FROM stall ORDER BY id")).scalars().all()
    engine.dispose()
    assert keys == [zone_key(zone) for zone in zones]


def test_zone_keys_stored_before_get_the_vietnamese_order_and_give_it_back(empty_database):
    """Keys stored as the zone's spelling sorted "Khu Đông" after "Khu Z" and kept "Dãy 02"
    apart from "Dãy 2": the upgrade makes each the key the app makes of its zone, and the
    downgrade gives the spellings back, zeros and all."""
    from merchant_onboard.domain.text import zone_key

    engine = make_engine(empty_database)
    upgrade(engine, "b7c3f1a9d254")
    zones = ["Khu Z", "Khu Đông", "", "Dãy 10", "Dãy 2", "Khu A", "Dãy 02"]
    stored = _revision("f3a9c1d7e2b6_stall_zone_key")._zone_key  # the keys of b7c3f1a9d254
    with engine.begin() as conn:
        conn.execute(MARKET_1)
        for stall_id, zone in enumerate(zones, start=1):
            conn.execute(sa.text(
                "INSERT INTO stall (id, market_id, stall_code, code_key, sort_key, zone,"
                " zone_key, shop_name, owner_name, owner_phone, category, notes, search_text,"
                " consent, status, status_changed_at, recheck_mismatch, public_code,"
                " created_at, updated_at, version) VALUES (:id, 1, :code, :code, :code, :zone,"
                " :key, '', '', '', '', '', '', false, 'census', '2026-12-01', false, :public,"
                " '2026-12-01', '2026-12-01', 1)"),
                {"id": stall_id, "code": f"A-{stall_id}", "zone": zone,
                 "key": stored(zone), "public": f"P{stall_id}"})
    upgrade(engine, "d8e2a5c7b3f1")
    with engine.connect() as conn:
        keys = conn.execute(sa.text("SELECT zone_key FROM stall ORDER BY id")).scalars().all()
        listed = conn.execute(sa.text("SELECT zone FROM stall ORDER BY zone_key, id")).scalars()
        listed = listed.all()
    assert keys == [zone_key(zone) for zone in zones] and keys[4] == keys[6]
    assert listed == ["Dãy 2", "Dãy 02", "Dãy 10", "Khu A", "Khu Đông", "Khu Z", ""]
    downgrade(engine, "b7c3f1a9d254")
    with engine.connect() as conn:
        keys = conn.execute(sa.text("SELECT zone_key FROM stall ORDER BY id")).scalars().all()
    engine.dispose()
    assert keys == [stored(zone) for zone in zones] and keys[6] == "dãy 02"


def test_milestone_dates_kept_from_before_a_restart_are_dated_again_by_the_upgrade(
        empty_database):
    """A stall that went back to registered (a new account, a reopening) kept its old print,
    install, test and payment dates until the restart cleared them, and a milestone reached
    again was not dated again: the dashboard's wait to a first payment went negative, the
    weekly chart counted the payment in an old week, and a fresh print showed as weeks stuck.
    The upgrade dates each such milestone by its first event after the restart, or clears it
    when it was not reached again; a consistent stall keeps its dates."""
    engine = make_engine(empty_database)
    upgrade(engine, "f3a9c1d7e2b6")
    day = "2026-11-{:02d} 08:00:00".format
    before = {"printed_at": day(2), "installed_at": day(3), "test_paid_at": day(4),
              "first_paid_at": day(5)}
    stalls = {
        # paid, reopened on the 10th, then printed, installed, tested and paid again
        1: ("first_payment_confirmed", day(10), before),
        # reopened on the 10th and printed again on the 12th, not installed since
        2: ("poster_printed", day(10), before),
        # a new account on the 10th, nothing since
        3: ("registered", day(10), before),
        # one run through the funnel, then closed: its history stays
        4: ("inactive", day(1), before),
    }
    events = [(1, "poster_printed", day(2)), (1, "poster_printed", day(11)),
              (1, "poster_printed", day(13)),  # a reprint: the milestone's date stays the 11th
              (1, "poster_installed", day(14)), (1, "test_payment_verified", day(15)),
              (1, "first_payment_confirmed", day(16)),
              (2, "poster_installed", day(3)), (2, "poster_printed", day(12)),
              (4, "poster_printed", day(2))]
    with engine.begin() as conn:
        conn.execute(MARKET_1)
        for stall_id, (status, registered, dates) in stalls.items():
            conn.execute(sa.text(
                "INSERT INTO stall (id, market_id, stall_code, code_key, sort_key, zone,"
                " zone_key, shop_name, owner_name, owner_phone, category, notes, search_text,"
                " consent, status, status_changed_at, recheck_mismatch, public_code,"
                " registered_at, printed_at, installed_at, test_paid_at, first_paid_at,"
                " created_at, updated_at, version) VALUES (:id, 1, :code, :code, :code, '', '',"
                " '', '', '', '', '', '', true, :status, :registered, false, :public,"
                " :registered, :printed_at, :installed_at, :test_paid_at, :first_paid_at,"
                " '2026-11-01', '2026-11-01', 1)"),
                {"id": stall_id, "code": f"A-{stall_id}", "status": status,
                 "registered": registered, "public": f"P{stall_id}", **dates})
        for n, (stall_id, kind, at) in enumerate(events):
            conn.execute(sa.text(
                "INSERT INTO event (stall_id, market_id, kind, created_at, client_id, data)"
                " VALUES (:stall, 1, :kind, :at, :client, '{}')"),
                {"stall": stall_id, "kind": kind, "at": at, "client": f"client-{n:04d}"})
    upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT printed_at, installed_at, test_paid_at, first_paid_at FROM stall"
            " ORDER BY id")).all()
    engine.dispose()
    dates = [[None if value is None else str(value)[:10] for value in row] for row in rows]
    assert dates == [["2026-11-11", "2026-11-14", "2026-11-15", "2026-11-16"],
                     ["2026-11-12", None, None, None],
                     [None, None, None, None],
                     ["2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"]]


def test_search_texts_saved_before_get_the_search_spelling(empty_database):
    """Stalls saved before search compared "Mỹ" and "Mĩ" alike keep their "y" until the
    upgrade spells it as search does; names stay as typed, other y's stay."""
    engine = make_engine(empty_database)
    upgrade(engine, "a2146e4156b8")
    with engine.begin() as conn:
        conn.execute(MARKET_1)
        for stall_id, owner, search in ((1, "Nguyễn Thị Mỹ", "a-1 nguyen thi my"),
                                        (2, "Lý Văn Huy", "a-2 ly van huy"),
                                        (3, "Trần Văn Ba", "a-3 tran van ba")):
            conn.execute(sa.text(
                "INSERT INTO stall (id, market_id, stall_code, code_key, sort_key, zone,"
                " zone_key, shop_name, owner_name, owner_phone, category, notes, search_text,"
                " consent, status, status_changed_at, recheck_mismatch, public_code,"
                " created_at, updated_at, version) VALUES (:id, 1, :code, :code, :code, '', '',"
                " '', :owner, '', '', '', :search, false, 'census', '2026-12-01', false,"
                " :public, '2026-12-01', '2026-12-01', 1)"),
                {"id": stall_id, "code": f"A-{stall_id}", "owner": owner, "search": search,
                 "public": f"P{stall_id}"})
    upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT owner_name, search_text FROM stall ORDER BY id")).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [("Nguyễn Thị Mỹ", "a-1 nguyen thi mi"),
                                            ("Lý Văn Huy", "a-2 li van huy"),
                                            ("Trần Văn Ba", "a-3 tran van ba")]


@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30))
def test_the_upgrades_vietnamese_order_is_the_apps(zone):
    """The revision keeps its own copy of the rule it ran with: on the day it was written it
    keys every zone as the app keys it, so lists sort and filter alike before and after.
    (A zone holds no control character: ``clean_text`` refuses them.)"""
    revision = _revision("d8e2a5c7b3f1_zone_key_vietnamese_order")
    stored = _revision("f3a9c1d7e2b6_stall_zone_key")._zone_key(zone)  # the key before it
    assert revision._key(stored) == zone_key(zone)
    assert revision._spelling(zone_key(zone), zone) == stored


def _revision(name: str):
    import importlib.util

    from merchant_onboard.migrate import MIGRATIONS_DIR

    spec = importlib.util.spec_from_file_location(name, MIGRATIONS_DIR / "versions" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
