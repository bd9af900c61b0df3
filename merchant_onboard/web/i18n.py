"""Languages: Vietnamese by default (the source language of every message), English on request."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from babel import Locale
from babel.support import NullTranslations
from flask import Flask, current_app, request, session
from flask_babel import format_decimal, get_locale, get_translations, gettext
from jinja2.runtime import Context
from jinja2.utils import pass_context

from merchant_onboard.domain.errors import DomainError
from merchant_onboard.domain.figures import shown_percent
from merchant_onboard.domain.funnel import TransitionError
from merchant_onboard.extensions import babel
from merchant_onboard.web.labels import labels_in


def select_locale() -> str:
    """The language chosen with ``?lang=`` (remembered in the session), else Vietnamese.

    API clients have no session: they choose per request, with ``?lang=`` or
    ``Accept-Language``.
    """
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.args.get("lang")
    if request.path.startswith("/api/"):
        return chosen if chosen in languages else request.accept_languages.best_match(
            languages, default=default)
    if chosen in languages:
        session["lang"] = chosen
        return chosen
    stored = session.get("lang")
    return stored if stored in languages else default


def _remember_chosen_language() -> None:
    """Remember ``?lang=`` before any view runs: a page that only redirects (to the login,
    for someone logged out) draws nothing, so ``select_locale`` never read the choice, and
    the page it led to came in the other language."""
    if "lang" in request.args and not request.path.startswith("/api/"):
        select_locale()


def translate_error(error: DomainError) -> str:
    """A domain error's message in the request's language, placeholders filled; a count
    of thousands is grouped as that language writes it ("1.000.000", "1,000,000"). A step
    refused at a stall's status names both as the pages do ("Dán poster", "Đã in poster"),
    not by their codes."""
    params = {k: _grouped(v) if isinstance(v, int | float) else str(v)
              for k, v in error.params.items()}
    if isinstance(error, TransitionError):
        labels = labels_in(str(get_locale()))
        params["event"] = labels["event"].get(params["event"], params["event"])
        params["status"] = labels["status"].get(params["status"], params["status"])
    return gettext(error.message, **params)


def _grouped(number: int | float) -> int | float | str:
    # Every number a message names is a quantity (a count, a limit, a size); codes are
    # passed as text, so none is grouped by mistake. Below 1,000 the number itself stays,
    # for a message that formats it with ``%d``.
    return thousands(number) if abs(number) >= 1000 else number


def thousands(number: int | float | None) -> str:
    """A count as the request's language writes it: ``1433`` → "1.433" in Vietnamese,
    "1,433" in English (where "1.433" reads as one and a bit). Every figure a page, a chart
    or a message shows goes through here, so a manager copying from two of them reads one
    number; None (nothing to count) is shown as nothing."""
    return "" if number is None else format_decimal(number)


def percent(value: float | None, short_of: int | None = None) -> str:
    """A rate as the request's language writes it: "15 %" in Vietnamese, "15%" in English;
    None (no rate) as "–". The number is ``shown_percent``'s, as the exports' (``short_of``:
    the target the rate has not reached, which it then never reads as)."""
    if value is None:
        return "–"
    return gettext("%(number)s %%", number=shown_percent(value, short_of=short_of))


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    """Flask-Babel's ``ngettext``, with ``%(num)s`` grouped as ``thousands`` writes it (as the
    templates' ``ngettext``): Flask-Babel's takes no ``num`` of the caller's. Named as it is
    so that message extraction finds its messages."""
    variables.setdefault("num", thousands(num))
    return get_translations().ungettext(singular, plural, num) % variables


#: Flask-Babel parses the selector's answer on every request; a Locale is passed through.
_locale = functools.cache(Locale.parse)


#: The template variable holding the page's catalogue.
_CATALOGUE = "_catalogue"


def _page_catalogue() -> dict[str, Any]:
    """A context processor: the request's catalogue, looked up once per rendered page."""
    return {_CATALOGUE: get_translations()}


def _catalogue(context: Context) -> NullTranslations:
    # Flask-Babel's template functions look the catalogue up again for every message (five
    # context-local look-ups, half the cost of a translated string), and a page shows
    # dozens. A macro imported without the page's context looks it up itself.
    found = context.get(_CATALOGUE)
    return get_translations() if found is None else found


@pass_context
def _template_gettext(context: Context, message: str) -> str:
    return _catalogue(context).ugettext(message)


@pass_context
def _template_ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return _catalogue(context).ungettext(singular, plural, n)


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=lambda: _locale(select_locale()))
    app.before_request(_remember_chosen_language)
    # ``_()`` and ``ngettext()`` in templates, as Flask-Babel installs them (newstyle: escaped,
    # placeholders filled), with the catalogue the page's context carries.
    app.context_processor(_page_catalogue)
    app.jinja_env.install_gettext_callables(gettext=_template_gettext,
                                            ngettext=_template_ngettext, newstyle=True)
    app.jinja_env.globals["ngettext"] = _grouping_count(app.jinja_env.globals["ngettext"])


def _grouping_count(ngettext: Callable[..., str]) -> Callable[..., str]:
    """``ngettext`` whose ``%(num)s`` is the count grouped as the page's language writes it.

    The number a plural form is chosen by is a count of things (stalls, posters, days), which
    Jinja would print as it is: "1400 gian hàng" under a dashboard reading "1.400". The form
    is still chosen by the number itself."""

    @pass_context
    def grouped(context: Context, singular: str, plural: str, num: int,
                **variables: Any) -> str:
        variables.setdefault("num", thousands(num))
        return ngettext(context, singular, plural, num, **variables)

    return grouped
