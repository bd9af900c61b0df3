"""Counting the SQL statements a piece of code sends: round trips are what pages cost."""

from __future__ import annotations

import sqlalchemy as sa


class Statements:
    """``with Statements(engine) as seen: …`` then ``seen.count``."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine, self.count = engine, 0

    def __enter__(self) -> Statements:
        sa.event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc: object) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, *args: object) -> None:
        self.count += 1
