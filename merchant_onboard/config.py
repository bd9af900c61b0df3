"""Configuration: defaults, then the instance folder, then ``MO_``/``FLASK_`` environment,
then tests.

DESIGN §8: the embedded default is SQLite in the instance folder; production names PostgreSQL
through ``DATABASE_URL`` and must set its own secret key.
"""

from __future__ import annotations

import math
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

#: Marks "nobody chose a secret key"; production refuses to start with it.
DEFAULT_SECRET_KEY = "dev-only-not-secret"
#: The shortest key production accepts. Sessions and API tokens are signed with it, and a
#: token's other parts (a user id, an epoch, a salt in the source) are guessable: an empty
#: key (a failed ``$(cat …)``) lets anyone sign an administrator's token. 32 characters is
#: what ``secrets.token_hex(16)`` prints; the README suggests twice that.
MIN_SECRET_KEY_LENGTH = 32


class ConfigError(RuntimeError):
    """The configuration cannot run the service as asked; the message says what to set."""


DEFAULTS: dict[str, Any] = {
    "ENV_NAME": "development",
    "SECRET_KEY": DEFAULT_SECRET_KEY,
    "DATABASE_URL": None,
    "SQL_ECHO": False,
    #: Test each PostgreSQL connection with a round trip before lending it. Off by default: it
    #: is a round trip on every request, and without it a server restart fails one request per
    #: pooled connection, after which the pool reconnects. Turn it on where idle connections
    #: get cut (PgBouncer, cloud databases, firewalls).
    "DB_PRE_PING": False,
    #: Replace pooled connections older than this many seconds.
    "DB_POOL_RECYCLE": 1800,
    #: Seconds a SQLite write waits for another writer's lock; past it the request answers
    #: 503 with Retry-After (PostgreSQL writers lock rows, not the database).
    "DB_BUSY_TIMEOUT": 30,
    "BABEL_DEFAULT_LOCALE": "vi",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
    "LANGUAGES": ["vi", "en"],
    #: None means "secure in production": cookies only over HTTPS behind the proxy.
    "SESSION_COOKIE_SECURE": None,
    "REMEMBER_COOKIE_SECURE": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    #: "Remember me" lasts this long after the last day the login was used (sliding); seconds
    #: from the environment (MO_REMEMBER_COOKIE_DURATION=604800 for a week).
    "REMEMBER_COOKIE_DURATION": timedelta(days=30),
    "PERMANENT_SESSION_LIFETIME": timedelta(days=14),
    "WTF_CSRF_TIME_LIMIT": None,
    "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
    #: Login throttle (services.authentication.LoginLimits), per window: failures for one username
    #: from one address; failures for a username from anywhere before each next attempt
    #: waits 1, 2, 4 … seconds, at most LOGIN_DELAY_MAX_SECONDS; failures from one address
    #: across usernames (a market's shared hotspot).
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_USERNAME_FREE_FAILURES": 10,
    "LOGIN_DELAY_MAX_SECONDS": 60,
    "LOGIN_ADDRESS_MAX_FAILURES": 100,
    "LOGIN_WINDOW_SECONDS": 900,
    #: A reset link (a one-time link instead of a temporary password) is valid this long.
    "PASSWORD_RESET_MAX_AGE": 24 * 3600,
    #: Public QR photo checks per address per window.
    "PUBLIC_CHECK_LIMIT": 20,
    #: Verification-code lookups per address and window (the public page, typed or opened).
    "PUBLIC_LOOKUP_LIMIT": 60,
    "PUBLIC_CHECK_WINDOW_SECONDS": 600,
    "API_TOKEN_MAX_AGE": 30 * 24 * 3600,
    #: Base of the verification address printed on posters, e.g. https://qr.example.vn.
    #: Unset, the request's own host is printed only when it is one of PUBLIC_HOSTS: the
    #: Host header is the client's to choose, and a poster must not carry a stranger's site.
    "PUBLIC_BASE_URL": None,
    "PUBLIC_HOSTS": ["localhost", "127.0.0.1"],
    "DEFAULT_TEST_AMOUNT": 2000,
    #: A bank list (CSV, the shipped list's columns) replacing the shipped one; None: shipped.
    "BANKS_CSV": None,
    #: How many reverse proxies stand in front of the app. Behind one (nginx, a load
    #: balancer) set 1, so the login throttle and the public photo check see the client's
    #: address from X-Forwarded-For instead of the proxy's; 0 trusts no forwarded header.
    "TRUSTED_PROXIES": 0,
    #: Seconds a browser that reached the app over HTTPS keeps to HTTPS for this host
    #: (Strict-Transport-Security; a year). 0 sends no such header: for a host still serving
    #: other pages over plain HTTP.
    "HSTS_MAX_AGE": 31_536_000,
    #: Flask-Compress: brotli where the browser takes it, else gzip, for pages and for the
    #: static files (sent streamed, hence the streaming list too). A volunteer's page is a
    #: fifth of its size compressed. The ZXing WebAssembly the QR scanner loads halves.
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_ALGORITHM_STREAMING": ["br", "gzip"],
    "COMPRESS_MIMETYPES": ["text/html", "text/css", "text/javascript", "application/javascript",
                           "application/json", "application/problem+json",
                           "application/manifest+json", "image/svg+xml", "application/wasm"],
}


