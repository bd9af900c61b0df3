"""Reading stalls: the searchable list, one stall's page, its primary accounts, a market's zones."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlmodel import Session, select

from merchant_onboard.domain.errors import N_, NotFoundError, ValidationError
from merchant_onboard.domain.figures import AgeingRule, ageing_rule
from merchant_onboard.domain.text import (
    clean_text, code_key, fold_search, normalize_phone, one_spelling_each, search_spelling,
    zone_key,
)
from merchant_onboard.models import Event, Market, PaymentAccount, Poster, Stall
from merchant_onboard.models.base import utcnow


#: The longest search text: longer than any code, name or phone anyone looks for. SQLite
#: refuses a LIKE pattern over 50,000 bytes, where PostgreSQL ran it: bounded, both agree.
SEARCH_MAX = 200


class StallSummary(NamedTuple):
    """A stall as a list shows it: a plain tuple, cheaper to make than an ORM object."""

    id: int
    stall_code: str
    zone: str
    shop_name: str
    owner_name: str
    status: str


@dataclass(frozen=True)
class StallView:
    """A stall with what its page shows: accounts (primary first), history, posters."""

    stall: Stall
    market: Market
    accounts: list[PaymentAccount]
    events: list[Event]
    posters: list[Poster]

    @property
    def primary(self) -> PaymentAccount | None:
        return next((a for a in self.accounts if a.is_primary), None)


def stall_view(session: Session, stall: Stall, market: Market) -> StallView:
    """Everything the stall page shows, newest history first."""
    accounts = list(session.exec(
        select(PaymentAccount).where(PaymentAccount.stall_id == stall.id)
        .order_by(PaymentAccount.is_primary.desc(), PaymentAccount.created_at.desc())))
    events = list(session.exec(select(Event).where(Event.stall_id == stall.id)
                               .order_by(Event.created_at.desc(), Event.id.desc())))
    posters = list(session.exec(select(Poster).where(Poster.stall_id == stall.id)
                                .order_by(Poster.version.desc())))
    return StallView(stall=stall, market=market, accounts=accounts, events=events,
                     posters=posters)


def search_stalls(session: Session, *, market: Market, query: str = "",
                  status: str | None = None, zone: str | None = None,
                  stuck: AgeingRule | None = None, now: datetime | None = None,
                  limit: int = 50, offset: int = 0, summary: bool = False,
                  phone_tail: bool = False) -> tuple[list[Any], int]:
    """Stalls of ``market`` matching ``query`` (code, shop or owner, accents ignored; the
    code also without its separators, so ``a1`` and ``A 1`` find ``A-1``, or as read aloud
    (``code_key``), so ``A-1`` finds ``A-01``; or the owner's phone number, whole or its last
    four to nine digits), in natural order of zone then stall code, the stall whose code was
    typed first, with the total count.
    With ``stuck`` only the stalls on that ageing rule's list at ``now`` (the dashboard's).

    ``zone`` is matched as ``zone_key`` compares zones (case, NFC), and zones sort by that key,
    so a zone's stalls stand together however each was spelled. A ``query`` longer than
    ``SEARCH_MAX`` is a ValidationError on ``q``.

    The last digits of a phone find it only with ``phone_tail``, for those who see phones in
    full: to anyone else (an admin, who sees them masked) a search by parts would spell a
    number out digit by digit; a whole number only confirms one already known.

    With ``summary`` the rows are ``StallSummary`` tuples of what a list page shows: building
    50 ORM objects costs more than the query.
    """
    query = clean_text(query or "", field="q", max_length=SEARCH_MAX)
    folded = fold_search(query)
    params: dict[str, Any] = {"market_id": market.id, "status": status,
                              "zone_key": zone_key(zone) if zone else None,
                              "limit": limit, "offset": offset}
    if folded:
        escaped = _like_escaped(folded)
        # The names as search_text spells them ("Mỹ" and "Mĩ" alike). A last word the query
        # spells with its "y" is that whole word: "my" finds "Mĩ", not the start of "Minh".
        spelled = search_spelling(folded)
        whole = spelled.rsplit(" ", 1)[-1] != folded.rsplit(" ", 1)[-1]
        params["pattern"] = f"%{_like_escaped(spelled)}{' ' if whole else ''}%"
        compact = _CODE_SEPARATORS.sub("", escaped)
        params["compact"] = f"%{compact}%" if compact else params["pattern"]
        params["phone"] = _phone_or_none(query)
        params["phone_tail"] = _phone_tail_or_none(query) \
            if phone_tail and params["phone"] is None else None
        # The stall whose code this is, as read aloud: "A-1" and "a1" find a census's "A-01",
        # which no substring of it holds (registering "A-1" is refused as its code). Only what
        # could be a code: the key of "Phở 24" is "PH-24".
        params["code_key"] = code_key(query) if _CODE_LIKE.fullmatch(query) else None
    if stuck is not None:
        params["stuck_before"] = (now or utcnow()) - timedelta(days=stuck.days)
    page, count = _search_statements(summary, bool(folded), bool(status), bool(zone),
                                     stuck.key if stuck else None)
    # Columns need no ORM: run on the session's connection, Core costs a third less per query.
    found = (session.connection() if summary else session).execute(page, params).all()
    if found:
        total = found[0].total
    else:
        # An empty page says nothing of the count (an offset past the end): ask for it.
        total = session.execute(count, params).scalar_one()
    if summary:
        return [StallSummary(*row[:-1]) for row in found], total
    return [row[0] for row in found], total


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


#: What people type between a stall code's parts, or leave out: ``A-1``, ``A 1``, ``A.1``, ``a1``.
_CODE_SEPARATORS = re.compile(r"[\s\-./]+")
#: A search that could be a stall code: ASCII letters and digits, and those separators
#: (codes are written so: domain.registration).
_CODE_LIKE = re.compile(r"[A-Za-z0-9\s\-./]+")


def _phone_or_none(query: str) -> str | None:
    try:
        return normalize_phone(query)
    except ValidationError:
        return None


#: The last digits of a phone number as people say them ("số đuôi 5678", "345 678"): four to
#: nine digits, spaced or not. Fewer would find half the market.
_PHONE_TAIL = re.compile(r"[0-9](?:[\s.\-]*[0-9]){3,8}")


def looks_like_phone_tail(query: str) -> bool:
    """Whether ``query`` reads as a phone number's last digits (what ``phone_tail`` finds)."""
    return _PHONE_TAIL.fullmatch(query.strip()) is not None


