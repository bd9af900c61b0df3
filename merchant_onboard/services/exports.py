"""Spreadsheet exports of a market's stalls and of the roll-up: streamed, masked, audited.

Each export is recorded in the audit log (who, what, when) and committed before the first
byte is sent; the rows are then read with a server-side cursor in batches, so a market of
any size streams in constant memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from merchant_onboard.domain.banks import default_registry
from merchant_onboard.domain.errors import N_, PermissionDenied, ValidationError
from merchant_onboard.domain.funnel import EventKind
from merchant_onboard.domain.figures import LOCAL_OFFSET, shown_percent, sum_headlines
from merchant_onboard.domain.tables import ROLLUP_COLUMNS, STALL_COLUMNS, csv_chunks, xlsx_chunks
from merchant_onboard.domain.text import mask
from merchant_onboard.models import AuditEntry, Event, Market, PaymentAccount, Stall, User
from merchant_onboard.models.base import utcnow
from merchant_onboard.services import access
from merchant_onboard.services.rollup import place_filter, require_admin, rollup_rows

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
VIETNAM = timezone(LOCAL_OFFSET)
_STALL_WIDTHS = (12, 16, 28, 24, 14, 14, 20, 16, 16, 16, 16, 16, 22, 10, 12, 18, 26, 12)
_ROLLUP_WIDTHS = (16, 30, 16, 20) + (12,) * 11


@dataclass(frozen=True)
class Export:
    """A file ready to send: its name, its media type and its bytes, produced lazily."""

    filename: str
    mimetype: str
    chunks: Iterator[bytes]


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValidationError(N_("Định dạng tệp không hỗ trợ: chọn CSV hoặc XLSX."), field="format")


def _audit(session: Session, *, actor: User, action: str, target: str,
           market_id: int | None, data: dict[str, Any]) -> None:
    session.add(AuditEntry(actor_id=actor.id, action=action, target=target,
                           market_id=market_id, data=data))
    session.commit()


def _encode(fmt: str, header: Sequence[str], rows: Iterator[Sequence[Any]], *, title: str,
            widths: Sequence[int]) -> Iterator[bytes]:
    if fmt == "csv":
        return csv_chunks(header, rows)
    return xlsx_chunks(header, rows, title=title, widths=widths)


def export_stalls(session: Session, *, actor: User, market: Market, fmt: str,
                  headers: Sequence[str], labels: Mapping[str, Mapping[str, str]],
                  now: datetime | None = None) -> Export:
    """Every stall of ``market`` with its primary account, ordered by zone then stall code.

    ``headers`` are the translated titles of ``STALL_COLUMNS``; ``labels`` maps the values of
    the ``status`` and ``refusal_reason`` columns to words. Phones and account numbers are
    masked unless the user may see them in full.
    """
    _check_format(fmt)
    if not access.can_manage(session, actor, market):
        raise PermissionDenied(N_("Chỉ ban quản lý chợ mới làm được việc này."))
    full = access.sees_personal_data(actor, market, access.Surface.EXPORT)
    now = now or utcnow()
    _audit(session, actor=actor, action="export.stalls", target=market.code,
           market_id=market.id, data={"format": fmt, "masked": not full})
    return Export(filename=f"{market.code}-gian-hang-{now.astimezone(VIETNAM):%Y%m%d}.{fmt}",
                  mimetype=FORMATS[fmt],
                  chunks=_encode(fmt, headers, _stall_rows(session, market, full, labels),
                                 title=market.code, widths=_STALL_WIDTHS))


def _stall_rows(session: Session, market: Market, full: bool,
                labels: Mapping[str, Mapping[str, str]]) -> Iterator[list[Any]]:
    # A stall joined when it was first registered. Its own registered_at restarts with a new
    # account (the steps after it must be done again), so a commune counting registrations
    # per month would count it again in the month of the change: the export shows the first.
    first_registered = (select(Event.stall_id, sa.func.min(Event.created_at).label("at"))
                        .where(Event.market_id == market.id,
                               Event.kind == EventKind.REGISTERED.value)
                        .group_by(Event.stall_id).subquery())
    query = (select(Stall, PaymentAccount.bank_bin, PaymentAccount.account_number,
                    PaymentAccount.holder_name, first_registered.c.at)
             .outerjoin(PaymentAccount, (PaymentAccount.stall_id == Stall.id)
                        & PaymentAccount.is_primary.is_(True))
             .outerjoin(first_registered, first_registered.c.stall_id == Stall.id)
             .where(Stall.market_id == market.id)
             .order_by(Stall.zone_key, Stall.sort_key, Stall.id)
             .execution_options(yield_per=1000))
    banks = default_registry()
    statuses, reasons = labels.get("status", {}), labels.get("refusal_reason", {})
    for stall, bin_, account, holder, registered_at in session.exec(query):
        bank = banks.by_bin(bin_) if bin_ else None
        values = {
            "stall_code": stall.stall_code, "zone": stall.zone, "shop_name": stall.shop_name,
            "owner_name": stall.owner_name,
            "owner_phone": stall.owner_phone if full else mask(stall.owner_phone, 3),
            "category": stall.category, "status": statuses.get(stall.status, stall.status),
            "refusal_reason": reasons.get(stall.refusal_reason or "", stall.refusal_reason),
            "recheck_mismatch": stall.recheck_mismatch,
            "bank": bank.short_name if bank else (bin_ or ""),
            "account_number": account if full else mask(account),
            "holder_name": holder or "", "public_code": stall.public_code,
        }
        moments = {"registered_at": registered_at or stall.registered_at,
                   **{column: getattr(stall, column) for column in (
                       "printed_at", "installed_at", "test_paid_at", "first_paid_at")}}
        for column, moment in moments.items():
            values[column] = moment.astimezone(VIETNAM) if moment else None
        yield [values[key] for key, _ in STALL_COLUMNS]
        session.expunge(stall)


def export_rollup(session: Session, *, actor: User, fmt: str, headers: Sequence[str],
                  total_label: Callable[[int], str], province: str = "", ward: str = "",
                  sort: str = "name", descending: bool = False,
                  now: datetime | None = None) -> Export:
    """The roll-up's rows (every filtered market, sorted as on the page), then their totals
    as the page's last row gives them; administrators only.

    The totals row has no code, and ``total_label(number of markets)`` as its name: a
    commune reports the sum, whose rate and target are not the sums of the rows'. A filter
    finding no market gives the header alone."""
    _check_format(fmt)
    require_admin(actor)
    now = now or utcnow()
    rows = rollup_rows(session, province=province, ward=ward, sort=sort, descending=descending)
    # No market, no totals (as on the page): a row of zeros and a 0 % target read as figures.
    totals = [("", total_label(len(rows)), "", "", sum_headlines(r.headline for r in rows))
              ] if rows else []
    _audit(session, actor=actor, action="export.rollup", target=province or "*",
           market_id=None, data={"format": fmt, "province": province,
                                 "ward": place_filter(province, ward)[1],
                                 "markets": len(rows)})

    def lines() -> Iterator[list[Any]]:
        for code, name, province, ward, h in (
                *((r.code, r.name, r.province, r.ward, r.headline) for r in rows), *totals):
            values = {"code": code, "name": name, "province": province, "ward": ward,
                      "adoption_pct": shown_percent(h.adoption, short_of=h.unreached_target),
                      **vars(h)}
            yield [values[key] for key, _ in ROLLUP_COLUMNS]

    return Export(filename=f"tong-hop-cac-cho-{now.astimezone(VIETNAM):%Y%m%d}.{fmt}",
                  mimetype=FORMATS[fmt],
                  chunks=_encode(fmt, headers, lines(), title="tong-hop",
                                 widths=_ROLLUP_WIDTHS))
