"""Stall.code_key: one stall per code however it is written ("A-1", "a1", "A 01").

Search already found A-1 for "a1", but registration and the census import compared codes
letter for letter, so "A1" became a second stall beside A-1 and inflated the market's count.
The key (``domain.text.code_key``) is now stored and unique per market.

Stalls that already share a key are kept as they are: the first (by id) takes the key, each
later one a key of its own marked with its id, and the migration names them so a manager can
merge or rename them. Editing such a stall then says which stall holds its code.

Revision ID: c4a7d2e9f315
Revises: b5e2c8d41f07
Create Date: 2026-12-06 13:05:00
"""
import re
import sys
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'c4a7d2e9f315'
down_revision: Union[str, None] = 'b5e2c8d41f07'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_RUN = re.compile(r"[A-Z]+|[0-9]+")


def _code_key(code: str) -> str:
    # domain.text.code_key as it was when this migration was written: a migration keeps the
    # rule it ran with, whatever the code does later.
    runs = _RUN.findall(code.upper())
    return "-".join(run.lstrip("0") or "0" if run.isdigit() else run for run in runs)


def upgrade() -> None:
    with op.batch_alter_table('stall', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code_key', sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=True))
    connection = op.get_bind()
    stall = sa.table('stall', sa.column('id'), sa.column('market_id'), sa.column('stall_code'),
                     sa.column('code_key'))
    first: dict[tuple[int, str], str] = {}
    keys = []
    for row in connection.execute(sa.select(stall.c.id, stall.c.market_id, stall.c.stall_code)
                                  .order_by(stall.c.id)):
        key = _code_key(row.stall_code)
        holder = first.setdefault((row.market_id, key), row.stall_code)
        if holder != row.stall_code:  # (market, code) was unique already: another stall
            print(f"stall {row.id} ({row.stall_code!r}) of market {row.market_id} has the "
                  f"code of stall {holder!r}: merge or rename one of them", file=sys.stderr)
            key = f"{key}#{row.id}"
        keys.append({"row_id": row.id, "key": key})
    if keys:
        connection.execute(stall.update().where(stall.c.id == sa.bindparam("row_id"))
                           .values(code_key=sa.bindparam("key")), keys)
    with op.batch_alter_table('stall', schema=None) as batch_op:
        batch_op.alter_column('code_key', existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
                              nullable=False)
        batch_op.create_unique_constraint('uq_stall_market_code_key', ['market_id', 'code_key'])


def downgrade() -> None:
    with op.batch_alter_table('stall', schema=None) as batch_op:
        batch_op.drop_constraint('uq_stall_market_code_key', type_='unique')
        batch_op.drop_column('code_key')
