"""The OpenAPI 3.1 document at /api/v1/openapi.json: the route table of every API module,
with the bodies and answers generated from the pydantic models of ``web/api/schemas.py``.

Every module in ``merchant_onboard.web.api.MODULES`` may define ``OPENAPI_PATHS`` (paths as
its routes are written under /api/v1, ``{name}`` for ``<name>``); a schema is named by its
model (``ref(schemas.Stall)``), and the models referenced, with those they use, become the
document's components. A test checks that every route of the blueprint is in the document
and that every documented operation answers, so the two cannot drift apart.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import Any

from flask import request
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from merchant_onboard.services.onboarding import CLIENT_ID_MAX, CLIENT_ID_MIN
from merchant_onboard.web.api import bp, schemas
from merchant_onboard.web.routing import MAX_ROW_ID

COMPONENTS = "#/components/schemas/"

#: What each problem status means in this API (the document's response descriptions).
PROBLEM_MEANINGS = {
    400: "Malformed request: a body that is not a JSON object, or text (in the path, the "
         "query or the body) holding a NUL character or an unpaired surrogate.",
    401: "Missing, expired or invalid bearer token; or wrong username or password.",
    403: "Authenticated, but the role may not do this; or a temporary password must be "
         "changed first (POST /users/me/password).",
    404: "No such record, or it belongs to a market the user does not work in.",
    409: "Conflicts with what is stored: a stall's code, account or phone another stall has "
         "(`existing_id` names it), an event the stall's status does not allow, or a client "
         "id used for another operation.",
    413: "The request's body is larger than 12 MB.",
    422: "Invalid input: `errors` holds the messages per field; nothing was written.",
    429: "Too many wrong passwords: try again after the seconds in `Retry-After` (also said "
         "in `detail`).",
    503: "The database is busy: retry after the seconds in `Retry-After`.",
}

IDEMPOTENCY_KEY = {"$ref": "#/components/parameters/IdempotencyKey"}


def ref(model: type[BaseModel]) -> dict[str, str]:
    """The document's schema of ``model`` (one of ``web/api/schemas.py``)."""
    if getattr(schemas, model.__name__, None) is not model:
        raise ValueError(f"{model.__name__} is not a model of web/api/schemas.py")
    return {"$ref": COMPONENTS + model.__name__}


def response(description: str, model: type[BaseModel] | Mapping[str, Any] | None = None,
             media_type: str = "application/json") -> dict[str, Any]:
    out: dict[str, Any] = {"description": description}
    if model is not None:
        schema = ref(model) if isinstance(model, type) else dict(model)
        out["content"] = {media_type: {"schema": schema}}
    return out


def problems(*statuses: int) -> dict[str, Any]:
    """Problem-details responses for ``statuses``."""
    return {str(status): response(PROBLEM_MEANINGS[status], schemas.Problem,
                                  "application/problem+json") for status in statuses}


def path_param(name: str, kind: str = "integer") -> dict[str, Any]:
    """A path parameter: an id within what the URL converter accepts (web/routing.py), or a
    string."""
    schema: dict[str, Any] = {"type": kind}
    if kind == "integer":
        schema.update(minimum=1, maximum=MAX_ROW_ID)
    return {"name": name, "in": "path", "required": True, "schema": schema}


def query_param(name: str, schema: Mapping[str, Any], description: str = "") -> dict[str, Any]:
    param: dict[str, Any] = {"name": name, "in": "query", "required": False,
                             "schema": dict(schema)}
    if description:
        param["description"] = description
    return param


def query_params(model: type[BaseModel]) -> list[dict[str, Any]]:
    """The query parameters ``model`` reads, one per field, with their schemas in line (a
    query has no nulls)."""
    whole = model.model_json_schema(ref_template="{model}")
    out = []
    for name, schema in whole["properties"].items():
        schema = {k: v for k, v in schema.items() if k not in ("title", "description")}
        if "anyOf" in schema:
            schema.update(next(s for s in schema.pop("anyOf") if s != {"type": "null"}))
            if schema.get("default", ...) is None:
                del schema["default"]
        if "$ref" in schema:
            defined = whole["$defs"][schema.pop("$ref")]
            schema.update({k: v for k, v in defined.items() if k not in ("title", "description")})
        out.append(query_param(name, schema, model.model_fields[name].description or ""))
    return out


