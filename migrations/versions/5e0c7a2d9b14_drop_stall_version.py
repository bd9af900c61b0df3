"""Drop Stall.version: the stall list is rendered afresh on every request (issue 14), so
nothing asks whether a market's stalls changed any more.

Revision ID: 5e0c7a2d9b14
Revises: 2bc5705e63c9
Create Date: 2026-12-05 23:50:00.000000
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '5e0c7a2d9b14'
down_revision: Union[str, None] = '2bc5705e63c9'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('stall', schema=None) as batch_op:
        batch_op.drop_column('version')


def downgrade() -> None:
    with op.batch_alter_table('stall', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
