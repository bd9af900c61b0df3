"""Racing another request inside one service call: what two volunteers (or two taps) do at
the same moment, made deterministic."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session

from merchant_onboard.db import get_engine


def rival_first(session: Session, app: Flask, act: Callable[[Session], object]) -> None:
    """Run ``act`` in another session just before ``session`` first writes (its first UPDATE
    or DELETE, its first flush when it has only read, or a SELECT taking row locks for the
    writes to come): the moment a second request can overtake the first, after the first's
    checks and before its writes. (After a row lock, a rival on PostgreSQL would wait for this
    session's end, which in one thread never comes.)"""
    done: list[bool] = []

    def overtake() -> None:
        if not done:
            done.append(True)
            with Session(get_engine(app), expire_on_commit=False) as other:
                act(other)

    def before_update(orm_execute_state) -> None:
        # SQLAlchemy keeps a SELECT's FOR UPDATE in ``_for_update_arg``; it has no public
        # getter, and a test helper may read it.
        locks = orm_execute_state.is_select and getattr(
            orm_execute_state.statement, "_for_update_arg", None) is not None
        if orm_execute_state.is_update or orm_execute_state.is_delete or locks:
            overtake()

    def before_flush(flushing, _context, _instances) -> None:
        if flushing.new or flushing.dirty or flushing.deleted:
            overtake()

    sa.event.listen(session, "do_orm_execute", before_update)
    sa.event.listen(session, "before_flush", before_flush)
