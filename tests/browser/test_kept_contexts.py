"""The browser fixtures keep a context per device for the run (``KeptContexts``): what one test
leaves in it must be gone before the next test gets it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import KeptContexts

pytestmark = pytest.mark.browser


def test_a_wiped_context_carries_nothing_to_the_next_test(browser, live_server, seed, login):
    market = seed.market(seed.unique("cho"))
    volunteer = seed.user(seed.unique("lan"), markets=[market])
    contexts = KeptContexts(browser)
    try:
        context, page = contexts.page("phone", live_server.base_url)
        login(page, volunteer.username)
        page.goto(f"/m/{market.code}/")
        # Signed in, the app's worker controls the page and keeps pages and the market's list.
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        page.wait_for_function("async () => (await caches.keys()).includes('mo-pages')")
        page.evaluate("() => localStorage.setItem('left-behind', '1')")
        context.grant_permissions(["clipboard-read"])
        context.route("**/login", lambda route: route.abort())
        context.set_offline(True)
        left = context.new_page()  # a second page, as some tests open
        contexts.hand_back("phone", live_server.base_url, context, failed=False)

        again, page = contexts.page("phone", live_server.base_url)
        assert again is context  # kept, not made anew
        assert left.is_closed()
        assert context.cookies() == []
        page.goto("/login")  # reachable: neither offline nor routed away any more
        expect(page.get_by_label("Tên đăng nhập")).to_be_visible()
        assert page.evaluate("() => localStorage.length") == 0
        assert page.evaluate("() => caches.keys()") == []
        assert page.evaluate("() => indexedDB.databases()") == []
        assert page.evaluate("() => navigator.serviceWorker.getRegistrations()") == []
        assert page.evaluate("() => navigator.serviceWorker.controller") is None
        assert page.evaluate(
            "() => navigator.permissions.query({name: 'clipboard-read'})"
            ".then(p => p.state)") != "granted"
        contexts.hand_back("phone", live_server.base_url, context, failed=True)
        assert not contexts.kept  # a failed test's context is closed, not handed on
    finally:
        contexts.close()