def load_config(app: Flask, test_config: dict[str, Any] | None = None) -> None:
    """Fill ``app.config`` in order: defaults → instance ``config.py`` → environment → tests."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("FLASK")
    app.config.from_prefixed_env("MO")
    if os.environ.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = os.environ["DATABASE_URL"]
    if test_config:
        app.config.from_mapping(test_config)

    _check_kinds(app)
    if not app.config["DATABASE_URL"]:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'merchant_onboard.db'}"
    app.config["DATABASE_URL"] = normalize_database_url(app.config["DATABASE_URL"])
    _check_database_url(app.config["DATABASE_URL"])

    production = app.config["ENV_NAME"] == "production"
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if app.config[key] is None:
            app.config[key] = production
    secret = app.config["SECRET_KEY"]
    if production and (secret == DEFAULT_SECRET_KEY or len(secret or "") < MIN_SECRET_KEY_LENGTH):
        raise ConfigError(
            f"MO_SECRET_KEY must be set to a random value of at least {MIN_SECRET_KEY_LENGTH} "
            "characters in production (for example: python -c 'import secrets; "
            "print(secrets.token_hex(32))')."
        )
    # An empty key is no key: a demo keeps working, with the instance folder's key.
    if (not secret or secret == DEFAULT_SECRET_KEY) and not app.testing:
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))
    if production and not app.config["PUBLIC_BASE_URL"]:
        app.logger.warning(
            "MO_PUBLIC_BASE_URL is not set: posters print this site's address only for the "
            "hosts in MO_PUBLIC_HOSTS (%s), else http://%s. Set it to the public address.",
            ", ".join(app.config["PUBLIC_HOSTS"]), app.config["PUBLIC_HOSTS"][0])


def _check_kinds(app: Flask) -> None:
    """Stop the start on a setting not of its default's kind: ``MO_TRUSTED_PROXIES=abc`` gave
    a traceback at start, ``MO_API_TOKEN_MAX_AGE=abc`` a 500 on every token request."""
    for key, default in DEFAULTS.items():
        value = app.config[key]
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise ConfigError(f"MO_{key} must be true or false, not {value!r}.")
        elif isinstance(default, int):
            if isinstance(value, bool) or not isinstance(value, int | float) \
                    or not 0 <= value < math.inf:
                raise ConfigError(f"MO_{key} must be a number, 0 or more, not {value!r}.")


def _check_database_url(value: str) -> None:
    """Stop the start on a DATABASE_URL the app cannot use. The URL is not repeated: it may
    hold a password."""
    try:
        url = sa.engine.make_url(value)
        backend = url.get_backend_name()
    except (sa.exc.ArgumentError, ValueError):
        raise ConfigError("DATABASE_URL is not a database URL: expected "
                          "postgresql://user:password@host:5432/name or sqlite:///path.") from None
    if backend not in ("postgresql", "sqlite"):
        raise ConfigError(f"DATABASE_URL names {backend}: the app runs on PostgreSQL "
                          "(postgresql://…) or SQLite (sqlite:///…).")
    try:
        url.get_dialect().import_dbapi()
    except (ImportError, sa.exc.ArgumentError) as error:
        raise ConfigError(f"DATABASE_URL: the driver {url.drivername} cannot be used "
                          f"({error}).") from None


def normalize_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs given in the common ``postgres://`` forms."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret(instance: Path) -> str:
    """A random key kept in the instance folder, so a demo's sessions survive a restart."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
