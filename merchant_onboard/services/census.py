"""Importing a market's census: preview what a file would add, update or reject, then apply it.

Re-importing is safe: rows are matched by stall code (upsert), nothing is duplicated, and
stalls missing from the file are left alone. An empty cell never erases a stored value, and
the details of a stall a volunteer has already registered (checked with the owner) are only
filled in where empty, never overwritten by a spreadsheet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from merchant_onboard.domain.census import FIELDS, CensusFile, CensusRow
from merchant_onboard.domain.errors import N_, ConflictError, PermissionDenied, ValidationError
from merchant_onboard.domain.funnel import Status
from merchant_onboard.domain.text import code_key
from merchant_onboard.models import AuditEntry, Market, Stall, User
from merchant_onboard.models.base import utcnow
from merchant_onboard.services import access
from merchant_onboard.services.stalls import apply_details, unused_public_code

ADD, UPDATE, UNCHANGED, REJECT = "add", "update", "unchanged", "reject"


@dataclass(frozen=True)
class PlannedRow:
    """What importing one line does: ``changes`` and ``kept`` are (field, stored, in file)."""

    line: int
    code: str
    action: str
    values: dict[str, str]
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    kept: list[tuple[str, str, str]] = field(default_factory=list)
    errors: list[ValidationError] = field(default_factory=list)


@dataclass(frozen=True)
class CensusPlan:
    """The row-by-row report shown before confirming (and after applying)."""

    rows: list[PlannedRow]
    columns: dict[str, str]
    ignored: list[str]
    #: The CSV's encoding, as ``CensusFile.encoding``.
    encoding: str | None = None

    @property
    def counts(self) -> Counter[str]:
        return Counter(row.action for row in self.rows)

    @property
    def accepted(self) -> list[CensusRow]:
        """The lines worth confirming: new stalls and changed ones."""
        return [CensusRow(r.line, r.values) for r in self.rows if r.action in (ADD, UPDATE)]


def _require_manager(session: Session, actor: User, market: Market) -> None:
    if not access.can_manage(session, actor, market):
        raise PermissionDenied(N_("Chỉ ban quản lý chợ mới làm được việc này."))


def preview_census(session: Session, *, actor: User, market: Market,
                   census: CensusFile) -> CensusPlan:
    """What importing ``census`` into ``market`` would do; writes nothing."""
    _require_manager(session, actor, market)
    existing = _existing(session, market, [r.code for r in census.rows if not r.errors])
    return CensusPlan(rows=[_plan(row, existing.get(row.code)) for row in census.rows],
                      columns=census.columns, ignored=census.ignored,
                      encoding=census.encoding)


#: Rows written per transaction. On SQLite a transaction holds the whole database's write
#: lock: 500 rows keep it to a fraction of a second, so a volunteer registering meanwhile
#: waits that long, not the whole import (10,000 rows held it 36 s in one transaction).
CHUNK_ROWS = 500


def apply_census(session: Session, *, actor: User, market: Market, rows: list[CensusRow],
                 skipped: Mapping[str, int] | None = None,
                 at: datetime | None = None) -> CensusPlan:
    """Add and update the stalls of ``rows``, ``CHUNK_ROWS`` per transaction; commits.

    ``skipped`` counts the file's lines the preview left out (``UNCHANGED``, ``REJECT``): only
    the lines to write come back with the confirmation, and the audit entry counts them all.

    The plan is made again against what is stored now, so a stall registered between the
    preview and the confirmation keeps its checked details. Each row is an upsert by stall
    code: if a chunk fails, confirming again skips what the earlier chunks stored.
    """
    _require_manager(session, actor, market)
    at = at or utcnow()
    skip = {UNCHANGED: 0, REJECT: 0, **{k: int(v) for k, v in (skipped or {}).items()
                                        if k in (UNCHANGED, REJECT)}}
    existing = _existing(session, market, [r.code for r in rows])
    plan = CensusPlan(rows=[_plan(row, existing.get(row.code)) for row in rows],
                      columns={}, ignored=[])
    try:
        for start in range(0, len(plan.rows), CHUNK_ROWS):
            # No flush while the chunk is built: the write lock is taken at its commit only.
            with session.no_autoflush:
                for planned in plan.rows[start:start + CHUNK_ROWS]:
                    _apply_row(session, market, planned, existing.get(planned.code), at)
            session.commit()
        counts = plan.counts
        session.add(AuditEntry(actor_id=actor.id, action="census.import", target=market.code,
                               market_id=market.id,
                               data={"added": counts[ADD], "updated": counts[UPDATE],
                                     "unchanged": counts[UNCHANGED] + skip[UNCHANGED],
                                     "rejected": skip[REJECT]}))
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ConflictError(N_("Danh sách vừa được thay đổi cùng lúc. Hãy nhập lại tệp.")) \
            from None
    except Exception:
        session.rollback()
        raise
    return plan


def _apply_row(session: Session, market: Market, planned: PlannedRow, stall: Stall | None,
               at: datetime) -> None:
    if planned.action == ADD:
        stall = Stall(market_id=market.id, public_code=unused_public_code(session),
                      status=Status.CENSUS.value, status_changed_at=at, created_at=at,
                      updated_at=at)
        apply_details(stall, {name: planned.values.get(name, "") for name in FIELDS})
        session.add(stall)
    elif planned.action == UPDATE and stall is not None:
        current = {name: getattr(stall, name) for name in FIELDS}
        apply_details(stall, {**current, **{f: new for f, _, new in planned.changes}})
        stall.updated_at = at
        session.add(stall)


def _existing(session: Session, market: Market, codes: list[str]) -> dict[str, Stall]:
    """The market's stalls of ``codes``, by code as the file writes it: "A-01" in the file
    finds the stall A-1 (the same ``code_key``)."""
    by_key: dict[str, Stall] = {}
    keys = sorted({code_key(code) for code in codes})
    # Chunks keep the IN list within SQLite's bound on query parameters.
    for start in range(0, len(keys), 900):
        chunk = keys[start:start + 900]
        for stall in session.exec(select(Stall).where(Stall.market_id == market.id,
                                                      Stall.code_key.in_(chunk))):
            by_key[stall.code_key] = stall
    return {code: by_key[code_key(code)] for code in codes if code_key(code) in by_key}


def _plan(row: CensusRow, stall: Stall | None) -> PlannedRow:
    if row.errors:
        return PlannedRow(row.line, row.code, REJECT, row.values, errors=row.errors)
    if stall is None:
        return PlannedRow(row.line, row.code, ADD, row.values)
    checked = stall.registered_at is not None
    changes, kept = [], []
    for name, new in row.values.items():
        old = getattr(stall, name) or ""
        if name == "stall_code" or new == old:
            continue
        if checked and old:
            kept.append((name, old, new))
        else:
            changes.append((name, old, new))
    return PlannedRow(row.line, row.code, UPDATE if changes else UNCHANGED, row.values,
                      changes=changes, kept=kept)
