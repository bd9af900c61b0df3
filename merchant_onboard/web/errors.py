"""Error pages for people, problem details (RFC 9457) for the API; never a traceback."""

from __future__ import annotations

import re
import sqlite3
import traceback

import sqlalchemy as sa
from flask import Flask, Response, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from merchant_onboard.db import close_session
from merchant_onboard.domain.errors import (
    ConflictError, DomainError, FormErrors, MarketMoved, NotFoundError, PermissionDenied,
    ThrottledError, ValidationError,
)
from merchant_onboard.domain.funnel import TransitionError
from merchant_onboard.web.problems import Problem
from merchant_onboard.web.i18n import translate_error

#: Domain error → HTTP status.
STATUS_OF: list[tuple[type[DomainError], int]] = [
    (NotFoundError, 404), (PermissionDenied, 403), (ConflictError, 409), (TransitionError, 409),
    (ThrottledError, 429), (FormErrors, 422), (ValidationError, 422), (DomainError, 400),
]


def status_of(error: DomainError) -> int:
    return next(code for kind, code in STATUS_OF if isinstance(error, kind))


def field_errors(error: DomainError) -> dict[str, list[str]]:
    """Per-field messages of a domain error, translated; a message without a field is under
    the empty key."""
    errors = error.errors if isinstance(error, FormErrors) else [error]
    out: dict[str, list[str]] = {}
    for item in errors:
        out.setdefault(item.field or "", []).append(translate_error(item))
    return out


def problem(status: int, title: str, detail: str = "", *,
            errors: dict[str, list[str]] | None = None, existing_id: int | None = None
            ) -> Response:
    """A JSON error answer: RFC 9457 problem details, as ``schemas.Problem`` describes them."""
    body = Problem(type="about:blank", status=status, title=title, detail=detail or None,
                   errors=errors or None, existing_id=existing_id)
    response = jsonify(body.model_dump(mode="json"))
    response.status_code = status
    response.content_type = "application/problem+json"
    return response


def domain_problem(error: DomainError) -> Response:
    status = status_of(error)
    response = problem(status, _http_title(status), translate_error(error),
                       errors=field_errors(error) if error.field or isinstance(error, FormErrors)
                       else None,
                       existing_id=error.existing_id if isinstance(error, ConflictError)
                       else None)
    response.headers.update(retry_after(error))
    return response


def retry_after(error: DomainError) -> dict[str, str]:
    """The ``Retry-After`` header of a throttled attempt that says how long to wait."""
    if isinstance(error, ThrottledError) and "seconds" in error.params:
        return {"Retry-After": str(error.params["seconds"])}
    return {}


def _http_title(status: int) -> str:
    from werkzeug.http import HTTP_STATUS_CODES

    return HTTP_STATUS_CODES.get(status, "Error")


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _handle_domain(error: DomainError):
    if isinstance(error, MarketMoved) and (request.view_args or {}).get("code") == error.former:
        return _to_current_code(error)
    if _wants_json():
        return domain_problem(error)
    status = status_of(error)
    return render_template("error.html", status=status, message=translate_error(error)), status


def _to_current_code(moved: MarketMoved):
    """The same page under the market's corrected code: a permanent redirect (308 keeps a
    form's POST and its body), so bookmarks, the phones' offline copies and API scripts find
    the market where it is now and may remember the new address."""
    target = url_for(request.endpoint or "", **{**(request.view_args or {}),
                                                "code": moved.current})
    query = request.query_string.decode("latin-1")
    # No body: an API client reads none on a redirect, a browser follows it unseen.
    return Response(status=308, headers={"Location": f"{target}?{query}" if query else target})


def http_message(error: HTTPException, *, api: bool = False) -> str:
    """What a person is told about an HTTP error, in their language (``api``: to a script,
    which asked for a record, not a page)."""
    messages = {
        400: _("Yêu cầu không hợp lệ."),
        403: _("Bạn không có quyền xem trang này."),
        404: _("Không tìm thấy.") if api else _("Không tìm thấy trang."),
        405: _("Thao tác không được hỗ trợ."),
        413: _("Tệp quá lớn (tối đa 12 MB)."),
        429: _("Quá nhiều yêu cầu. Vui lòng thử lại sau."),
    }
    return messages.get(error.code or 500, error.description or "")


