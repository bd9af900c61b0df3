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
