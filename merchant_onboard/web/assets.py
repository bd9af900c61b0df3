"""Static files at content-hashed URLs, kept by browsers for a year without asking again.

On one bar of signal every revalidation costs a round trip (400 ms and more), and a page links
its CSS, its script, its fonts and its icon. Each link carries a hash of the file's content
(``/static/css/app.css?v=3f2a9c1b0d4e``): a changed file gets a new URL, so the old one may be
cached forever. The hashes are computed once, when the app starts; a deploy restarts it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import quote

from flask import Flask, Response, current_app, request

#: The query argument carrying the hash.
VERSION_ARG = "v"
IMMUTABLE = "public, max-age=31536000, immutable"
#: An unversioned or outdated URL: the file may change under it, so ask each time.
REVALIDATE = "no-cache"
#: Where the app keeps each file's hash, and its versioned path under the static route.
_HASHES, _PATHS = "merchant_onboard.assets", "merchant_onboard.asset_paths"


def content_hashes(folder: Path) -> dict[str, str]:
    """``{"css/app.css": "3f2a9c1b0d4e", …}`` for every file under ``folder``."""
    return {path.relative_to(folder).as_posix():
            hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            for path in sorted(folder.rglob("*")) if path.is_file()}


def asset_url(filename: str) -> str:
    """The URL of ``static/<filename>`` with its content hash: ``/static/css/app.css?v=3f2a…``.

    Written out once when the app starts, not asked of the router on every link: Flask serves
    static files at ``static_url_path`` followed by the file's path, and a page links about
    ten of them; building each with ``url_for("static", …)`` (its path converter and query
    string) was 4 % of the stall list's instructions. The request's script root goes in front,
    as ``url_for`` puts it. ``tests/web/test_static_assets.py`` checks that both give the same
    URL for every file, under a path prefix too.
    """
    path = current_app.extensions[_PATHS].get(filename)
    if path is None:
        raise LookupError(f"no static file {filename!r}")
    return request.script_root + path


def _cache_rule(response: Response) -> Response:
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    hashes = current_app.extensions[_HASHES]
    filename = (request.view_args or {}).get("filename")
    current = filename in hashes and request.args.get(VERSION_ARG) == hashes[filename]
    response.headers["Cache-Control"] = IMMUTABLE if current else REVALIDATE
    return response


def init_app(app: Flask) -> None:
    assert app.static_folder is not None
    hashes = app.extensions[_HASHES] = content_hashes(Path(app.static_folder))
    app.extensions[_PATHS] = {
        name: f"{app.static_url_path}/{quote(name)}?{VERSION_ARG}={version}"
        for name, version in hashes.items()}
    app.after_request(_cache_rule)
