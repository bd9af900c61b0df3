"""Every API response produced by the suite is checked against the OpenAPI document.

An autouse fixture (a plugin of ``tests/conftest.py``) listens to Flask's ``request_finished``
for any app the test makes; each answer under /api/v1 must be one the document describes: a
documented operation, a documented status, a documented media type, and a JSON body that its
schema accepts. Mismatches fail the test that produced them, after it ran (raising inside the
request would turn them into a 500).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, Response, request, request_finished
from jsonschema.validators import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

API_PREFIX = "/api/v1"
#: Where the document is registered, so that its ``#/components/…`` references resolve.
DOCUMENT_URI = "urn:merchant-onboard:openapi"


class Document:
    """One app's OpenAPI document, with its operations found by concrete path."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.registry = Registry().with_resource(
            DOCUMENT_URI, Resource.from_contents(document, default_specification=DRAFT202012))
        self.routes = [(re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path))
                                   + "$"), path, operations)
                       for path, operations in document["paths"].items()]

    def operation(self, path: str, method: str) -> tuple[str, dict[str, Any]] | None:
        for pattern, template, operations in self.routes:
            if pattern.match(path) and method.lower() in operations:
                return template, operations[method.lower()]
        return None

    def problems(self, path: str, method: str, response: Response) -> list[str]:
        found = self.operation(path, method)
        if found is None:
            # Not an API operation (an unknown path or method): the 404/405 is the router's.
            return []
        template, operation = found
        status = str(response.status_code)
        if status not in operation["responses"]:
            status = "default"
        described = operation["responses"].get(status)
        where = f"{method} {path} → {response.status_code}"
        if described is None:
            return [f"{where}: status not documented"]
        content = described.get("content", {})
        if not content:
            # A body-less answer (204, a redirect) has nothing to describe.
            empty = response.is_streamed or not response.get_data()
            return [] if empty else [f"{where}: body not documented"]
        media = response.mimetype
        if media not in content:
            return [f"{where}: {media} not documented ({', '.join(content)})"]
        schema = content[media].get("schema")
        if schema is None or not media.endswith("json") or response.is_streamed:
            return []
        pointer = "/".join(part.replace("~", "~0").replace("/", "~1") for part in (
            "", "paths", template, method.lower(), "responses", status, "content", media,
            "schema"))
        validator = Draft202012Validator({"$ref": f"{DOCUMENT_URI}#{pointer}"},
                                         registry=self.registry)
        return [f"{where}: {'/'.join(map(str, error.absolute_path)) or '(body)'}: "
                f"{error.message[:200]}" for error in validator.iter_errors(response.get_json())]


@functools.cache
def _document() -> Document:
    """The document as the API serves it at the root, made once per test process: every app
    of the suite serves the same one (``request.path`` is without a proxy's prefix)."""
    from merchant_onboard.web import api
    from merchant_onboard.web.api.openapi import build_document

    return Document(build_document(api.MODULES))


@pytest.fixture(autouse=True)
def _api_responses_match_the_document() -> Iterator[None]:
    problems: list[str] = []

    def check(app: Flask, response: Response, **_: Any) -> None:
        if not request.path.startswith(API_PREFIX + "/"):
            return
        path = request.path[len(API_PREFIX):]
        problems.extend(_document().problems(path, request.method, response))

    request_finished.connect(check)
    try:
        yield
    finally:
        request_finished.disconnect(check)
    assert problems == [], "API answers the OpenAPI document does not describe"
