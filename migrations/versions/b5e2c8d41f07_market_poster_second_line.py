"""A market's optional second language line on its posters (issue 12).

``market.poster_second_line`` is printed under the Vietnamese instructions, in Khmer or
English; empty for none, which is what every existing market gets.

Revision ID: b5e2c8d41f07
Revises: 7d3e91a0c5b4
Create Date: 2026-12-06 02:45:00.000000
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'b5e2c8d41f07'
down_revision: Union[str, None] = '7d3e91a0c5b4'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('market', schema=None) as batch_op:
        batch_op.add_column(sa.Column('poster_second_line', sa.String(length=80),
                                      server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('market', schema=None) as batch_op:
        batch_op.drop_column('poster_second_line')
