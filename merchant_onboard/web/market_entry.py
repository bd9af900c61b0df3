"""A market's pages load the signed-in user and the market of their URL in one statement.

Every page of a market (``/m/<code>/…``, ``/api/v1/markets/<code>/…``) first loads its user
(the login cookie's or the API token's) and then enters the market named in its URL
(``access.enter_market``): two statements. On PostgreSQL each is a round trip that costs more
than the query it carries. A view marked ``@enters_market()`` has its user loaded with that
market in one statement (``access.load_user_entering_market``); its ``enter_market`` uses that
answer instead of asking again, and decides access from it as from its own query.

The answer lives in the request's database session and is used once: nothing is kept between
requests, and a view that never enters the market only read a little more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import current_app, request

from merchant_onboard.db import get_session
from merchant_onboard.models import User
from merchant_onboard.services import access
from merchant_onboard.services.authentication import get_active_user

F = TypeVar("F", bound=Callable)


def enters_market(*, zones: bool = False) -> Callable[[F], F]:
    """Mark a view whose first step is ``access.enter_market`` (or ``require_market``) for the
    market ``code`` of its URL, asking for its ``zones`` or not as the view does."""
    def mark(view: F) -> F:
        view.enters_market = {"zones": zones}  # type: ignore[attr-defined]
        return view
    return mark


def load_active_user(user_id: int) -> User | None:
    """The active user ``user_id`` (``authentication.get_active_user``) for this request; with the
    market of the URL in the same statement when the request's view is marked."""
    session = get_session()
    view = current_app.view_functions.get(request.endpoint or "")
    wish = getattr(view, "enters_market", None)
    code = (request.view_args or {}).get("code") if wish is not None else None
    if isinstance(code, str):
        return access.load_user_entering_market(session, user_id, code, **wish)
    return get_active_user(session, user_id)