def _phone_tail_or_none(query: str) -> str | None:
    """The LIKE pattern of the phone numbers ending in the digits typed, or None."""
    if not looks_like_phone_tail(query):
        return None
    return "%" + re.sub(r"[^0-9]", "", query)


def stuck_condition(rule: AgeingRule, before: Any) -> sa.ColumnElement[bool]:
    """Stalls on ``rule``'s list: at one of its statuses, reached before ``before``."""
    return sa.and_(Stall.status.in_([status.value for status in rule.statuses]),
                   getattr(Stall, rule.since) < before)


def _compact_code() -> sa.ColumnElement[str]:
    """The stall code lowercased without separators, as ``_CODE_SEPARATORS`` strips a query
    (codes hold letters, digits, spaces and - . /, see domain.registration)."""
    code: sa.ColumnElement[str] = sa.func.lower(Stall.stall_code)
    for separator in (" ", "-", ".", "/"):
        code = sa.func.replace(code, separator, "")
    return code


@functools.cache
def _search_statements(summary: bool, by_text: bool, by_status: bool, by_zone: bool,
                       stuck_key: str | None) -> tuple[sa.Select, sa.Select]:
    """The page and count queries for one combination of filters, built once.

    Values arrive as bound parameters. A list page is the most frequent request: building
    the statement each time cost about as much as running it (bench/bench_web.py).
    """
    where = [Stall.market_id == sa.bindparam("market_id")]
    if by_text:
        # A space after the text, so that a pattern ending in one matches a last word too.
        where.append(sa.or_(Stall.search_text.concat(" ").like(sa.bindparam("pattern"),
                                                               escape="\\"),
                            _compact_code().like(sa.bindparam("compact"), escape="\\"),
                            Stall.code_key == sa.bindparam("code_key"),
                            Stall.owner_phone == sa.bindparam("phone"),
                            Stall.owner_phone.like(sa.bindparam("phone_tail"))))
    if by_status:
        where.append(Stall.status == sa.bindparam("status"))
    if by_zone:
        where.append(Stall.zone_key == sa.bindparam("zone_key"))
    if stuck_key:
        where.append(stuck_condition(ageing_rule(stuck_key), sa.bindparam("stuck_before")))
    columns = (Stall.id, Stall.stall_code, Stall.zone, Stall.shop_name, Stall.owner_name,
               Stall.status) if summary else (Stall,)
    # The total rides along on every row (a window count), so a page is one query.
    total_column = sa.func.count().over().label("total")
    # A search for a code lists that stall first: "H-1" among the 1,111 stalls it is part of
    # (H-10, H-100…) was on no page a volunteer would turn to.
    first = (sa.case((Stall.code_key == sa.bindparam("code_key"), 0), else_=1),) \
        if by_text else ()
    page = (sa.select(*columns, total_column).where(*where)
            .order_by(*first, Stall.zone_key, Stall.sort_key, Stall.id)
            .limit(sa.bindparam("limit")).offset(sa.bindparam("offset")))
    count = sa.select(sa.func.count()).select_from(Stall).where(*where)
    return page, count


