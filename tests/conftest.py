"""Fixtures for the whole suite: the app on SQLite and on PostgreSQL, clients, users, stalls.

Every test that takes ``app`` runs twice, once per backend. PostgreSQL is the server named by
``MO_TEST_DATABASE_URL`` (CI always sets it); each test run gets its own fresh database.
On a bare laptop the PostgreSQL and browser tests skip; under CI (``CI`` set, and not to
"false", "0" or "no") a skip fails.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, SQLModel

from merchant_onboard import create_app
from merchant_onboard.db import dispose, get_engine, make_engine
from merchant_onboard.migrate import upgrade
from merchant_onboard.models import Market, Role, Stall, User
from tests.factories import TEST_PASSWORD, stall_fields

# Under CI a skip fails and Hypothesis runs a fixed profile: see tests/ci.py.
pytest_plugins = ("tests.ci", "tests.openapi_responses")


class _ServerErrors(logging.Handler):
    """Collects what the app (and the server under the browser tests) logs as an error."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


_server_errors = _ServerErrors()
for _name in ("merchant_onboard", "werkzeug"):
    logging.getLogger(_name).addHandler(_server_errors)


@pytest.fixture(autouse=True)
def _no_unhandled_server_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test fails if the app logged an unhandled error (a 500) it did not provoke on
    purpose (``@pytest.mark.expect_server_error``): no 5xx hides in a passing suite."""
    _server_errors.records.clear()
    yield
    found, _server_errors.records[:] = list(_server_errors.records), []
    if found and request.node.get_closest_marker("expect_server_error") is None:
        details = "\n".join(logging.Formatter().format(record) for record in found)
        pytest.fail(f"the app logged {len(found)} unhandled error(s):\n{details}")


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """Hash test passwords quickly: login behaviour is under test, not scrypt's cost. The
    hash an unknown username is checked against (so that it takes as long as a known one)
    is made the same way: at scrypt's cost, 80 ms a check, it was seconds of the suite."""
    from werkzeug.security import generate_password_hash

    from merchant_onboard.services import authentication, users

    cheap = "pbkdf2:sha256:1000"
    saved = users.PASSWORD_METHOD, authentication._DUMMY_HASH
    users.PASSWORD_METHOD = cheap
    authentication._DUMMY_HASH = generate_password_hash("not-a-real-password", method=cheap)
    yield
    users.PASSWORD_METHOD, authentication._DUMMY_HASH = saved


def _postgres_server_url() -> str | None:
    return os.environ.get("MO_TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test run, dropped afterwards."""
    server = _postgres_server_url()
    if not server:
        pytest.skip("MO_TEST_DATABASE_URL is not set")
    from merchant_onboard.config import normalize_database_url

    server = normalize_database_url(server)
    name = f"mo_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        pytest.skip(f"PostgreSQL at MO_TEST_DATABASE_URL is not reachable: {error}")
    url = sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite database file for this test run."""
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each app test runs on both backends."""
    return request.getfixturevalue(f"{request.param}_url")


def empty_database(engine: sa.Engine) -> None:
    """Remove every row, keeping the schema (much faster than migrating per test).

    DELETE, children first, rather than TRUNCATE: a test leaves a few rows, and PostgreSQL's
    TRUNCATE gives each table new files (about 100 ms for the nine, against 10 for DELETE),
    which over the suite's PostgreSQL tests was minutes. Sequences start again at 1, as
    TRUNCATE's RESTART IDENTITY did: on PostgreSQL by ``setval``, in the same script as the
    DELETEs (``ALTER SEQUENCE … RESTART`` writes the catalogue: 11 ms a test, against 1 ms
    for the whole script now)."""
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name != "postgresql":
            for table in tables:  # SQLite's driver takes one statement at a time
                conn.execute(sa.text(f'DELETE FROM "{table}"'))
            return
        conn.exec_driver_sql(";\n".join([f'DELETE FROM "{table}"' for table in tables] + [
            "SELECT setval((quote_ident(schemaname) || '.' || quote_ident(sequencename))"
            "::regclass, 1, false)"
            " FROM pg_sequences WHERE schemaname = current_schema()"]))


#: What ``built_once`` built, by database URL and name: the value and every table's rows.
_BUILT: dict[tuple[str, str], tuple[Any, dict[str, list[dict[str, Any]]]]] = {}


def built_once(engine: sa.Engine, name: str, build: Callable[[], Any]) -> Any:
    """``build()`` (arranging rows through the services) the first time a test process asks
    for ``name`` on this database; afterwards its rows are copied back into the emptied tables
    and its value returned again. For a large arrangement that many tests only read: built
    through the services it cost seconds a test."""
    key = (engine.url.render_as_string(), name)
    if key not in _BUILT:
        value = build()
        with engine.connect() as conn:
            _BUILT[key] = value, {
                table.name: [dict(row) for row in conn.execute(table.select()).mappings()]
                for table in SQLModel.metadata.sorted_tables}
        return value
    value, rows = _BUILT[key]
    with engine.begin() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if rows[table.name]:
                conn.execute(table.insert(), rows[table.name])
                if engine.dialect.name == "postgresql" and "id" in table.c:
                    # Rows inserted with their ids: the next id is after them, as when built.
                    conn.execute(sa.text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'),"
                        f" (SELECT max(id) FROM \"{table.name}\"))"))
    return value