def operation(summary: str, *, tag: str, responses: Mapping[str, Any],
              body: type[BaseModel] | None = None, parameters: Iterable[Any] = (),
              description: str = "", public: bool = False) -> dict[str, Any]:
    """One operation; unless ``public`` it needs the bearer token and may answer 401."""
    op: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": dict(responses)}
    if description:
        op["description"] = description
    if parameters:
        op["parameters"] = list(parameters)
    if body is not None:
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": ref(body)}}}
    if public:
        op["security"] = []
    else:
        # Any token may be refused, and one after a password reset works only to change it.
        op["responses"].update(problems(401, 403))
    # Any request: text no column can hold (a NUL, an unpaired surrogate) is refused before
    # the view, and so is a body over the limit, whatever the operation.
    op["responses"].update(problems(400, 413, 503))
    return op


#: Every operation under a market's code may answer this (``access.enter_market``).
MARKET_MOVED = {
    "description": "An administrator corrected the market's code: the same operation under "
                   "its current code, method and body kept (`Location`).",
    "headers": {"Location": {"schema": {"type": "string"}}},
}


def build_document(modules: Iterable[ModuleType], root: str = "") -> dict[str, Any]:
    """The whole document from the parts ``modules`` declare, for the app served under
    ``root`` (a proxy's path prefix, or none)."""
    paths: dict[str, dict[str, Any]] = {}
    for module in modules:
        for path, operations in getattr(module, "OPENAPI_PATHS", {}).items():
            taken = paths.setdefault(path, {})
            if taken.keys() & operations.keys():
                raise ValueError(f"{module.__name__} documents {path} a second time")
            taken.update(operations)
    for path, operations in paths.items():
        if "{code}" in path:
            for op in operations.values():
                op["responses"].setdefault("308", MARKET_MOVED)
    return {
        "openapi": "3.1.0",
        "info": {"title": "merchant_onboard API", "version": "1",
                 "description": "Register market stalls for VietQR payments, record their "
                                "onboarding, read QR codes. Messages are in Vietnamese "
                                "(`?lang=en` or `Accept-Language: en` for English). Every "
                                "create and event takes an idempotency key "
                                "(`Idempotency-Key` header or "
                                "`client_id`): a retry answers 200 with the first result."},
        "servers": [{"url": f"{root}/api/v1"}],
        "security": [{"bearer": []}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": component_schemas(paths),
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "A token from POST /api/v1/tokens. Session cookies are ignored."}},
            "parameters": {"IdempotencyKey": {
                "name": "Idempotency-Key", "in": "header", "required": False,
                "schema": {"type": "string", "minLength": CLIENT_ID_MIN,
                           "maxLength": CLIENT_ID_MAX},
                "description": "A UUID made by the client; wins over `client_id` in the body."}},
        },
    }


def component_schemas(paths: Mapping[str, Any]) -> dict[str, Any]:
    """The schemas of the models ``paths`` reference, and of those they use: a request's as
    it is validated, an answer's as it is written."""
    names = tuple(sorted(set(re.findall(re.escape(COMPONENTS) + r"(\w+)", json.dumps(paths)))))
    return copy.deepcopy(_schemas_of(names))


@functools.cache
def _schemas_of(names: tuple[str, ...]) -> dict[str, Any]:
    """Generated once per process: pydantic takes about 70 ms over the models, and they are
    code. ``names`` are the models' names in ``schemas`` (``ref`` takes no other), so the
    cache holds one entry per set of modules documented, never anything a request chose."""
    models = [getattr(schemas, name) for name in names]
    _, found = models_json_schema(
        [(model, "validation" if issubclass(model, schemas.Request) else "serialization")
         for model in models], ref_template=COMPONENTS + "{model}")
    return dict(sorted(found["$defs"].items()))


@bp.get("/openapi.json")
def openapi_document():
    from merchant_onboard.web import api

    return build_document(api.MODULES, root=request.script_root)


OPENAPI_PATHS = {
    "/openapi.json": {"get": operation(
        "This document", tag="meta", public=True,
        responses={"200": response("The OpenAPI 3.1 document.", {"type": "object"})})},
}
