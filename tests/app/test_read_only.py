"""Views marked ``@read_only`` read through a session that cannot write (db.py)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import select

from merchant_onboard.db import ReadOnlyError, ReadOnlySession, get_engine, get_session
from merchant_onboard.models import Market, Role


@pytest.fixture
def market(make_market):
    return make_market("cho-doc")


def _read_session(app):
    """The session a GET of the stall list would get, inside that request's context."""
    return app.test_request_context("/m/cho-doc/", method="GET")


def test_a_marked_get_view_reads_through_a_read_only_session(app, market):
    with _read_session(app):
        session = get_session()
        assert isinstance(session, ReadOnlySession)
        assert session.exec(select(Market.code)).all() == ["cho-doc"]


@pytest.mark.parametrize("path, method", [("/m/", "POST"), ("/m/cho-doc/stalls/new", "GET"),
                                          ("/login", "GET")])
def test_writes_and_unmarked_views_get_an_ordinary_session(app, market, path, method):
    with app.test_request_context(path, method=method):
        assert not isinstance(get_session(), ReadOnlySession)


def test_outside_a_request_the_session_is_ordinary(app):
    with app.app_context():
        assert not isinstance(get_session(), ReadOnlySession)


def test_a_read_only_session_refuses_orm_writes_and_nothing_is_stored(app, market, session):
    with _read_session(app):
        reader = get_session()
        found = reader.exec(select(Market).where(Market.code == "cho-doc")).one()
        found.name = "Tên đã sửa"
        with pytest.raises(ReadOnlyError):
            reader.commit()
        reader.rollback()
        reader.add(Market(code="cho-moi", name="Chợ mới"))
        with pytest.raises(ReadOnlyError):
            reader.flush()
    session.expire_all()
    assert session.exec(select(Market.name)).all() == ["Chợ cho-doc"]


@pytest.mark.parametrize("statement", [
    sa.update(Market).values(name="Tên đã sửa"),
    sa.delete(Market),
    sa.insert(Market).values(code="cho-moi", name="Chợ mới", kind="market",
                             target_pct=80, census_size=0),
], ids=["update", "delete", "insert"])
def test_a_read_only_session_refuses_statements_that_write(app, market, session, statement):
    with _read_session(app):
        with pytest.raises(ReadOnlyError):
            get_session().execute(statement)
    session.expire_all()
    assert session.exec(select(Market.name)).all() == ["Chợ cho-doc"]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_on_postgresql_reads_run_outside_a_transaction_and_writes_inside_one(app, market,
                                                                             session):
    # (SQLite's driver begins a transaction only before a write: its reads need no change.)
    assert get_engine(app).dialect.name == "postgresql"
    with _read_session(app):
        reader = get_session()
        reader.exec(select(Market)).all()
        driver = reader.connection().connection.dbapi_connection
        assert driver.autocommit is True
        # Each statement is its own transaction, so its clock is the transaction's clock.
        first, second = (reader.execute(sa.text("SELECT statement_timestamp() = "
                                                "transaction_timestamp()")).scalar()
                         for _ in range(2))
        assert first and second
    # Writes come from the other pool, in transactional mode: a rollback undoes.
    with app.test_request_context("/m/", method="POST"):
        writer = get_session()
        writer.execute(sa.update(Market).values(name="Chưa lưu"))
        assert writer.connection().connection.dbapi_connection.autocommit is False
        writer.rollback()
    session.expire_all()
    assert session.exec(select(Market.name)).all() == ["Chợ cho-doc"]


def test_every_read_only_view_answers_every_role_without_writing(app, client, auth, api_token,
                                                                  make_user, make_stall, market):
    """Each GET marked read-only is served to each role; a write would be a 500 here."""
    volunteer = make_user("lan", Role.VOLUNTEER, markets=[market])
    make_user("thu", Role.MANAGER, markets=[market])
    make_user("quan", Role.ADMIN)
    stall = make_stall(market, volunteer)
    marked = {rule.endpoint: rule for rule in app.url_map.iter_rules()
              if getattr(app.view_functions[rule.endpoint], "read_only", False)}
    assert {"stalls.market", "stalls.detail", "api.list_stalls", "api.list_users",
            "api.get_user"} <= set(marked)
    values = {"code": market.code, "stall_id": stall.id, "username": volunteer.username}
    for username in ("lan", "thu", "quan"):
        token = api_token(username)
        auth.login(username)
        for endpoint, rule in marked.items():
            path = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]
            response = client.get(path, headers=token if path.startswith("/api/") else {})
            assert response.status_code in (200, 302, 403), (username, path, response.status_code)
        auth.logout()
