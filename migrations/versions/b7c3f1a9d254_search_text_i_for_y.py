"""Stall.search_text spells a syllable's closing "y" as "i": "Mỹ" and "Mĩ" are found alike.

The search text is derived (code, shop name and owner name, folded for search). Search now
compares names with ``domain.text.search_spelling``: a syllable whose one vowel is the "y" that
ends it, after its consonant ("mỹ", "lý", "kỳ", "quý"), is written with "i" as well, one word
either way. Stalls saved before keep their "y" until respelled here, or "my" would not find them.

Revision ID: b7c3f1a9d254
Revises: a2146e4156b8
Create Date: 2026-12-07 04:00:00
"""
import re
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'b7c3f1a9d254'
down_revision: Union[str, None] = 'a2146e4156b8'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# domain.text.search_spelling as it was when this migration was written.
_I_WRITTEN_Y = re.compile(r"\b(qu|th|[bcdhklmnrstvx])y\b", re.ASCII)


def upgrade() -> None:
    connection = op.get_bind()
    stall = sa.table('stall', sa.column('id'), sa.column('search_text'))
    changed = []
    for row in connection.execute(sa.select(stall).where(stall.c.search_text.like('%y%'))
                                  .order_by(stall.c.id)):
        spelled = _I_WRITTEN_Y.sub(r"\1i", row.search_text)
        if spelled != row.search_text:
            changed.append({"row_id": row.id, "spelled": spelled})
    if changed:
        connection.execute(stall.update().where(stall.c.id == sa.bindparam("row_id"))
                           .values(search_text=sa.bindparam("spelled")), changed)


def downgrade() -> None:
    # The older search finds "mi" in a respelled "Mỹ" only by its "i": a search for "my"
    # would miss it, as before this revision; nothing is undone.
    pass
