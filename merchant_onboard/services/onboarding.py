"""Recording onboarding events: the status and its event are written in one transaction.

Concurrency (DESIGN §11), on SQLite and PostgreSQL alike:
- the status moves with a conditional UPDATE (``WHERE status = <what we read>``), so two
  volunteers recording on the same stall at once cannot both win;
- a change to a stall's accounts or posters first takes the stall with ``lock_stall`` (its
  ``version`` as an optimistic lock), so it reads and writes them alone; a poster batch takes
  its stalls the same way, a few hundred a statement (``step_many``);
- the database has the last word (one primary account per stall, poster versions unique);
- whoever loses a race gets a conflict, or the first result when it is a retry of the same
  client id (``idempotent``), never a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from merchant_onboard.domain.errors import N_, ConflictError, DomainError, ValidationError
from merchant_onboard.domain.event_data import clean_event_data, memo_code
from merchant_onboard.domain.funnel import MANUAL_EVENTS, EventKind, Status, next_status
from merchant_onboard.domain.recheck import Verdict
from merchant_onboard.domain.vietqr import parse
from merchant_onboard.models import Event, PaymentAccount, Poster, Stall, User
from merchant_onboard.models.base import utcnow
from merchant_onboard.services.verification import judge_at_stall

#: The stall column stamped when a milestone is first reached.
MILESTONE_COLUMNS = {
    Status.REGISTERED: "registered_at",
    Status.POSTER_PRINTED: "printed_at",
    Status.POSTER_INSTALLED: "installed_at",
    Status.TEST_PAYMENT_VERIFIED: "test_paid_at",
    Status.FIRST_PAYMENT_CONFIRMED: "first_paid_at",
}


@dataclass(frozen=True)
class Outcome:
    """The event written (or found again for a retried client id) and the stall after it."""

    event: Event
    stall: Stall
    created: bool


def find_by_client_id(session: Session, client_id: str) -> Event | None:
    return session.exec(select(Event).where(Event.client_id == client_id)).first()


#: The length of an idempotency key: a UUID fits, a typo ("1") does not.
CLIENT_ID_MIN, CLIENT_ID_MAX = 8, 64


def check_client_id(client_id: str) -> str:
    client_id = (client_id or "").strip()
    if not CLIENT_ID_MIN <= len(client_id) <= CLIENT_ID_MAX:
        raise ValidationError(N_("Mã yêu cầu (client_id) cần 8–64 ký tự."), field="client_id")
    return client_id


def replay(session: Session, client_id: str, *, stall_id: int | None, kind: str,
           market_id: int | None = None) -> Outcome | None:
    """The first result of a retried request, or None when ``client_id`` is new.

    A client id reused for another stall, market or kind of event is a client bug: refused
    (answering with the first result would show a stall of another market).
    """
    event = find_by_client_id(session, client_id)
    if event is None:
        return None
    if event.kind != kind or (stall_id is not None and event.stall_id != stall_id) or \
            (market_id is not None and event.market_id != market_id):
        raise ConflictError(N_("Mã yêu cầu này đã dùng cho một thao tác khác."),
                            field="client_id")
    stall = session.get(Stall, event.stall_id)
    assert stall is not None
    return Outcome(event=event, stall=stall, created=False)


def primary_account(session: Session, stall_id: int) -> PaymentAccount | None:
    """The stall's primary account: at most one, by a partial unique index."""
    query = select(PaymentAccount).where(PaymentAccount.stall_id == stall_id,
                                         PaymentAccount.is_primary.is_(True))
    return session.exec(query).one_or_none()


#: What the loser of a race on one stall is told.
STALL_CHANGED = N_("Gian hàng vừa được người khác cập nhật. Tải lại trang rồi thử lại.")


