"""Flask's signed-cookie sessions, each distinct cookie checked and decoded once per worker.

A logged-in volunteer sends the same session cookie with every request until the session
changes. Checking it again costs more than most of a remembered page: a key derivation, an
HMAC, zlib and tagged JSON. The same bytes under the same keys always give the same answer, so
the answer is kept (bounded, least recently used first out). What can change is the time: the
cookie's age is checked against the session lifetime on every request, as Flask does.

Only sessions of plain values are kept (the login, the language, the CSRF token): a session
holding a list, such as flashed messages waiting, is decoded afresh each time, since Flask
changes such values in place.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

_PLAIN = (str, int, float, bool, type(None))


class RememberingSessionInterface(SecureCookieSessionInterface):
    """``SecureCookieSessionInterface`` whose ``open_session`` remembers verified cookies."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        # (keys, cookie) → (the session's values, when the cookie was signed, as a Unix time)
        self._verified: OrderedDict[tuple[Any, ...], tuple[dict[str, Any], float]] = OrderedDict()
        self._lock = threading.Lock()

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        value = request.cookies.get(self.get_cookie_name(app))
        if not value or not app.secret_key:
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()), value)
        with self._lock:
            found = self._verified.get(key)
            if found is not None:
                self._verified.move_to_end(key)
        if found is not None:
            data, signed_at = found
            if time.time() - signed_at > max_age:
                return self.session_class()
            return self.session_class(data)  # a copy: the kept values stay as they were
        serializer = self.get_signing_serializer(app)
        assert serializer is not None  # there is a secret key
        try:
            data, signed = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(isinstance(v, _PLAIN) for v in data.values()):
            with self._lock:
                self._verified[key] = (dict(data), signed.timestamp())
                while len(self._verified) > self.size:
                    self._verified.popitem(last=False)
        return self.session_class(data)


def init_app(app: Flask) -> None:
    app.session_interface = RememberingSessionInterface()
