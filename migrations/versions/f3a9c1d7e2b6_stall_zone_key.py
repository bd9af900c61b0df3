"""Stall.zone_key: a zone typed several ways ("Khu A", "khu a", "KHU A") is one zone.

Filters already matched a zone however it was spelled, but lists sorted by the zone as typed:
the stall list, the poster batch and the export put the stalls of "Khu A" in two places. The
key (``domain.text.zone_key``: case, Unicode form, where the tone of an open "oa", "oe", "uy"
sits and which dash separates its parts set aside: "Khu A – Tạp hoá" is "khu a - tạp hóa") is
now stored, and lists sort and filter by it.

Revision ID: f3a9c1d7e2b6
Revises: e1f6a3b9c042
Create Date: 2026-12-06 17:30:00
"""
import re
import unicodedata
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'f3a9c1d7e2b6'
down_revision: Union[str, None] = 'e1f6a3b9c042'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# domain.text.zone_key as it was when this migration was written: a migration keeps the rule
# it ran with, whatever the code does later. Zones are stored in NFC already; those saved
# before the blank characters at their ends were stripped may still carry them.
_BLANK = ((0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180D),
          (0x180F, 0x180F), (0x2800, 0x2800), (0x3164, 0x3164), (0xFFA0, 0xFFA0),
          (0xE0000, 0xE0FFF))
_SELECTOR = ((0xFE00, 0xFE0F), (0xE0100, 0xE01EF))
_TONES = "\u0300\u0301\u0303\u0309\u0323"
_TONE_ON_EITHER = re.compile(
    rf"(?=o[{_TONES}]?[ae]|u[{_TONES}]?y)([ou])([{_TONES}]?)([aey])([{_TONES}]?)"
    r"(?![\w\u0300-\u036f])")
_DASH = re.compile(r"\s*[-\u2010-\u2015\u2212]\s*")


def _in(ranges, ch: str) -> bool:
    return any(low <= ord(ch) <= high for low, high in ranges)


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) == "Cf" or _in(_BLANK, ch) or _in(_SELECTOR, ch)


def _zone_key(zone: str) -> str:
    text = unicodedata.normalize("NFC", zone)
    start, end = 0, len(text)
    while start < end and (text[start].isspace() or _invisible(text[start])):
        start += 1
    while end > start and (text[end - 1].isspace()
                           or (_invisible(text[end - 1]) and not _in(_SELECTOR, text[end - 1]))):
        end -= 1
    decomposed = unicodedata.normalize("NFD", text[start:end].casefold())
    placed = _TONE_ON_EITHER.sub(_tone_on_second, decomposed)
    dashed = _DASH.sub(" - ", placed)
    return unicodedata.normalize("NFC", " ".join(dashed.split()))


def _tone_on_second(match: re.Match) -> str:
    first, tone_one, second, tone_two = match.groups()
    if tone_one and tone_two:
        return match.group(0)
    return first + second + (tone_one or tone_two)


def _key_type() -> sa.types.TypeEngine:
    return sa.String(length=192).with_variant(sa.String(length=192, collation='C'), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('stall', schema=None) as batch_op:
        batch_op.add_column(sa.Column('zone_key', _key_type(), nullable=True))
    connection = op.get_bind()
    stall = sa.table('stall', sa.column('id'), sa.column('zone'), sa.column('zone_key'))
    keys = [{"row_id": row.id, "key": _zone_key(row.zone or "")}
            for row in connection.execute(sa.select(stall.c.id, stall.c.zone))]
    if keys:
        connection.execute(stall.update().where(stall.c.id == sa.bindparam("row_id"))
                           .values(zone_key=sa.bindparam("key")), keys)
    with op.batch_alter_table('stall', schema=None) as batch_op:
        batch_op.alter_column('zone_key', existing_type=_key_type(), nullable=False)
        batch_op.drop_index('ix_stall_market_order')
        batch_op.create_index('ix_stall_market_order', ['market_id', 'zone_key', 'sort_key'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('stall', schema=None) as batch_op:
        batch_op.drop_index('ix_stall_market_order')
        batch_op.create_index('ix_stall_market_order', ['market_id', 'zone', 'sort_key'],
                              unique=False)
        batch_op.drop_column('zone_key')