def lock_stall(session: Session, stall: Stall) -> None:
    """Take ``stall`` for the current transaction, or raise a conflict if it changed since it
    was read; the first write of any change to its accounts or posters.

    The stall's ``version`` is the optimistic lock (Cosmic Python's ``version_number``). On
    PostgreSQL the UPDATE also holds the row, so a concurrent writer waits, then finds the
    version moved; SQLite serialises writers, with the same outcome.
    """
    result = session.execute(
        sa.update(Stall).where(Stall.id == stall.id, Stall.version == stall.version)
        .values(version=Stall.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise ConflictError(STALL_CHANGED)
    session.refresh(stall)


def _believable(device_time: datetime | None, *, after: datetime | None) -> datetime | None:
    """The phone's time of a step, unless its clock puts it before ``after`` (a phone whose
    clock runs late dated a first payment before the stall was registered)."""
    if device_time is None or (after is not None and device_time < after):
        return None
    return device_time


def _step(stall: Stall, kind: EventKind, *, data: dict[str, Any], at: datetime,
          has_account: bool) -> tuple[Status, dict[str, Any]]:
    """What recording ``kind`` on ``stall`` (as it was read) writes to the stall's row: the
    status it moves from, and the columns' new values. The funnel's rules for one step, the
    same for one stall (``write_event``) as for a batch of them (``step_many``)."""
    old = Status(stall.status)
    new = next_status(old, kind, has_account=has_account)
    values: dict[str, Any] = {"updated_at": at}
    if new != old:
        values.update(status=new.value, status_changed_at=at)
        column = MILESTONE_COLUMNS.get(new)
        if column and (getattr(stall, column) is None or new == Status.REGISTERED):
            values[column] = at
    if kind == EventKind.REFUSED:
        values["refusal_reason"] = data.get("reason")
    elif new != Status.REFUSED and stall.refusal_reason:
        values["refusal_reason"] = None
    if new == Status.REGISTERED and (new != old or kind == EventKind.ACCOUNT_CHANGED):
        # Back to registered (a new account, a reopened or re-registered stall): the later
        # milestones must be reached again, and are dated when they are. A date kept from
        # before the restart came before the new registered_at: the dashboard's wait to a
        # first payment went negative and a fresh print showed as weeks stuck.
        values.update(printed_at=None, installed_at=None, test_paid_at=None,
                      first_paid_at=None)
    if kind == EventKind.ACCOUNT_CHANGED:
        values["recheck_mismatch"] = False
    return old, values


def write_event(session: Session, *, stall: Stall, kind: EventKind, actor: User,
                client_id: str, data: dict[str, Any], at: datetime,
                device_time: datetime | None = None, has_account: bool) -> Event:
    """Move ``stall`` by ``kind`` and append the event; flushes, the caller commits."""
    old, values = _step(stall, kind, data=data, at=at, has_account=has_account)
    # No session sync: the stall is refreshed below, and the default checked the UPDATE
    # against every stall the session holds, which made a batch of n stalls cost n².
    result = session.execute(
        sa.update(Stall).where(Stall.id == stall.id, Stall.status == old.value).values(**values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise ConflictError(STALL_CHANGED)
    event = Event(stall_id=stall.id, market_id=stall.market_id, kind=kind.value,
                  actor_id=actor.id, created_at=at,
                  device_time=device_time, client_id=client_id, data=data)
    session.add(event)
    session.flush()
    session.refresh(stall)
    return event


#: Rows one statement names by their keys: far inside both backends' limits on bound
#: parameters (SQLite's 32,766, PostgreSQL's 65,535), two per row.
_ROWS_PER_STATEMENT = 500


def step_many(session: Session, stalls: Sequence[Stall], kind: EventKind, *,
              at: datetime) -> None:
    """Take every stall of ``stalls`` and move it by ``kind``, as ``lock_stall`` then
    ``write_event`` do for one, in a few statements however many stalls there are.

    Stalls that move alike (the same status before, the same columns written) are updated
    together, each named by its id and the ``version`` it was read at: a stall changed since
    makes the count short, and the whole step a conflict. Nothing is refreshed: the caller
    writes the events and commits. A batch of 1,261 stalls took seven round trips a stall.
    """
    alike: dict[tuple[str, tuple[tuple[str, Any], ...]], list[tuple[int, int]]] = {}
    for stall in stalls:
        old, values = _step(stall, kind, data={}, at=at, has_account=True)
        key = (old.value, tuple(sorted(values.items())))
        alike.setdefault(key, []).append((stall.id, stall.version))
    for (old_status, values), keys in alike.items():
        for start in range(0, len(keys), _ROWS_PER_STATEMENT):
            chunk = keys[start:start + _ROWS_PER_STATEMENT]
            result = session.execute(
                sa.update(Stall)
                .where(sa.tuple_(Stall.id, Stall.version).in_(chunk),
                       Stall.status == old_status)
                .values({**dict(values), "version": Stall.version + 1})
                .execution_options(synchronize_session=False))
            if result.rowcount != len(chunk):
                raise ConflictError(STALL_CHANGED)


def record_event(session: Session, *, actor: User, stall: Stall, kind: str, client_id: str,
                 data: dict[str, Any] | None = None, device_time: datetime | None = None,
                 at: datetime | None = None, default_test_amount: int = 2000) -> Outcome:
    """Record one manual event on ``stall`` (access already checked); commits."""
    client_id = check_client_id(client_id)
    try:
        event_kind = EventKind(kind)
    except ValueError:
        raise ValidationError(N_("Loại sự kiện không hợp lệ."), field="kind") from None
    if event_kind not in MANUAL_EVENTS:
        raise ValidationError(N_("Loại sự kiện không hợp lệ."), field="kind")
    return idempotent(session, client_id, kind=event_kind.value, stall_id=stall.id,
                      operation=lambda: _record(session, actor=actor, stall=stall,
                                                event_kind=event_kind, client_id=client_id,
                                                data=data,
                                                device_time=device_time, at=at or utcnow(),
                                                default_test_amount=default_test_amount))


def _record(session: Session, *, actor: User, stall: Stall, event_kind: EventKind,
            client_id: str, data: dict[str, Any] | None, device_time: datetime | None,
            at: datetime, default_test_amount: int) -> Outcome:
    account = primary_account(session, stall.id)
    # A step that does not apply is refused before its data is judged: "not now" is the answer.
    next_status(Status(stall.status), event_kind, has_account=account is not None)
    cleaned = clean_event_data(event_kind, data, now=at, expected_memo=memo_code(stall.public_code),
                               default_amount=default_test_amount,
                               registered_at=stall.registered_at,
                               happened_at=_believable(device_time, after=stall.registered_at))

    def write() -> tuple[Event, Stall]:
        if event_kind == EventKind.POSTER_PRINTED:
            if account is None:
                raise ValidationError(N_("Gian hàng chưa có tài khoản ngân hàng."), field="kind")
            # The version is counted under the stall's lock: two prints at once get 1 and 2.
            lock_stall(session, stall)
            cleaned["poster_version"] = issue_poster(
                session, stall=stall, account=account, fmt=cleaned.get("format", "a6"),
                actor=actor, at=at).version
        if event_kind == EventKind.RECHECK:
            # Only the verdict is kept, masked: the scanned payloads spell out account numbers.
            cleaned.update(recheck_outcome(session, stall, account, cleaned.pop("payloads")))
        event = write_event(session, stall=stall, kind=event_kind, actor=actor,
                            client_id=client_id, data=cleaned, at=at, device_time=device_time,
                            has_account=account is not None)
        if event_kind == EventKind.RECHECK:
            stall.recheck_mismatch = not cleaned["match"]
            session.add(stall)
        if event_kind == EventKind.POSTER_INSTALLED and \
                cleaned.get("latitude") is not None and cleaned.get("longitude") is not None:
            # Where the poster went up is where the stall stands, as last measured: the
            # stall's position (for a map, a later visit) was left as registration had it.
            stall.latitude, stall.longitude = cleaned["latitude"], cleaned["longitude"]
            session.add(stall)
        return event, stall

    return commit_once(session, write)


def idempotent(session: Session, client_id: str, *, kind: str, operation: Callable[[], Outcome],
               stall_id: int | None = None, market_id: int | None = None,
               on_integrity_error: Callable[[], None] | None = None) -> Outcome:
    """Run ``operation`` (checks, writes and commit) once per client id.

    A retry gets the first result. So does a retry that races the first request: whatever the
    loser ran into (a duplicate the first just wrote, a status it just moved, a unique index),
    the first result is looked for again before the loser's error is said. A clash with a
    unique constraint that is not a retry becomes ``on_integrity_error``'s more precise error,
    or a plain conflict: never a 500.
    """
    found = replay(session, client_id, stall_id=stall_id, kind=kind, market_id=market_id)
    if found:
        return found
    try:
        return operation()
    except (DomainError, IntegrityError) as error:
        session.rollback()
        found = replay(session, client_id, stall_id=stall_id, kind=kind, market_id=market_id)
        if found:
            return found
        if not isinstance(error, IntegrityError):
            raise
        if on_integrity_error is not None:
            on_integrity_error()
        raise ConflictError(STALL_CHANGED) from None


def commit_once(session: Session, write: Callable[[], tuple[Event, Stall]]) -> Outcome:
    """Run ``write`` and commit it as one transaction, or roll all of it back."""
    try:
        event, stall = write()
        session.commit()
    except Exception:
        session.rollback()
        raise
    return Outcome(event=event, stall=stall, created=True)


def recheck_outcome(session: Session, stall: Stall, account: PaymentAccount | None,
                    payloads: list[str]) -> dict[str, Any]:
    """Judge every code read at the stall: the verdict, each code masked, and ``match``."""
    if account is None:
        raise ValidationError(N_("Gian hàng chưa có tài khoản ngân hàng."), field="payloads")
    verdict = judge_at_stall(session, stall, [parse(p) for p in payloads])
    if not verdict.conclusive:
        # A website's QR neither clears nor raises the flag customers see: ask for the poster.
        raise ValidationError(N_("Ảnh không có mã thanh toán nào, chỉ có mã QR khác (ví dụ "
                                 "trang web). Hãy chụp mã QR trên poster của gian hàng."),
                              field="payloads")
    return {**verdict.to_dict(), "match": verdict.result is Verdict.MATCH}


def issue_poster(session: Session, *, stall: Stall, account: PaymentAccount, fmt: str,
                 actor: User, at: datetime, batch_id: str | None = None) -> Poster:
    """Record that a poster of ``account`` was printed; versions count up per stall."""
    latest = session.exec(select(sa.func.max(Poster.version))
                          .where(Poster.stall_id == stall.id)).one()
    poster = Poster(stall_id=stall.id, account_id=account.id, payload_hash=account.payload_hash,
                    format=fmt, version=(latest or 0) + 1,
                    printed_by_id=actor.id, printed_at=at, batch_id=batch_id)
    session.add(poster)
    session.flush()
    return poster


def issue_posters(session: Session, printed: Sequence[tuple[Stall, PaymentAccount]], *,
                  fmt: str, actor: User, at: datetime, batch_id: str) -> dict[int, int]:
    """``issue_poster`` for each stall of a batch, taken first (``step_many``): one query for
    the versions so far and one INSERT. Returns each stall's new poster version by its id."""
    ids = [stall.id for stall, _ in printed]
    latest: dict[int, int] = {}
    for start in range(0, len(ids), _ROWS_PER_STATEMENT):
        latest.update(session.execute(
            select(Poster.stall_id, sa.func.max(Poster.version))
            .where(Poster.stall_id.in_(ids[start:start + _ROWS_PER_STATEMENT]))
            .group_by(Poster.stall_id)).all())
    versions = {stall.id: latest.get(stall.id, 0) + 1 for stall, _ in printed}
    if printed:
        session.execute(sa.insert(Poster), [
            {"stall_id": stall.id, "account_id": account.id,
             "payload_hash": account.payload_hash, "format": fmt,
             "version": versions[stall.id], "printed_by_id": actor.id, "printed_at": at,
             "batch_id": batch_id, "revoked_at": None}
            for stall, account in printed])
    return versions
