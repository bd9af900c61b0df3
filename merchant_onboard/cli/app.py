"""Commands that run the service or change its database: serve, db, create-user, seed-demo.

The database layer is imported inside each command, so ``merchant-onboard qr …`` starts fast.
"""

from __future__ import annotations

import os
import secrets

import click
from flask import current_app
from flask.cli import with_appcontext

from merchant_onboard.cli.common import Command, CommandError, Group


@click.group(cls=Group)
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Bring the database to the latest schema."""
    from merchant_onboard.db import get_engine
    from merchant_onboard.migrate import upgrade

    upgrade(get_engine())
    click.echo("database is up to date")


@db.command("revision")
@click.option("-m", "--message", required=True)
@with_appcontext
def db_revision(message: str) -> None:
    """(Developers) write a migration from the difference between models and database."""
    from merchant_onboard.db import get_engine
    from merchant_onboard.migrate import revision

    revision(get_engine(), message)


@click.command("create-user", cls=Command)
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "manager", "volunteer"]), required=True)
@click.option("--name", "display_name", default="", help="Name shown in the app.")
@click.option("--market", "markets", multiple=True, help="Market code (repeatable).")
@click.option("--password", envvar="MO_NEW_USER_PASSWORD", default=None,
              help="Password (asked for when not given).")
@with_appcontext
def create_user(username: str, role: str, display_name: str, markets: tuple[str, ...],
                password: str | None) -> None:
    """Create a login for a volunteer, manager or administrator."""
    from merchant_onboard.db import get_session
    from merchant_onboard.services.users import create_user as create
    from merchant_onboard.services.users import market_codes

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    session = get_session()
    user = create(session, username=username, password=password, role=role,
                  display_name=display_name, market_codes=list(markets))
    # The markets by their codes now (one typed may be a former code).
    works_in = market_codes(session, user)
    click.echo(f"created {user.role} {user.username}"
               + (f" in {', '.join(works_in)}" if works_in else ""))


@click.command("seed-demo", cls=Command)
@with_appcontext
def seed_demo() -> None:
    """Load the demo market (Chợ Vị Thanh) and its users; prints their password."""
    password = _seed_demo()
    click.echo(f"demo users admin, manager, volunteer, minh — password: {password}")


def _seed_demo() -> str:
    from merchant_onboard.db import get_engine, get_session
    from merchant_onboard.migrate import upgrade
    from merchant_onboard.services.demo import seed_demo as seed

    upgrade(get_engine())
    password = os.environ.get("MO_DEMO_PASSWORD") or secrets.token_urlsafe(9)
    seed(get_session(), password=password)
    return password


@click.command("serve", cls=Command)
@click.option("--demo", is_flag=True, help="Load the demo market and print its logins.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(min=1))
@with_appcontext
def serve(demo: bool, host: str, port: int, threads: int) -> None:
    """Upgrade the database and serve the app with waitress (a production WSGI server)."""
    import waitress

    from merchant_onboard.db import get_engine
    from merchant_onboard.migrate import upgrade

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    upgrade(get_engine())
    if demo:
        password = _seed_demo()
        click.echo("Demo market: Chợ Vị Thanh (cho-vi-thanh)")
        click.echo(f"Logins: admin, manager, volunteer, minh — password: {password}")
    # Bound before "Serving on" is printed: waitress names neither a bad host (a ValueError)
    # nor the address already in use.
    try:
        server = waitress.create_server(
            app, host=host, port=port, threads=threads, ident="merchant_onboard",
            **waitress_proxy_options(int(app.config["TRUSTED_PROXIES"])))
    except ValueError:
        raise click.BadParameter(f"{host} is not an address of this machine",
                                 param_hint="'--host'") from None
    except OSError as error:
        raise CommandError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    click.echo(f"Serving on http://{shown}:{port}/  (database: {_safe_url(app)})")
    server.run()


def waitress_proxy_options(proxies: int) -> dict:
    """What waitress needs to keep the ``X-Forwarded-*`` headers of ``proxies`` proxies
    (MO_TRUSTED_PROXIES) and set the client's address from them.

    Without these waitress drops the headers as untrusted before the app's ProxyFix sees
    them, and every client behind the proxy shares the proxy's address (one throttle for
    all). Like ProxyFix, it trusts whatever connects: the app must be reachable only
    through the proxies. Waitress and ProxyFix then read the same header with the same
    count, so they agree on the address.
    """
    if proxies <= 0:
        return {}
    return {"trusted_proxy": "*", "trusted_proxy_count": proxies,
            "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto",
                                      "x-forwarded-host", "x-forwarded-port"}}


def _safe_url(app) -> str:
    from merchant_onboard.db import get_engine

    return get_engine(app).url.render_as_string(hide_password=True)