@pytest.fixture
def app_config(database_url: str) -> dict[str, Any]:
    return {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False, "SERVER_NAME": None}


#: Apps kept for reuse per test process: the two backends' and a few overridden configurations.
_APPS_KEPT = 4


@pytest.fixture(scope="session")
def _apps() -> Iterator[OrderedDict[str, Flask]]:
    """The apps built for this test process, by configuration, most recently used last."""
    built: OrderedDict[str, Flask] = OrderedDict()
    yield built
    for app in built.values():
        dispose(app)


def _kept_app(config: dict[str, Any], apps: OrderedDict[str, Flask]) -> Flask:
    """The app built for ``config`` in this test process, built now if there is none."""
    key = repr(sorted(config.items()))
    app = apps.pop(key, None) or create_app(config)
    apps[key] = app
    while len(apps) > _APPS_KEPT:
        dispose(apps.popitem(last=False)[1])
    return app


@pytest.fixture
def app(app_config: dict[str, Any], _apps: OrderedDict[str, Flask],
        request: pytest.FixtureRequest) -> Iterator[Flask]:
    """The app for ``app_config``, built once per configuration instead of once per test.

    Building one is about 50 ms, nearly all of it Werkzeug compiling the URL rules, which over
    the suite's few thousand tests was minutes. Each test still starts from empty tables, and
    the configuration a test changed (``app.config[...] = ...``) is put back after it. A
    module that overrides ``app_config`` gets its own app, under its own key; a test marked
    ``own_app`` (one that adds a route) gets one of its own, used once.
    """
    if request.node.get_closest_marker("own_app") is not None:
        app = create_app(app_config)
        empty_database(get_engine(app))
        yield app
        dispose(app)
        return
    app = _kept_app(app_config, _apps)
    config = dict(app.config)
    empty_database(get_engine(app))
    yield app
    app.config.clear()
    app.config.update(config)


@pytest.fixture
def app_with(app: Flask, app_config: dict[str, Any],
             _apps: OrderedDict[str, Flask]) -> Iterator[Callable[..., Flask]]:
    """``app_with(WTF_CSRF_ENABLED=True)``: the app for ``app_config`` with those settings, on
    ``app``'s (emptied) database, kept for reuse as ``app`` is; the configuration a test
    changed is put back after it. For the few settings a test needs at build time."""
    used: list[tuple[Flask, dict[str, Any]]] = []

    def get(**settings: Any) -> Flask:
        other = _kept_app({**app_config, **settings}, _apps)
        used.append((other, dict(other.config)))
        return other

    yield get
    for other, config in reversed(used):
        other.config.clear()
        other.config.update(config)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session of its own, for arranging data and checking what was stored."""
    with Session(get_engine(app), expire_on_commit=False) as session:
        yield session


@pytest.fixture
def make_market(session: Session) -> Callable[..., Market]:
    from merchant_onboard.services.markets import create_market

    def make(code: str = "cho-test", **fields: Any) -> Market:
        raw = {"code": code, "name": fields.pop("name", f"Chợ {code}"),
               "province": "Hậu Giang", "ward": "Phường 1", **fields}
        return create_market(session, actor=None, raw=raw)

    return make


@pytest.fixture
def make_user(session: Session) -> Callable[..., User]:
    from merchant_onboard.services.users import create_user

    def make(username: str = "lan", role: str = Role.VOLUNTEER,
             markets: tuple[Market, ...] | list[Market] = (), **fields: Any) -> User:
        return create_user(session, username=username, password=TEST_PASSWORD, role=role,
                           display_name=fields.get("display_name", username.title()),
                           market_codes=[m.code for m in markets])

    return make


@pytest.fixture
def make_stall(session: Session) -> Callable[..., Stall]:
    from merchant_onboard.services.stalls import register_stall

    def make(market: Market, actor: User, **overrides: Any) -> Stall:
        result = register_stall(session, actor=actor, market=market, raw=stall_fields(**overrides),
                                client_id=str(uuid.uuid4()), confirm_phone=True)
        return result.stall

    return make


class AuthActions:
    """Log a test client in and out through the real login form."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, username: str = "lan", password: str = TEST_PASSWORD):
        return self._client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def api_token(client: FlaskClient) -> Callable[[str], dict[str, str]]:
    """``api_token("lan")`` → headers with a bearer token obtained from POST /api/v1/tokens."""

    def headers(username: str, password: str = TEST_PASSWORD) -> dict[str, str]:
        response = client.post("/api/v1/tokens", json={"username": username,
                                                       "password": password})
        assert response.status_code == 201, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    return headers
