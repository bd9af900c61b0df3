"""Money invariants in the schema (DESIGN §11): one primary account per stall, one primary
account per (market, BIN, account number), poster versions unique per stall.

Rows written by the races these constraints now prevent are repaired first, so the indexes
can be built on a database that already holds them:
- a stall with several primary accounts keeps the newest as primary; the others become history
  (``replaced_at`` set), as an account change would have left them;
- an account primary on several stalls of one market stays primary on the stall that registered
  it first; the later stalls lose it as primary and must register again;
- duplicate poster versions of one stall are renumbered in order of printing.

Revision ID: 7d3e9a41c2b8
Revises: 2bc5705e63c9
Create Date: 2026-12-05 23:55:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '7d3e9a41c2b8'
down_revision: Union[str, None] = '2bc5705e63c9'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_IS_PRIMARY = sa.text("is_primary")


def upgrade() -> None:
    _repair_rows()
    with op.batch_alter_table('payment_account', schema=None) as batch_op:
        batch_op.create_index('uq_payment_account_primary_stall', ['stall_id'], unique=True,
                              sqlite_where=_IS_PRIMARY, postgresql_where=_IS_PRIMARY)
        batch_op.create_index('uq_payment_account_primary_account',
                              ['market_id', 'bank_bin', 'account_number'], unique=True,
                              sqlite_where=_IS_PRIMARY, postgresql_where=_IS_PRIMARY)
    with op.batch_alter_table('poster', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_poster_stall_id', ['stall_id', 'version'])


def downgrade() -> None:
    with op.batch_alter_table('poster', schema=None) as batch_op:
        batch_op.drop_constraint('uq_poster_stall_id', type_='unique')
    with op.batch_alter_table('payment_account', schema=None) as batch_op:
        batch_op.drop_index('uq_payment_account_primary_account')
        batch_op.drop_index('uq_payment_account_primary_stall')


def _repair_rows() -> None:
    # Plain SQL that SQLite (3.25+, window functions) and PostgreSQL both run.
    op.execute(sa.text("""
        UPDATE payment_account SET is_primary = false, replaced_at = created_at
        WHERE is_primary AND id NOT IN (
            SELECT max(id) FROM payment_account WHERE is_primary GROUP BY stall_id)
    """))
    op.execute(sa.text("""
        UPDATE payment_account SET is_primary = false, replaced_at = created_at
        WHERE is_primary AND id NOT IN (
            SELECT min(id) FROM payment_account WHERE is_primary
            GROUP BY market_id, bank_bin, account_number)
    """))
    op.execute(sa.text("""
        UPDATE poster SET version = (
            SELECT numbered.n FROM (
                SELECT id, row_number() OVER (PARTITION BY stall_id
                                              ORDER BY printed_at, id) AS n
                FROM poster) AS numbered
            WHERE numbered.id = poster.id)
        WHERE stall_id IN (
            SELECT stall_id FROM poster GROUP BY stall_id, version HAVING count(*) > 1)
    """))
