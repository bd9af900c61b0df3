"""The database engine of the app and the session of each request.

Services take the session as their first argument and commit once; views get it from
``get_session()``; the session is closed when the request's app context ends.

Views marked ``@read_only`` get, on GET, a session that cannot write and, on PostgreSQL, comes
from a pool of its own that runs without transactions: each query stands alone, as it would
under READ COMMITTED anyway, and the BEGIN and ROLLBACK round trips of a transaction that
writes nothing are saved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState
from sqlmodel import Session

F = TypeVar("F", bound=Callable[..., Any])


def make_engine(url: str, *, echo: bool = False, pre_ping: bool = False,
                recycle: int = 1800, busy_timeout: float = 30, **options: Any) -> Engine:
    """Create an engine with the pragmas and pool settings each backend needs (``options``
    go to ``create_engine`` as they are). ``busy_timeout``: how long a SQLite writer waits
    for another's lock before giving up (the request then answers 503)."""
    # An error's message names its statement, not its values: a failed search or registration
    # is logged with its traceback, and the values are owners' phones and account numbers.
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True, **options}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": busy_timeout}
    else:
        kwargs.update(pool_pre_ping=pre_ping, pool_recycle=recycle, pool_size=5,
                      max_overflow=10)
    engine = sa.create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLite enforces foreign keys only when asked, per connection; WAL lets readers and a
    # writer (several waitress threads) work at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def get_engine(app: Flask | None = None) -> Engine:
    """The engine of ``app`` (the current app by default)."""
    return (app or current_app).extensions["merchant_onboard.engine"]


class ReadOnlySession(Session):
    """A session that only reads; on PostgreSQL outside any transaction (autocommit)."""

    def flush(self, objects: Any = None) -> None:
        if self.new or self.dirty or self.deleted:
            raise ReadOnlyError("a read-only session was asked to write")


class ReadOnlyError(RuntimeError):
    """A view marked ``@read_only`` tried to write: a programming error, never user input."""


@sa.event.listens_for(ReadOnlySession, "do_orm_execute")
def _refuse_writes(state: ORMExecuteState) -> None:
    # Autocommit would make an UPDATE permanent at once: refuse it before it runs. (Raw SQL
    # text is not inspected; the services write through statements.)
    if state.is_insert or state.is_update or state.is_delete:
        raise ReadOnlyError(f"a read-only session was asked to run {state.statement}")


def read_only(view: F) -> F:
    """Mark a view whose GET only reads: it gets a ``ReadOnlySession``."""
    view.read_only = True  # type: ignore[attr-defined]
    return view


def get_session() -> Session:
    """The session of the current request, opened on first use."""
    if "db_session" not in g:
        if _reads_only():
            g.db_session = ReadOnlySession(current_app.extensions["merchant_onboard.read_engine"],
                                           autoflush=False, expire_on_commit=False)
        else:
            g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def _reads_only() -> bool:
    if not has_request_context() or request.method not in ("GET", "HEAD"):
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "read_only", False)


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def init_app(app: Flask) -> None:
    """Create the app's engine and close each request's session at teardown."""
    settings = dict(echo=app.config["SQL_ECHO"], pre_ping=bool(app.config["DB_PRE_PING"]),
                    recycle=int(app.config["DB_POOL_RECYCLE"]),
                    busy_timeout=float(app.config["DB_BUSY_TIMEOUT"]))
    engine = make_engine(app.config["DATABASE_URL"], **settings)
    app.extensions["merchant_onboard.engine"] = engine
    # Reads on PostgreSQL skip BEGIN and ROLLBACK: a pool of its own whose connections stay in
    # autocommit (switching a shared pool's connection there and back on every request costs
    # more client time than the query), so there is never a transaction to roll back when a
    # connection comes back. The SQLite driver begins only before a write anyway.
    app.extensions["merchant_onboard.read_engine"] = (
        engine if engine.dialect.name == "sqlite"
        else make_engine(app.config["DATABASE_URL"], isolation_level="AUTOCOMMIT",
                         pool_reset_on_return=None, **settings))
    app.teardown_appcontext(close_session)


def engines(app: Flask) -> list[Engine]:
    """Every engine of ``app``: the one for writes, and on PostgreSQL the read-only pool."""
    found = [app.extensions["merchant_onboard.engine"],
             app.extensions["merchant_onboard.read_engine"]]
    return found[:1] if found[0] is found[1] else found


def dispose(app: Flask) -> None:
    """Close every pooled connection of ``app``."""
    for engine in engines(app):
        engine.dispose()
