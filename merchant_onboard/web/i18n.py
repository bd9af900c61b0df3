"""Languages: Vietnamese by default (the source language of every message), English on request."""

from __future__ import annotations

import functools

from babel import Locale
from flask import Flask, current_app, request, session
from flask_babel import gettext

from merchant_onboard.domain.errors import DomainError
from merchant_onboard.extensions import babel


def select_locale() -> str:
    """The language chosen with ``?lang=`` (remembered in the session), else Vietnamese.

    API clients have no session: they choose with ``Accept-Language``.
    """
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(languages, default=default)
    chosen = request.args.get("lang")
    if chosen in languages:
        session["lang"] = chosen
        return chosen
    stored = session.get("lang")
    return stored if stored in languages else default


def translate_error(error: DomainError) -> str:
    """A domain error's message in the request's language, placeholders filled."""
    params = {k: v if isinstance(v, int | float) else str(v) for k, v in error.params.items()}
    return gettext(error.message, **params)


#: Flask-Babel parses the selector's answer on every request; a Locale is passed through.
_locale = functools.cache(Locale.parse)


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=lambda: _locale(select_locale()))
