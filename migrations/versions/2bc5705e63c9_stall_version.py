"""Stall.version: goes up with every update of the row.

A market's count of stalls and sum of their versions change whenever any of its stalls does;
the stall list remembers its rendering under that pair (merchant_onboard/web/fragments.py).

Revision ID: 2bc5705e63c9
Revises: 23c061b79291
Create Date: 2026-11-25 17:52:47.885466
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '2bc5705e63c9'
down_revision: Union[str, None] = '23c061b79291'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('stall', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('stall', schema=None) as batch_op:
        batch_op.drop_column('version')
