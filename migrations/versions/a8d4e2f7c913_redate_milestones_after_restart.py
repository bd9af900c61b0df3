"""Milestone dates kept from before a restart are dated again from the stall's events.

Until 6 December 2026 a stall that went back to registered (a new primary account, a
reopening, a refusal withdrawn) kept the dates of the milestones it had reached before, and
reaching one again did not date it again (only an empty date was filled). Its print, install,
test and first-payment dates then came before its registration: the dashboard's wait to a first
payment went negative, the weekly chart counted the payment in an old week, and a fresh print
showed as weeks stuck. The app now clears them on the restart; this repairs the stalls saved
before.

A date before the stall's ``registered_at`` (which every return to registered stamps) can only
be such a leftover. It becomes the first event of that milestone's kind since the registration,
which is the date the app gives it (a reprint does not move the date of the first print), or
nothing when the milestone was not reached again. Consistent stalls, and the history of a
stall closed or refused after its milestones, are not touched.

Revision ID: a8d4e2f7c913
Revises: f3a9c1d7e2b6
Create Date: 2026-12-07 03:30:00
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = 'a8d4e2f7c913'
down_revision: Union[str, None] = 'f3a9c1d7e2b6'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

#: Each milestone's date column and the event kind that reaches it, as when this was written.
_MILESTONES = (("printed_at", "poster_printed"), ("installed_at", "poster_installed"),
               ("test_paid_at", "test_payment_verified"),
               ("first_paid_at", "first_payment_confirmed"))


def upgrade() -> None:
    stall = sa.table('stall', sa.column('id'), sa.column('registered_at'),
                     *(sa.column(name) for name, _kind in _MILESTONES))
    event = sa.table('event', sa.column('stall_id'), sa.column('kind'),
                     sa.column('created_at'))
    for name, kind in _MILESTONES:
        column = stall.c[name]
        reached_again = (sa.select(sa.func.min(event.c.created_at))
                         .where(event.c.stall_id == stall.c.id, event.c.kind == kind,
                                event.c.created_at >= stall.c.registered_at)
                         .scalar_subquery())
        op.execute(stall.update().where(column < stall.c.registered_at)
                   .values({name: reached_again}))


def downgrade() -> None:
    # The dates replaced were wrong; nothing is put back.
    pass
