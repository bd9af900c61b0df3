"""A phone's signal dropping in the middle of a send, for the offline browser tests."""

from __future__ import annotations

from typing import Any


class LostAnswer:
    """The first POST to ``pattern`` reaches the server, which saves it, but its answer never
    arrives (the connection is reset); later requests go through. The outbox must keep the
    item and, resent with the same client id, get the first result back: one record, not two.
    """

    def __init__(self, page: Any, pattern: str) -> None:
        self.page = page
        self.urls: list[str] = []
        page.context.route(pattern, self._route)

    def _route(self, route: Any) -> None:
        if route.request.method == "POST" and not self.urls:
            route.fetch()
            self.urls.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.fallback()

    def wait(self) -> None:
        """Until the one send has been cut (the phone sends when it sees the signal back)."""
        for _ in range(100):
            if self.urls:
                break
            self.page.wait_for_timeout(100)
        assert len(self.urls) == 1
