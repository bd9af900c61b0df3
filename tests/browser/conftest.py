"""Browser fixtures: Debian's Chromium driven by Playwright against the app served on loopback.

How to write a browser test (mark the module ``pytestmark = pytest.mark.browser``)::

    def test_manager_sees_the_dashboard(live_server, seed, laptop_page, login, screenshot):
        market = seed.market(seed.unique("cho"))
        manager = seed.user(seed.unique("hung"), role="manager", markets=[market])
        login(laptop_page, manager.username)
        laptop_page.goto(live_server.url(f"/m/{market.code}/"))
        screenshot(laptop_page, "dashboard-laptop")

- ``browser`` and ``live_server`` live for the whole run: ONE database is shared by every
  browser test, so each test seeds its own market and users; ``seed.unique("cho")`` gives a
  fresh code (a clashing code or username raises the service's ConflictError).
- ``phone_page`` / ``laptop_page`` are fresh browser contexts per test (no shared cookies);
  every request outside the app (loopback) is aborted, so a stray CDN fetch fails the test.
- Chromium is ``/usr/bin/chromium`` unless ``MO_CHROMIUM`` names another binary; when it is
  missing the tests skip, which the root conftest turns into a failure under CI.
- Screenshots go to ``tests/artifacts/screens/<name>.png``; not under CI, where nobody looks
  at them (``MO_SCREENSHOTS=1`` takes them there too).
"""

from __future__ import annotations

import os
import re
import threading
import itertools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlmodel import Session
from werkzeug.serving import BaseWSGIServer, make_server

from merchant_onboard import create_app
from merchant_onboard.db import dispose, get_engine
from merchant_onboard.migrate import upgrade
from merchant_onboard.models import Market, Role, Stall, User
from tests.ci import screenshots_wanted
from tests.factories import TEST_PASSWORD, stall_fields

CHROMIUM = os.environ.get("MO_CHROMIUM", "/usr/bin/chromium")
# As root in a sandbox-less container, with no network beyond loopback: without the
# background-networking flags Chromium keeps trying (and failing) to reach Google's hosts.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENS_DIR = Path(__file__).resolve().parent.parent / "artifacts" / "screens"
#: Fail fast: a page of this app answers in milliseconds on loopback.
PAGE_TIMEOUT_MS = 10_000
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
#: Every address outside LOOPBACK. Matched by Playwright's driver, so the app's own requests
#: (a page and its assets, a worker's precache) never make the round trip to this process.
ELSEWHERE = re.compile(r"^(?!https?://(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?(?:[/?#]|$))")

PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "vi-VN",
         "timezone_id": "Asia/Ho_Chi_Minh"}
