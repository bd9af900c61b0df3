"""Logins and market members: create, add, remove, change and reset passwords (issue 13);
the admins' logins: list them, read one, correct its name and role, lock or unlock it.

Scoped like the pages: an admin acts on anyone, a manager on the volunteers of the markets
they manage; others are told *not found*. Every login is the admins' only (403 for others).
"""

from __future__ import annotations

from flask import request, url_for

from merchant_onboard.db import get_session, read_only
from merchant_onboard.domain.errors import N_, PermissionDenied
from merchant_onboard.models import Role
from merchant_onboard.services import access, membership, users
from merchant_onboard.web.api import bp
from merchant_onboard.web.api.common import api_user, json_body, token_required
from merchant_onboard.web.api.openapi import operation, path_param, problems, response
from merchant_onboard.web.api.schemas import (
    Login, LoginChange, LoginPage, MemberPage, PasswordChange, PasswordReset,
    PasswordResetAnswer, Person, PersonCreated, UserCreate,
)
from merchant_onboard.web.market_entry import enters_market
from merchant_onboard.web.security import login_limits, reset_link_token

@bp.post("/users")
@token_required
def create_user():
    if api_user().role == Role.VOLUNTEER:
        raise PermissionDenied(N_("Chỉ ban quản lý chợ mới làm được việc này."))
    body = json_body(UserCreate)
    made = users.create_login(get_session(), actor=api_user(), username=body.username,
                              role=body.role, display_name=body.display_name or "",
                              password=body.password, market_codes=body.markets)
    out = PersonCreated(**Person.of(made.user).model_dump(), markets=made.market_codes,
                        temporary_password=made.temporary_password)
    return out.body(), 201, {"Cache-Control": "no-store"}


@bp.get("/users")
@read_only
@token_required
def list_users():
    rows = users.list_logins(get_session(), actor=api_user())
    return LoginPage(items=[Login.of(user, codes) for user, codes in rows],
                     total=len(rows)).body()


@bp.get("/users/<username>")
@read_only
@token_required
def get_user(username: str):
    return Login.of(*users.login_of(get_session(), actor=api_user(), username=username)).body()


@bp.patch("/users/<username>")
@token_required
def update_user(username: str):
    changes = json_body(LoginChange).model_dump(exclude_unset=True)
    session = get_session()
    user = users.update_login(session, actor=api_user(), username=username, **changes)
    return Login.of(user, users.market_codes(session, user)).body()


@bp.get("/markets/<code>/members")
@enters_market()
@read_only
@token_required
def list_members(code: str):
    session = get_session()
    market = access.require_market(session, api_user(), code, manage=True)
    rows = membership.members(session, market)
    return MemberPage(items=[Person.of(m.user, m.last_activity) for m in rows],
                      total=len(rows)).body()


@bp.post("/markets/<code>/members/<username>")
@enters_market()
@token_required
def add_member(code: str, username: str):
    session = get_session()
    market = access.require_market(session, api_user(), code, manage=True)
    found = membership.add_member(session, actor=api_user(), market=market, username=username)
    return Person.of(found.user).body()


@bp.delete("/markets/<code>/members/<username>")
@enters_market()
@token_required
def remove_member(code: str, username: str):
    session = get_session()
    market = access.require_market(session, api_user(), code, manage=True)
    membership.remove_member(session, actor=api_user(), market=market, username=username)
    return "", 204


@bp.post("/users/me/password")
@token_required
def change_my_password():
    body = json_body(PasswordChange)
    users.change_password(get_session(), user=api_user(),
                          current_password=body.current_password,
                          new_password=body.new_password,
                          address=request.remote_addr or "unknown", limits=login_limits())
    return "", 204