def handle_http(error: HTTPException):
    """The answer to an HTTP error: problem details for the API, else the error page."""
    if _wants_json():
        # In the request's language as every other problem, not Werkzeug's English.
        response = problem(error.code or 500, _http_title(error.code or 500),
                           http_message(error, api=True))
        response.headers.update(_allow_header(error))
        return response
    status = error.code or 500
    page = render_template("error.html", status=status, message=http_message(error))
    return page, status, _allow_header(error)


def _allow_header(error: HTTPException) -> dict[str, str]:
    # RFC 9110 §15.5.6: a 405 says which methods the resource has.
    methods = getattr(error, "valid_methods", None)
    return {"Allow": ", ".join(methods)} if methods else {}


def _handle_csrf(error: CSRFError):
    if _wants_json():
        return problem(400, "Bad Request", error.description)
    return render_template("error.html", status=400, message=_(
        "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Tải lại trang rồi thử lại.")), 400


#: PostgreSQL's "try again" states: lock not available, serialization failure, deadlock.
_BUSY_SQLSTATES = {"55P03", "40001", "40P01"}
#: Seconds a client is asked to wait when the database is busy.
RETRY_AFTER_SECONDS = 5


def is_busy(error: sa.exc.OperationalError) -> bool:
    """Whether the database only answered "busy, try again" (SQLite's lock waited out its
    timeout, or PostgreSQL gave up on a lock), rather than failed."""
    original = error.orig
    if getattr(original, "sqlstate", None) in _BUSY_SQLSTATES:
        return True
    return isinstance(original, sqlite3.OperationalError) and (
        "locked" in str(original) or "busy" in str(original))


def _handle_database(error: sa.exc.OperationalError):
    if not is_busy(error):
        return _handle_unexpected(error)
    from flask import current_app

    current_app.logger.warning("database busy: %s", error.orig)
    close_session()
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    message = _("Máy chủ đang bận ghi dữ liệu. Vui lòng thử lại sau ít giây.")
    if _wants_json():
        response = problem(503, "Service Unavailable", message)
        response.headers.update(headers)
        return response
    return render_template("error_500.html", status=503, message=message), 503, headers


#: A PostgreSQL error's DETAIL line names the values of the row it refused ("Key (phone)=
#: (0987654321) already exists"): owners' phones and account numbers. The engines hide a
#: statement's values (db.make_engine); this keeps the server's own words about them out too.
_DETAIL_LINE = re.compile(r"^DETAIL:.*$", re.MULTILINE)


def _handle_unexpected(error: Exception):
    # Logged with its traceback for the operator; the user gets a plain page.
    from flask import current_app

    traceback_text = "".join(traceback.format_exception(error))
    current_app.logger.error("unhandled error\n%s",
                             _DETAIL_LINE.sub("DETAIL: (values left out)", traceback_text))
    # The request's database session may be what failed (a dropped connection), and the
    # signed-in user was loaded through it: the answer is made from the request alone.
    close_session()
    if _wants_json():
        return problem(500, "Internal Server Error")
    try:
        return render_template("error_500.html"), 500
    except Exception:
        current_app.logger.exception("the error page failed too")
        return _BARE_500, 500, {"Content-Type": "text/html; charset=utf-8"}


#: The last resort, should even the plain error page fail to render.
_BARE_500 = ('<!doctype html><meta charset="utf-8"><title>500</title>'
             "<h1>500</h1><p>Có lỗi ở máy chủ. Vui lòng thử lại.</p>"
             '<p><a href="/">merchant_onboard</a></p>')


def init_app(app: Flask) -> None:
    app.register_error_handler(DomainError, _handle_domain)
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(sa.exc.OperationalError, _handle_database)
    app.register_error_handler(Exception, _handle_unexpected)