LAPTOP = {"viewport": {"width": 1366, "height": 800}, "locale": "vi-VN",
          "timezone_id": "Asia/Ho_Chi_Minh"}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole run."""
    sync_api = pytest.importorskip("playwright.sync_api")
    # An ``expect`` waits as long as an action may take. Playwright's 5 s default was too short
    # on a busy 2-core CI machine for work a page does after it loads (the outbox sending an
    # item once the form's answer came): a state that never comes still fails, 10 s later.
    sync_api.expect.set_options(timeout=PAGE_TIMEOUT_MS)
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set MO_CHROMIUM)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass(frozen=True)
class LiveServer:
    """The app answering on ``base_url`` from a thread of the test process."""

    app: Flask
    base_url: str

    def url(self, path: str = "/") -> str:
        return self.base_url + path


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real app (CSRF on, as a browser meets it) on a fresh SQLite file and a free port."""
    database = tmp_path_factory.mktemp("live") / "live.db"
    app = create_app({"TESTING": True, "SECRET_KEY": "browser-test-secret",
                      "DATABASE_URL": f"sqlite:///{database}", "WTF_CSRF_ENABLED": True})
    upgrade(get_engine(app))
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield LiveServer(app=app, base_url=f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(timeout=5)
    dispose(app)


#: Where the prefix tests mount the app, as a proxy does that passes X-Forwarded-Prefix.
PREFIX = "/cho"


@pytest.fixture(scope="session")
def prefixed_server(live_server: LiveServer) -> Iterator[LiveServer]:
    """The live server's app (and database) served under ``PREFIX`` on a port of its own:
    ``base_url`` ends with the prefix, so ``url("/login")`` is ``…/cho/login``."""
    from werkzeug.exceptions import NotFound
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    mounted = DispatcherMiddleware(NotFound(), {PREFIX: live_server.app})
    server: BaseWSGIServer = make_server("127.0.0.1", 0, mounted, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="prefixed-server", daemon=True)
    thread.start()
    yield LiveServer(app=live_server.app,
                     base_url=f"http://127.0.0.1:{server.server_port}{PREFIX}")
    server.shutdown()
    thread.join(timeout=5)


#: Numbers the names ``Seeder.unique`` gives in this process.
_SERIAL = itertools.count(1)


class Seeder:
    """Arrange data in the live server's database through the same services as real use."""

    password = TEST_PASSWORD

    def __init__(self, session: Session) -> None:
        self.session = session

    @staticmethod
    def unique(prefix: str) -> str:
        """A code or username no other test uses: ``cho-1a2b3c7``.

        A test once failed setting up because its "lan-79f0fe" was already taken. Random
        digits alone can repeat; the count rules a repeat out within the process, which owns
        the live server's database."""
        return f"{prefix}-{uuid.uuid4().hex[:6]}{next(_SERIAL)}"

    def market(self, code: str, **fields: Any) -> Market:
        from merchant_onboard.services.markets import create_market

        raw = {"code": code, "name": fields.pop("name", f"Chợ {code}"),
               "province": "Hậu Giang", "ward": "Phường 1", **fields}
        return create_market(self.session, actor=None, raw=raw)

    def user(self, username: str, *, role: str = Role.VOLUNTEER,
             markets: list[Market] | tuple[Market, ...] = (), display_name: str = "") -> User:
        from merchant_onboard.services.users import create_user

        return create_user(self.session, username=username, password=self.password, role=role,
                           display_name=display_name or username.title(),
                           market_codes=[m.code for m in markets])

    def stall(self, market: Market, actor: User, **overrides: Any) -> Stall:
        """A registered stall; ``overrides`` change the fields of ``tests.factories``."""
        from merchant_onboard.services.stalls import register_stall

        return register_stall(self.session, actor=actor, market=market,
                              raw=stall_fields(**overrides), client_id=str(uuid.uuid4()),
                              confirm_phone=True).stall

    def demo(self, password: str = TEST_PASSWORD) -> Market:
        """The demo market Chợ Vị Thanh (60 stalls over the whole funnel) and its users."""
        from merchant_onboard.services.demo import seed_demo

        return seed_demo(self.session, password=password)


@pytest.fixture
def seed(live_server: LiveServer) -> Iterator[Seeder]:
    """A ``Seeder`` on the live server's database; every user it makes has ``seed.password``."""
    with Session(get_engine(live_server.app), expire_on_commit=False) as session:
        yield Seeder(session)


def _only_loopback(route: Any) -> None:
    """Everything a page needs is served by the app: a request elsewhere (a CDN a library
    reaches for by default) fails, and so does the test that depends on it."""
    if urlsplit(route.request.url).hostname in LOOPBACK:
        route.fallback()
    else:
        route.abort("blockedbyclient")


def _new_page(browser: Any, options: dict[str, Any], base_url: str) -> Iterator[Any]:
    context = browser.new_context(base_url=base_url, **options)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    context.route(ELSEWHERE, _only_loopback)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A page in a fresh context sized like a cheap Android phone (360×740, 2×, touch, vi-VN).

    ``page.goto("/m/…")`` is relative to the live server.
    """
    yield from _new_page(browser, PHONE, live_server.base_url)


@pytest.fixture
def prefixed_phone_page(browser: Any, prefixed_server: LiveServer) -> Iterator[Any]:
    """A phone's page for the app served under ``PREFIX``: go to ``prefixed_server.url(…)``."""
    yield from _new_page(browser, PHONE, prefixed_server.base_url)


@pytest.fixture
def laptop_page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A page in a fresh context sized like a manager's laptop (1366×800, vi-VN)."""
    yield from _new_page(browser, LAPTOP, live_server.base_url)


#: The login form's CSRF token, as the page writes it.
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def login() -> Callable[..., None]:
    """``login(page, "lan")``: sign in as the login form does, without drawing it: its page is
    fetched for the CSRF token and the form posted by the page's own request context, whose
    cookies are the page's. The page stays where it was: open what the test is about next.

    ``login(page, "lan", through_the_form=True)`` types into the form and waits for the page
    it leads to, for a test about that page or the login itself. Drawing the two pages cost
    about half a second a test, a minute of the suite."""

    def sign_in(page: Any, username: str, password: str = TEST_PASSWORD, *,
                through_the_form: bool = False) -> None:
        if through_the_form:
            page.goto("/login")
            page.get_by_label("Tên đăng nhập").fill(username)
            page.get_by_label("Mật khẩu").fill(password)
            with page.expect_navigation():
                page.get_by_role("button", name="Đăng nhập").click()
            assert "/login" not in page.url, f"login as {username} failed"
            return
        form = page.request.get("/login")
        token = _CSRF_FIELD.search(form.text())
        assert form.ok and token, f"no login form: {form.status}"
        answer = page.request.post("/login", max_redirects=0, form={
            "csrf_token": token[1], "username": username, "password": password})
        assert answer.status in (302, 303) and \
            "/login" not in answer.headers.get("location", "/login"), \
            f"login as {username} failed: {answer.status}"

    return sign_in


@pytest.fixture(scope="session")
def screenshot() -> Callable[..., Path | None]:
    """``screenshot(page, "name")`` saves the whole page to tests/artifacts/screens/name.png
    and returns its path; None where they are not wanted (``tests.ci.screenshots_wanted``)."""
    wanted = screenshots_wanted()
    if wanted:
        SCREENS_DIR.mkdir(parents=True, exist_ok=True)

    def shoot(page: Any, name: str, *, full_page: bool = True) -> Path | None:
        if not wanted:
            return None
        path = SCREENS_DIR / f"{name}.png"
        # A full-page shot of a scrolled page draws the sticky top bar where the view was.
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return shoot