@bp.post("/users/<username>/password-reset")
@token_required
def reset_password(username: str):
    body = json_body(PasswordReset) if _has_body() else PasswordReset()
    user, temporary = users.reset_password(get_session(), actor=api_user(), username=username)
    if body.method == "link":
        link = url_for("auth.reset_link", token=reset_link_token(user), _external=True)
        answer = PasswordResetAnswer(username=user.username, reset_link=link)
    else:
        answer = PasswordResetAnswer(username=user.username, temporary_password=temporary)
    return answer.body(), 200, {"Cache-Control": "no-store"}


def _has_body() -> bool:
    return bool(request.get_data(cache=True))


_CODE, _USERNAME = path_param("code", "string"), path_param("username", "string")

OPENAPI_PATHS = {
    "/users": {
        "get": operation(
            "Every login (administrators)", tag="people",
            responses={"200": response("The logins with their markets, as the web's logins "
                                       "page lists them (not paginated).", LoginPage),
                       **problems(403)}),
        "post": operation(
            "Create a manager or volunteer login", tag="people", body=UserCreate,
            description="Admins create both roles for any market; managers create volunteers "
                        "of the markets they manage. Passwords: at least 10 characters, not "
                        "the username, a market code or a common password.",
            responses={"201": response("Created; `temporary_password` only when none was "
                                       "given.", PersonCreated),
                       **problems(400, 403, 404, 409, 422)}),
    },
    "/users/{username}": {
        "get": operation(
            "One login (administrators)", tag="people", parameters=[_USERNAME],
            description="The username is matched as typed around spaces, in any case.",
            responses={"200": response("The login.", Login), **problems(403, 404)}),
        "patch": operation(
            "Correct a login's name or role, lock or unlock it (administrators)",
            tag="people", parameters=[_USERNAME], body=LoginChange,
            description="The fields sent change, by the rules of the web's logins page; "
                        "the others keep their values, and a field sent as it is stored "
                        "changes nothing (nothing is written or logged). An admin's login "
                        "(one's own included) is changed on the command line only, though "
                        "another admin may be locked; one's own login may not. All or "
                        "nothing: a wrong field changes no other. Each change is written to "
                        "the audit log.",
            responses={"200": response("The login as it now is.", Login),
                       **problems(400, 403, 404, 409, 422)}),
    },
    "/users/me/password": {"post": operation(
        "Change one's own password", tag="people", body=PasswordChange,
        description="Every session and token of the user ends, this token included. A wrong "
                    "current password counts as a failed login: it is throttled the same way.",
        responses={"204": response("Changed."), **problems(400, 422, 429)})},
    "/users/{username}/password-reset": {"post": operation(
        "Reset a password", tag="people", parameters=[_USERNAME],
        body=PasswordReset,
        description="A manager resets their volunteers' (403 for one who also works in a "
                    "market the manager does not manage), an admin anyone's. Gives a "
                    "temporary password or a one-time link valid for 24 hours; either must "
                    "be changed at the first login. Every session and token of that user "
                    "ends.",
        responses={"200": response("The temporary password or the link, shown once.",
                                   PasswordResetAnswer),
                   **problems(400, 403, 404, 422)})},
    "/markets/{code}/members": {"get": operation(
        "The people of a market (its managers and admins)", tag="people", parameters=[_CODE],
        responses={"200": response("Members, by name, with their last activity.", MemberPage),
                   **problems(403, 404)})},
    "/markets/{code}/members/{username}": {
        "post": operation(
            "Add an existing login to a market", tag="people", parameters=[_CODE, _USERNAME],
            description="Managers add volunteers in no market or only in markets they "
                        "manage (404 otherwise, as for an unknown username); admins anyone "
                        "but admins. Adding twice is a no-op.",
            responses={"200": response("The member.", Person), **problems(403, 404)}),
        "delete": operation(
            "Remove a login from this market only", tag="people",
            parameters=[_CODE, _USERNAME],
            description="The market-scoped lock: the login keeps its other markets, and its "
                        "sessions and tokens end.",
            responses={"204": response("Removed."), **problems(403, 404)}),
    },
}
