"""Session generation and forced password change on users; a growing delay on throttle keys.

``user.session_epoch`` is carried by every session, remember cookie and API token; raising it
ends them all. ``user.must_change_password`` marks a temporary password from a reset.
``throttle.next_at`` holds back the next login attempt for a username after repeated failures.

Revision ID: 7d3e91a0c5b4
Revises: 7d3e9a41c2b8
Create Date: 2026-12-05 23:45:00.000000
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from merchant_onboard.models.base import UTCDateTime

revision: str = '7d3e91a0c5b4'
down_revision: Union[str, None] = '7d3e9a41c2b8'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('last_login_at', UTCDateTime(), nullable=True))
    with op.batch_alter_table('throttle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_at', UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('throttle', schema=None) as batch_op:
        batch_op.drop_column('next_at')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('last_login_at')
        batch_op.drop_column('must_change_password')
        batch_op.drop_column('session_epoch')
