"""What the phone needs to work without a signal (DESIGN §10).

The service worker and the manifest are served from fixed URLs at the root, so the worker's
scope covers every page; the shell it precaches is listed from the static folder through
``asset_url``, so it follows whatever URL scheme the static files have.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Response, current_app, jsonify, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from merchant_onboard.db import get_session, read_only
from merchant_onboard.domain.banks import default_registry
from merchant_onboard.services import access, stall_lookup
from merchant_onboard.web.assets import asset_url
from merchant_onboard.web.forms import new_client_id
from merchant_onboard.web.labels import labels_in
from merchant_onboard.web.market_entry import enters_market
from merchant_onboard.web.offline import bp

#: The shell: what every volunteer page loads, and the QR reader for phones without
#: BarcodeDetector (ponyfill and ZXing WebAssembly, ~460 kB over the wire). Fetched once when
#: the worker installs rather than at the first scan (13 s on a 400 kbps link), and a scan
#: works without a signal. Other static files (the census template, the README picture) are
#: fetched when a page needs them.
SHELL_GLOBS = ("css/*.css", "js/*.js", "fonts/*.woff2", "icons/*", "favicon.svg",
               "vendor/idb/*.js", "vendor/workbox-*/*.js", "vendor/barcode-detector/*.js",
               "vendor/zxing-wasm/*.wasm")
#: The most stalls one market's offline list holds: the design's largest markets have ~2,000.
OFFLINE_LIST_LIMIT = 10_000
#: Workbox module name → the vendored file the worker loads it from.
WORKBOX_MODULES = ("core", "routing", "strategies", "precaching", "expiration")


def _shell() -> list[dict[str, str]]:
    """Precache entries for the shell: each file at the URL pages link it by (``asset_url``,
    content-hashed), with a revision from its content.

    The files and revisions are found once (files do not change under a running app), the
    URLs on each request: they start with the request's script root, which a proxy may set
    (an app at ``/cho`` and at ``/`` in the same process must not share them)."""
    files = current_app.extensions.get("merchant_onboard.shell")
    if files is None:
        root = Path(current_app.static_folder or "")
        names = sorted({path.relative_to(root).as_posix() for pattern in SHELL_GLOBS
                        for path in root.glob(pattern) if path.is_file()})
        files = current_app.extensions["merchant_onboard.shell"] = [
            (name, hashlib.sha256((root / name).read_bytes()).hexdigest()[:16])
            for name in names]
    return [{"url": asset_url(name), "revision": revision} for name, revision in files]


@bp.get("/sw.js")
def service_worker():
    """The service worker: its configuration, then the vendored Workbox and our worker code."""
    config = {
        "precache": _shell(),
        "workboxModules": {f"workbox-{name}": asset_url(
            f"vendor/workbox-{name}/workbox-{name}.prod.js") for name in WORKBOX_MODULES},
        "outboxUrl": url_for("offline.outbox"),
        "loginUrl": url_for("auth.login"),
        "standInUrl": url_for("offline.stall_stand_in"),
    }
    scripts = [asset_url(name) for name in (
        "vendor/workbox-sw/workbox-sw.js", "vendor/idb/umd.js", "js/outbox.js", "js/sw.js")]
    body = (f"self.MO_CONFIG = {json.dumps(config, separators=(',', ':'))};\n"
            f"importScripts({', '.join(json.dumps(s) for s in scripts)});\n")
    response = Response(body, mimetype="text/javascript")
    # The browser checks for a new worker on every navigation; it must ask us each time.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    body = {
        "name": _("Số hoá chợ · đăng ký gian hàng"),
        "short_name": _("Số hoá chợ"),
        "lang": "vi",
        "start_url": url_for("stalls.home"),
        "scope": url_for("stalls.home"),
        "display": "standalone",
        "background_color": "#f5f7f6",
        "theme_color": "#0b5d3b",
        "icons": [{"src": asset_url(f"icons/icon-{size}.png"),
                   "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any maskable"}
                  for size in (192, 512)],
    }
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/outbox")
@login_required
def outbox():
    """The pending list: drawn on the phone from its IndexedDB outbox (nothing of it is here)."""
    translated = labels_in(str(get_locale()))
    labels = {"events": translated["event"], "statuses": translated["status"]}
    return render_template("offline/outbox.html", labels=labels)


@bp.get("/offline/stall")
@read_only
@login_required
def stall_stand_in():
    """What the service worker answers, without a signal, for a stall's page (or its census
    form) the phone never kept: kept with the market's list, so that a stall found in the
    phone's copy of the list is no dead end. Nothing of any stall is here: offline.js fills it
    from that copy (``market_stalls``), and for a census stall shows the census form's fields
    it knows, posted to that stall's form and so queued, then checked, like that form."""
    translated = labels_in(str(get_locale()))
    return render_template("offline/stall.html", statuses=translated["status"],
                           values={"client_id": new_client_id()}, errors={},
                           banks=list(default_registry()))


@bp.get("/outbox/session")
@login_required
def outbox_session():
    """Who is signed in and this session's CSRF token, asked for by the outbox before it
    sends: a waiting item holds the token of the session it was saved in, which a phone
    restart or a new login has ended, though what the item says is as good as before."""
    response = jsonify(user=str(current_user.id), csrf_token=generate_csrf())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/m/<code>/stalls.json")
@enters_market()
@read_only
@login_required
def market_stalls(code: str):
    """The market's stalls as the device keeps them for offline search: codes, names and
    status, never phones or account numbers. Scoped like the list page."""
    session = get_session()
    market = access.require_market(session, current_user, code)
    rows, _total = stall_lookup.search_stalls(session, market=market, limit=OFFLINE_LIST_LIMIT,
                                              summary=True)
    response = jsonify(market=market.code, stalls=[
        {"id": r.id, "code": r.stall_code, "zone": r.zone, "shop": r.shop_name,
         "owner": r.owner_name, "status": r.status} for r in rows])
    # Asked for on every visit of the list (each search, each page): a big market's copy is
    # five times the page, so the phone sends the tag of the one it keeps and an unchanged
    # list answers 304, empty. Weak: the same list whatever the compression (Flask-Compress
    # suffixes a strong tag with the encoding, which the next request would not match).
    response.add_etag(weak=True)
    return response.make_conditional(request)
