"""Errors the domain raises; the web, API and CLI layers translate them for people."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for Babel extraction; it is translated where it is shown."""
    return message


class DomainError(Exception):
    """Base of every error the domain and services raise on purpose.

    ``message`` is a Babel msgid (Vietnamese, the source language) with ``%(name)s``
    placeholders filled from ``params`` once translated.
    """

    def __init__(self, message: str, *, field: str | None = None, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.field = field
        self.params = params

    def __str__(self) -> str:
        text = self.message % self.params if self.params else self.message
        return f"{self.field}: {text}" if self.field else text


class ValidationError(DomainError):
    """An input value cannot be used; ``field`` names it."""


class FormErrors(DomainError):
    """Several fields are wrong at once; forms and the API show every message together."""

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__(N_("Dữ liệu chưa hợp lệ."))
        self.errors = errors

    def __str__(self) -> str:
        return "; ".join(str(error) for error in self.errors)


class NotFoundError(DomainError):
    """The thing does not exist, or the user may not know it exists (another market's stall)."""


class MarketMoved(NotFoundError):
    """No market has this code any more: an administrator corrected it to ``current``. The web
    and the API answer a request under the former code with a permanent redirect there."""

    def __init__(self, *, former: str, current: str) -> None:
        super().__init__(N_("Chợ “%(code)s” nay có mã “%(current)s”."), field="code",
                         code=former, current=current)
        self.former, self.current = former, current


class PermissionDenied(DomainError):
    """The user is known to be allowed to see this, but not to change it."""


class ConflictError(DomainError):
    """The request clashes with what is stored: a duplicate, a reused client id, a race."""

    def __init__(self, message: str, *, field: str | None = None, existing_id: int | None = None,
                 **params: object) -> None:
        super().__init__(message, field=field, **params)
        self.existing_id = existing_id


class ThrottledError(DomainError):
    """Too many attempts from this user or address; try again later."""
