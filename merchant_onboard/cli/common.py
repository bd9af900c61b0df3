"""What the command families share: every expected failure ends in one line, never a traceback.

Every command is a :class:`Command` (groups make theirs so): bad input, a wrong setting, a
database that cannot be reached and a file that cannot be written are reported on stderr as
``error: …`` with exit status 2, in one place rather than in each command.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import click
import sqlalchemy as sa

from merchant_onboard.config import ConfigError
from merchant_onboard.domain.errors import DomainError, FormErrors


class CommandError(Exception):
    """A failure a command explains in its own words (reported as ``error: <message>``)."""


def fail(error: DomainError) -> NoReturn:
    """Report a domain error on stderr and exit 2, without a traceback."""
    lines = [str(e) for e in error.errors] if isinstance(error, FormErrors) else [str(error)]
    for line in lines:
        click.echo(f"error: {line}", err=True)
    raise SystemExit(2)


def _exit(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(2)


def _database_message(error: Exception) -> str | None:
    """The one line to say when the database cannot be used (not reachable, no such database
    or directory, refused login), or None when ``error`` is not that."""
    if not isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError):
        return None
    lines = str(error.orig or error).strip().splitlines()
    return f"cannot use the database named by DATABASE_URL: {lines[0] if lines else error}"


def _unicode_message(error: Exception) -> str | None:
    """A text argument that is not valid UTF-8 (a terminal in another encoding) reaches an
    encoder as lone surrogates; SQLAlchemy may wrap that error in its own."""
    if isinstance(error, sa.exc.StatementError):
        error = error.orig  # type: ignore[assignment]
    if isinstance(error, UnicodeEncodeError):
        return "an argument is not valid UTF-8 text (check the terminal's encoding)"
    return None


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn the failures a command can expect into ``error: …`` and exit status 2."""
    try:
        yield
    except DomainError as error:
        fail(error)
    except (ConfigError, CommandError) as error:
        _exit(str(error))
    except OSError as error:
        # A file that cannot be written or read, an address already in use.
        reason = error.strerror or str(error)
        _exit(f"{error.filename}: {reason}" if error.filename else reason)
    except Exception as error:
        message = _database_message(error) or _unicode_message(error)
        if message is None:
            raise
        _exit(message)


class Command(click.Command):
    """A command whose expected failures end in one line (see :func:`reported_errors`)."""

    def invoke(self, ctx: click.Context) -> Any:
        with reported_errors():
            return super().invoke(ctx)


class Group(click.Group):
    """A command group whose commands and subgroups are :class:`Command` and :class:`Group`."""

    command_class = Command
    group_class = type
