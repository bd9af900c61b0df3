"""Stall.zone_key sorts zones in Vietnamese alphabetical order; "Dãy 02" is "Dãy 2".

The key was the zone's one spelling ("khu đông"), which SQLite and PostgreSQL's "C" collation
order code point by code point: "Khu Đông", "Ăn uống" and "Đầu chợ" came after "Khu Z", and
"Dãy 10" before "Dãy 2", in the stall list, the poster batch and the exports. The key is now
``domain.text.vietnamese_order`` of that spelling: the letters (Ă, Â after A, Đ after D…, a
number by its value), the tones, then the spelling itself, so it still tells zones apart as
before, but for a number's leading zeros: "Dãy 02" (a census sheet's) and "Dãy 2" (a
volunteer's) are one row of the market, as stall codes "D02-1" and "D2-1" are one stall. The
key is longer, hence the wider column. A stall without a zone, keyed "" and so listed first, is
keyed after every zone (U+10FFFF), so a list read zone by zone ends with them.

Revision ID: d8e2a5c7b3f1
Revises: b7c3f1a9d254
Create Date: 2026-12-07 09:30:00
"""
import re
import unicodedata
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'd8e2a5c7b3f1'
down_revision: Union[str, None] = 'b7c3f1a9d254'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# domain.text.vietnamese_order as it was when this migration was written: a migration keeps
# the rule it ran with. What it orders is the key stored before it, the zone's spelling.
_PART = "\x01"
_SORT_UNIT = re.compile(r"([0-9]+)|(.)([\u0300-\u036f]*)", re.DOTALL)
_OWN_LETTERS = {
    ("a", "\u0306"): "a1", ("a", "\u0302"): "a2", ("đ", ""): "d1", ("e", "\u0302"): "e1",
    ("o", "\u0302"): "o1", ("o", "\u031b"): "o2", ("u", "\u031b"): "u1",
}
_TONE_ORDER = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}
_NO_ZONE = "\U0010ffff"
_LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")
_NUMBER = re.compile(r"[0-9]+")


def _key(spelled: str) -> str:
    """The key of a zone whose key was ``spelled``: its spelling now, in Vietnamese order."""
    return _vietnamese_order(_LEADING_ZEROS.sub("", spelled))


def _vietnamese_order(spelled: str) -> str:
    if not spelled:
        return _NO_ZONE
    letters, tones = [], []
    for number, base, marks in _SORT_UNIT.findall(unicodedata.normalize("NFD", spelled)):
        if number:
            value = number.lstrip("0")
            letters.append("0" + chr(ord("0") + len(value)) + value)
            continue
        letters.append(next((_OWN_LETTERS[base, mark] for mark in marks
                             if (base, mark) in _OWN_LETTERS),
                            _OWN_LETTERS.get((base, ""), base + "0")))
        tones.append(next((_TONE_ORDER[mark] for mark in marks if mark in _TONE_ORDER), "0"))
    return f"{''.join(letters)}{_PART}{''.join(tones)}{_PART}{spelled}"


def _spelling(key: str, zone: str) -> str:
    """What the key of ``zone`` was before this revision: the spelling the key ends with, its
    numbers as the zone writes them (only their leading zeros were set aside, so the zone's
    numbers are the spelling's, one for one and in order)."""
    if key == _NO_ZONE:
        return ""
    numbers = iter(_NUMBER.findall(zone))
    return _NUMBER.sub(lambda _number: next(numbers), key.split(_PART, 2)[2])


def _key_type(length: int) -> sa.types.TypeEngine:
    return sa.String(length=length).with_variant(sa.String(length=length, collation='C'),
                                                 'postgresql')


def _rekey(rule) -> None:
    """Each market's zones keyed by ``rule(key, zone)``: one UPDATE per market and zone as
    spelled, along the index on (market, zone key), not one per stall (a million stalls of a
    province's load test would be a million statements and their rows held in memory)."""
    connection = op.get_bind()
    stall = sa.table('stall', sa.column('market_id'), sa.column('zone'), sa.column('zone_key'))
    zones = [{"market": row.market_id, "old": row.zone_key, "spelled": row.zone,
              "key": rule(row.zone_key, row.zone or "")}
             for row in connection.execute(sa.select(stall.c.market_id, stall.c.zone_key,
                                                     stall.c.zone).distinct())]
    if zones:
        connection.execute(stall.update().where(stall.c.market_id == sa.bindparam("market"),
                                                stall.c.zone_key == sa.bindparam("old"),
                                                stall.c.zone == sa.bindparam("spelled"))
                           .values(zone_key=sa.bindparam("key")), zones)


def upgrade() -> None:
    with op.batch_alter_table('stall', schema=None) as batch_op:
        batch_op.alter_column('zone_key', existing_type=_key_type(192), type_=_key_type(1024),
                              existing_nullable=False)
    _rekey(lambda key, _zone: _key(key))


def downgrade() -> None:
    _rekey(_spelling)
    with op.batch_alter_table('stall', schema=None) as batch_op:
        batch_op.alter_column('zone_key', existing_type=_key_type(1024), type_=_key_type(192),
                              existing_nullable=False)
