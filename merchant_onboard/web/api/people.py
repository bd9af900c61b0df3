"""Logins and market members: create, add, remove, change and reset passwords (issue 13).

Scoped like the pages: an admin acts on anyone, a manager on the volunteers of the markets
they manage; others are told *not found*.
"""

from __future__ import annotations

from typing import Any

from flask import request, url_for

from merchant_onboard.db import get_session, read_only
from merchant_onboard.domain.errors import N_, PermissionDenied, ValidationError
from merchant_onboard.models import Role
from merchant_onboard.services import access, users
from merchant_onboard.web.api import bp
from merchant_onboard.web.api.common import api_user, json_body, token_required
from merchant_onboard.web.api.openapi import operation, path_param, problems, ref, response
from merchant_onboard.web.api.serializers import iso
from merchant_onboard.web.security import reset_link_token

USER_CREATE = {
    "type": "object", "additionalProperties": False,
    "required": ["username", "role", "markets"],
    "properties": {
        "username": {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{1,63}$"},
        "display_name": {"type": "string", "maxLength": 120},
        "role": {"type": "string", "enum": [Role.MANAGER.value, Role.VOLUNTEER.value]},
        "password": {"type": "string", "minLength": 10,
                     "description": "Optional: without it a temporary password is made, "
                                    "returned once, and must be changed at the first login."},
        "markets": {"type": "array", "items": {"type": "string"},
                    "description": "Codes of the markets the login works in."},
    },
}
PASSWORD_CHANGE = {
    "type": "object", "additionalProperties": False,
    "required": ["current_password", "new_password"],
    "properties": {"current_password": {"type": "string"},
                   "new_password": {"type": "string", "minLength": 10}},
}
PASSWORD_RESET = {
    "type": "object", "additionalProperties": False,
    "properties": {"method": {"type": "string", "enum": ["temporary_password", "link"],
                              "default": "temporary_password"}},
}


def person_json(user: Any, last_activity: Any = None) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "role": user.role, "active": user.active,
            "must_change_password": user.must_change_password,
            "last_activity": iso(last_activity)}


@bp.post("/users")
@token_required
def create_user():
    if api_user().role == Role.VOLUNTEER:
        raise PermissionDenied(N_("Chỉ ban quản lý chợ mới làm được việc này."))
    body = json_body(USER_CREATE)
    markets = body.get("markets") or []
    if not all(isinstance(code, str) for code in markets):
        raise ValidationError(N_("Sai kiểu dữ liệu: cần %(type)s."), field="markets",
                              type="string")
    made = users.create_login(get_session(), actor=api_user(), username=body["username"],
                              role=body["role"], display_name=body.get("display_name") or "",
                              password=body.get("password"), market_codes=markets)
    out = person_json(made.user)
    out["markets"] = markets
    if made.temporary_password is not None:
        out["temporary_password"] = made.temporary_password
    return out, 201, {"Cache-Control": "no-store"}


@bp.get("/markets/<code>/members")
@read_only
@token_required
def list_members(code: str):
    session = get_session()
    market = access.require_market(session, api_user(), code, manage=True)
    rows = users.members(session, market)
    return {"items": [person_json(m.user, m.last_activity) for m in rows], "total": len(rows)}


@bp.post("/markets/<code>/members/<username>")
@token_required
def add_member(code: str, username: str):
    session = get_session()
    market = access.require_market(session, api_user(), code, manage=True)
    user = users.add_member(session, actor=api_user(), market=market, username=username)
    return person_json(user)


@bp.delete("/markets/<code>/members/<username>")
@token_required
def remove_member(code: str, username: str):
    session = get_session()
    market = access.require_market(session, api_user(), code, manage=True)
    users.remove_member(session, actor=api_user(), market=market, username=username)
    return "", 204


@bp.post("/users/me/password")
@token_required
def change_my_password():
    body = json_body(PASSWORD_CHANGE)
    users.change_password(get_session(), user=api_user(),
                          current_password=body["current_password"],
                          new_password=body["new_password"])
    return "", 204


@bp.post("/users/<username>/password-reset")
@token_required
def reset_password(username: str):
    body = json_body(PASSWORD_RESET) if _has_body() else {}
    user, temporary = users.reset_password(get_session(), actor=api_user(), username=username)
    if body.get("method") == "link":
        link = url_for("auth.reset_link", token=reset_link_token(user), _external=True)
        return {"username": user.username, "reset_link": link}, 200, {"Cache-Control": "no-store"}
    return {"username": user.username, "temporary_password": temporary}, 200, \
        {"Cache-Control": "no-store"}


def _has_body() -> bool:
    return bool(request.get_data(cache=True))


_PERSON = {"type": "object", "properties": {
    "id": {"type": "integer"}, "username": {"type": "string"},
    "display_name": {"type": "string"}, "role": {"type": "string"},
    "active": {"type": "boolean"}, "must_change_password": {"type": "boolean"},
    "last_activity": {"type": ["string", "null"], "format": "date-time",
                      "description": "The later of the last login and the last onboarding "
                                     "step recorded in this market."}}}
_CODE, _USERNAME = path_param("code", "string"), path_param("username", "string")

OPENAPI_SCHEMAS = {"Person": _PERSON}

OPENAPI_PATHS = {
    "/users": {"post": operation(
        "Create a manager or volunteer login", tag="people", body=USER_CREATE,
        description="Admins create both roles for any market; managers create volunteers of "
                    "the markets they manage. Passwords: at least 10 characters, not the "
                    "username, a market code or a common password.",
        responses={"201": response("Created; `temporary_password` only when none was given.",
                                   {"allOf": [ref("Person"), {"type": "object", "properties": {
                                       "markets": {"type": "array",
                                                   "items": {"type": "string"}},
                                       "temporary_password": {"type": "string"}}}]}),
                   **problems(400, 403, 404, 409, 422)})},
    "/users/me/password": {"post": operation(
        "Change one's own password", tag="people", body=PASSWORD_CHANGE,
        description="Every session and token of the user ends, this token included.",
        responses={"204": response("Changed."), **problems(400, 422)})},
    "/users/{username}/password-reset": {"post": operation(
        "Reset a password", tag="people", parameters=[_USERNAME],
        body=PASSWORD_RESET,
        description="A manager resets their volunteers', an admin anyone's. Gives a temporary "
                    "password or a one-time link valid for 24 hours; either must be changed "
                    "at the first login. Every session and token of that user ends.",
        responses={"200": response("The temporary password or the link, shown once.", {
            "type": "object", "properties": {
                "username": {"type": "string"}, "temporary_password": {"type": "string"},
                "reset_link": {"type": "string"}}}),
            **problems(400, 404, 422)})},
    "/markets/{code}/members": {"get": operation(
        "The people of a market (its managers and admins)", tag="people", parameters=[_CODE],
        responses={"200": response("Members, by name, with their last activity.", {
            "type": "object", "properties": {"items": {"type": "array", "items": ref("Person")},
                                             "total": {"type": "integer"}}}),
            **problems(403, 404)})},
    "/markets/{code}/members/{username}": {
        "post": operation(
            "Add an existing login to a market", tag="people", parameters=[_CODE, _USERNAME],
            description="Managers add volunteers; admins also managers. Adding twice is a "
                        "no-op.",
            responses={"200": response("The member.", ref("Person")), **problems(403, 404)}),
        "delete": operation(
            "Remove a login from this market only", tag="people",
            parameters=[_CODE, _USERNAME],
            description="The market-scoped lock: the login keeps its other markets, and its "
                        "sessions and tokens end.",
            responses={"204": response("Removed."), **problems(403, 404)}),
    },
}
