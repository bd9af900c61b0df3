"""Stall.search_text folded again: characters that draw nothing no longer stay in it.

The search text is derived (code, shop name and owner name, folded for search). Stalls saved
before the fold dropped format characters (a zero-width space copied inside "bún") and the blank
letters outside them (Hangul fillers, the braille blank) kept them in their search text until
they were next saved, so "bún" did not find them. Only the derived column changes: names are
kept as they were typed.

Revision ID: e1f6a3b9c042
Revises: c4a7d2e9f315
Create Date: 2026-12-06 15:30:00
"""
import re
import unicodedata
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'e1f6a3b9c042'
down_revision: Union[str, None] = 'c4a7d2e9f315'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# domain.text.fold_search as it was when this migration was written: a migration keeps the
# rule it ran with, whatever the code does later.
_D = {"Đ": "D", "đ": "d", "Ð": "D", "ð": "d", "Ɖ": "D", "ɖ": "d"}
_BLANK = ((0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180D),
          (0x180F, 0x180F), (0x2800, 0x2800), (0x3164, 0x3164), (0xFFA0, 0xFFA0),
          (0xE0000, 0xE0FFF), (0xFE00, 0xFE0F), (0xE0100, 0xE01EF))
_SPACES = re.compile(r"\s+")


def _drawn(ch: str) -> bool:
    code = ord(ch)
    return not (unicodedata.combining(ch) or unicodedata.category(ch) == "Cf"
                or any(low <= code <= high for low, high in _BLANK))


def _fold(text: str) -> str:
    if not text.isascii():
        text = "".join(_D.get(ch, ch) for ch in unicodedata.normalize("NFD", text)
                       if _drawn(ch))
    return _SPACES.sub(" ", text.casefold()).strip()


def upgrade() -> None:
    connection = op.get_bind()
    stall = sa.table('stall', sa.column('id'), sa.column('stall_code'), sa.column('shop_name'),
                     sa.column('owner_name'), sa.column('search_text'))
    changed = []
    for row in connection.execute(sa.select(stall).order_by(stall.c.id)):
        parts = (row.stall_code, row.shop_name, row.owner_name)
        folded = _fold(" ".join(p for p in parts if p))[:600]
        if folded != row.search_text:
            changed.append({"row_id": row.id, "folded": folded})
    if changed:
        connection.execute(stall.update().where(stall.c.id == sa.bindparam("row_id"))
                           .values(search_text=sa.bindparam("folded")), changed)


def downgrade() -> None:
    # The old text folded the same visible letters: nothing to undo.
    pass
