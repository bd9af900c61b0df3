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
        #: POSTs after the cut one: the phone sending the item again.
        self.resent = 0
        page.context.route(pattern, self._route)

    def _route(self, route: Any) -> None:
        if route.request.method == "POST" and not self.urls:
            route.fetch()
            self.urls.append(route.request.url)
            route.abort("connectionreset")
        else:
            if route.request.method == "POST":
                self.resent += 1
            route.fallback()

    def wait(self) -> None:
        """Until the one send has been cut (the phone sends when it sees the signal back)."""
        for _ in range(100):
            if self.urls:
                break
            self.page.wait_for_timeout(100)
        assert len(self.urls) == 1

    def kept(self, badge: Any) -> None:
        """The cut item is still waiting (``badge``: the outbox badge shows 1), unless the phone
        has already sent it again by itself (the worker's Background Sync, when the signal
        returns): only a kept item can be sent again. Fails when it was dropped instead."""
        for _ in range(50):
            if self.resent or badge.get_attribute("data-pending") == "1":
                return
            self.page.wait_for_timeout(100)
        raise AssertionError("the item whose answer was lost is neither waiting nor sent again")