def primary_accounts(session: Session, stall_ids: list[int]) -> dict[int, PaymentAccount]:
    """The primary account of each stall in ``stall_ids`` (one query for a list page)."""
    if not stall_ids:
        return {}
    rows = session.exec(select(PaymentAccount).where(PaymentAccount.stall_id.in_(stall_ids),
                                                     PaymentAccount.is_primary.is_(True)))
    return {row.stall_id: row for row in rows}


def market_zones_column() -> sa.ScalarSelect[Any]:
    """A column for a query over Market: its stalls' distinct zones, as a JSON array
    (``access.enter_market(…, zones=True)`` reads it with the market, for a filter's choices;
    ``zones_from`` turns it into a list)."""
    return (sa.select(_DistinctArray(Stall.zone)).where(Stall.market_id == Market.id)
            .scalar_subquery().label("zones"))


def market_zones(session: Session, market: Market) -> list[str]:
    """The zones ``market``'s stalls are in, each once, in list order (``zones_from``)."""
    found = session.execute(sa.select(market_zones_column()).where(Market.id == market.id)
                            ).scalar()
    return one_spelling_each(zones_from(found))


def zones_from(found: list[str] | None) -> list[str]:
    """The zones a ``market_zones_column`` holds (None when the market has no stall), in the
    order lists show them (``zone_key``), whatever the database's collation; a zone's
    spellings in capitals, or with a number's leading zeros, after the others, as a filter
    offers its first spelling (``one_spelling_each``)."""
    return sorted((zone for zone in found or () if zone), key=_zone_order)


@functools.lru_cache(maxsize=1024)
def _zone_order(zone: str) -> tuple[str, bool, bool, str]:
    """Where ``zones_from`` puts a stored zone. Remembered: every list page sorts its market's
    few zones, the same ones request after request, and their Vietnamese order costs a tenth
    of a millisecond each time; a pure function of stored zones (at most 64 characters), so
    nothing goes stale and 1,024 of them hold under a megabyte."""
    return zone_key(zone), zone.isupper(), _PADDED_NUMBER.search(zone) is not None, zone


#: A number written with leading zeros ("Dãy 02"): a census sheet's spelling, not the usual one.
_PADDED_NUMBER = re.compile(r"(?<![0-9])0[0-9]")


class _DistinctArray(sa.sql.functions.FunctionElement[Any]):
    """The aggregate of its argument's distinct values as a JSON array (in no set order): the
    values of many rows as one, for a column of a query that reads one row."""

    type = sa.JSON()
    inherit_cache = True
    name = "distinct_array"


@compiles(_DistinctArray, "postgresql")
def _json_agg(element: _DistinctArray, compiler: Any, **kw: Any) -> str:
    return f"json_agg(DISTINCT {compiler.process(element.clauses, **kw)})"


@compiles(_DistinctArray, "sqlite")
def _json_group_array(element: _DistinctArray, compiler: Any, **kw: Any) -> str:
    return f"json_group_array(DISTINCT {compiler.process(element.clauses, **kw)})"


def get_stall_by_code(session: Session, market: Market, code: str) -> Stall:
    """The stall of ``market`` with ``code`` however it is typed ("a2" is A-2: ``code_key``)."""
    stall = session.exec(select(Stall).where(Stall.market_id == market.id,
                                             Stall.code_key == code_key(code))).first()
    if stall is None:
        raise NotFoundError(N_("Không tìm thấy gian hàng “%(code)s”."), code=code)
    return stall
