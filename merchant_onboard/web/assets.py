"""Static files at content-hashed URLs, kept by browsers for a year without asking again.

On one bar of signal every revalidation costs a round trip (400 ms and more), and a page links
its CSS, its script, its fonts and its icon. Each link carries a hash of the file's content
(``/static/css/app.css?v=3f2a9c1b0d4e``): a changed file gets a new URL, so the old one may be
cached forever. The hashes are computed once, when the app starts; a deploy restarts it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from flask import Flask, Response, current_app, request, url_for
from jinja2.runtime import Context
from jinja2.utils import pass_context

#: The query argument carrying the hash.
VERSION_ARG = "v"
IMMUTABLE = "public, max-age=31536000, immutable"
#: An unversioned or outdated URL: the file may change under it, so ask each time.
REVALIDATE = "no-cache"


def content_hashes(folder: Path) -> dict[str, str]:
    """``{"css/app.css": "3f2a9c1b0d4e", …}`` for every file under ``folder``."""
    return {path.relative_to(folder).as_posix():
            hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            for path in sorted(folder.rglob("*")) if path.is_file()}


def asset_url(filename: str, build: Callable[..., str] = url_for) -> str:
    """The URL of ``static/<filename>`` with its content hash, built by ``build`` (a
    ``url_for``)."""
    version = current_app.extensions["merchant_onboard.assets"].get(filename)
    if version is None:
        raise LookupError(f"no static file {filename!r}")
    return build("static", filename=filename, **{VERSION_ARG: version})


@pass_context
def template_asset_url(context: Context, filename: str) -> str:
    """``asset_url`` in templates, built with the templates' ``url_for`` (the app's own method:
    ``flask.url_for`` finds the app through a context-local first, and a page links ten
    static files)."""
    return asset_url(filename, context.get("url_for", url_for))


def _cache_rule(response: Response) -> Response:
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    hashes = current_app.extensions["merchant_onboard.assets"]
    filename = (request.view_args or {}).get("filename")
    current = filename in hashes and request.args.get(VERSION_ARG) == hashes[filename]
    response.headers["Cache-Control"] = IMMUTABLE if current else REVALIDATE
    return response


def init_app(app: Flask) -> None:
    assert app.static_folder is not None
    app.extensions["merchant_onboard.assets"] = content_hashes(Path(app.static_folder))
    app.after_request(_cache_rule)
