"""Pages and parts of pages rendered once per distinct input, kept by each worker.

Every volunteer of a market opens the same stall list again and again, and between two
changes it is the same HTML. Reading and rendering 50 rows cost more than the rest of the
request put together (bench/bench_web.py), so the list is remembered, and the page around it.

The caller names what the fragment is made of in its key: for the stall list, the market's
fields and its stalls' version (``access.MarketAccess.stalls_version``, which grows with every
change to any of its stalls) and the viewer's rights. The memo adds the language and the URL
the links are built from. Changed data is a different key, so nothing needs invalidating;
entries not used for a while fall out (least recently used first).

Fragment templates live in ``templates/fragments/``. They may read only the arguments they
are given, the language (``_``, ``status_labels``…), ``url_for`` and ``url_with``; never the
user, the session, flashed messages or the CSRF token, which differ between requests with the
same key. A test holds every template there to that list.

A whole page, frame included, can be remembered too (``FragmentMemo.page``): its key adds
what the frame shows of the viewer (name and role). The logout form's CSRF token, which is the
session's own, is filled in on every request, and a page with flashed messages waiting is
rendered afresh and not kept. A test holds the frame (``base.html``) and the page templates
remembered this way to reading only what that key holds.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup, escape

from merchant_onboard.web.security import csrf_token

#: Entries per worker and memo: stall lists (about 15 kB each), page top bars (1 kB, one per
#: user, language and path) and whole list pages (the list, framed for one name and role) are
#: kept apart, so browsing stall pages cannot push the lists out.
SIZES = {"lists": 256, "topbars": 1024, "pages": 256}

#: Stands for the CSRF token in a remembered page. Random per worker, so that no stored text
#: can contain it.
_TOKEN_HOLE = f"csrf-{secrets.token_hex(16)}"


class FragmentMemo:
    """A bounded, thread-safe map from a fragment's inputs to its HTML."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def render(self, template_name: str, key: Hashable,
               context: Callable[[], dict[str, Any]]) -> Markup:
        """``template_name`` rendered with what ``context()`` returns, remembered under ``key``.

        ``context`` is called only when the key is new: it is where the rows are read. The
        key must determine everything ``context()`` returns.
        """
        # Without Flask's context processors, so ``current_user`` is not there to be read by
        # mistake.
        return self._remember(template_name, key, lambda: Markup(
            current_app.jinja_env.get_template(template_name).render(context())))

    def page(self, template_name: str, key: Hashable,
             context: Callable[[], dict[str, Any]]) -> str:
        """The whole page ``template_name``, as ``render_template`` makes it, remembered under
        ``key`` and the viewer's name and role, with this session's CSRF token filled in."""
        if "_flashes" in session:
            # Shown once, then gone: such a page is not the same on the next request.
            return render_template(template_name, **context())
        user = current_user
        viewer = (bool(getattr(user, "is_authenticated", False)),
                  getattr(user, "display_name", ""), getattr(user, "role", ""))
        parts = self._remember(template_name, (key, viewer), lambda: tuple(render_template(
            template_name, **context(), csrf_token=lambda: _TOKEN_HOLE).split(_TOKEN_HOLE)))
        # Asked even when the page holds no form: it keeps the session's token as rendering
        # the page would have.
        return str(escape(csrf_token())).join(parts)

    def _remember(self, template_name: str, key: Hashable, make: Callable[[], Any]) -> Any:
        key = (template_name, str(get_locale()), request.script_root, request.full_path, key)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return found
            self.misses += 1
        # Made outside the lock: two threads may both make a new key once.
        made = make()
        with self._lock:
            self._entries[key] = made
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return made


def memo(name: str = "lists") -> FragmentMemo:
    """The current app's memo called ``name`` (see ``SIZES``)."""
    return current_app.extensions["merchant_onboard.fragments"][name]


def init_app(app: Flask) -> None:
    app.extensions["merchant_onboard.fragments"] = {
        name: FragmentMemo(size) for name, size in SIZES.items()}

