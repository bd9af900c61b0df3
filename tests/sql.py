"""Counting the SQL statements a piece of code sends: round trips are what pages cost."""

from __future__ import annotations

import sqlalchemy as sa


class Statements:
    """``with Statements(*engines) as seen: …`` then ``seen.count``."""

    def __init__(self, *engines: sa.Engine) -> None:
        self.engines, self.count = engines, 0

    def __enter__(self) -> Statements:
        for engine in self.engines:
            sa.event.listen(engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc: object) -> None:
        for engine in self.engines:
            sa.event.remove(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args: object) -> None:
        self.count += 1
