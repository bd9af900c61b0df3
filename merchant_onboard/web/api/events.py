"""Onboarding events: record the next step of a stall's funnel, read its history."""

from __future__ import annotations

from flask import current_app

from merchant_onboard.db import get_session, read_only
from merchant_onboard.domain.event_data import clean_device_time
from merchant_onboard.models.base import utcnow
from merchant_onboard.services import access, onboarding, stall_lookup
from merchant_onboard.web.api import bp
from merchant_onboard.web.api.common import (
    api_user, client_id, json_body, replayable, token_required,
)
from merchant_onboard.web.api.openapi import (
    IDEMPOTENCY_KEY, operation, path_param, problems, response,
)
from merchant_onboard.web.api.schemas import Event, EventCreate, EventPage, EventResult
from merchant_onboard.web.api.stalls import event_result


@bp.post("/stalls/<int:stall_id>/events")
@token_required
def record_event(stall_id: int):
    session, user = get_session(), api_user()
    stall, market = access.require_stall(session, user, stall_id)
    body = json_body(EventCreate)
    result = onboarding.record_event(
        session, actor=user, stall=stall, kind=body.kind, client_id=client_id(body.client_id),
        data=body.data, device_time=clean_device_time(body.device_time, now=utcnow()),
        default_test_amount=current_app.config["DEFAULT_TEST_AMOUNT"])
    return replayable(event_result(session, user, result, market).body(), result.created)


@bp.get("/stalls/<int:stall_id>/events")
@read_only
@token_required
def list_events(stall_id: int):
    session, user = get_session(), api_user()
    stall, market = access.require_stall(session, user, stall_id)
    events = stall_lookup.stall_view(session, stall, market).events
    return EventPage(items=[Event.of(e) for e in events], total=len(events)).body()


_ID = path_param("stall_id")

OPENAPI_PATHS = {
    "/stalls/{stall_id}/events": {
        "post": operation(
            "Record an onboarding event", tag="events", body=EventCreate,
            parameters=[_ID, IDEMPOTENCY_KEY],
            description="The stall's status moves by the funnel table; an event its status "
                        "does not allow is a 409 with the message under `errors.kind`.",
            responses={"201": response("Recorded.", EventResult),
                       "200": response("The same client id was used before: the first "
                                       "result, nothing written.", EventResult),
                       **problems(400, 404, 409, 422)}),
        "get": operation("The stall's history, newest first", tag="events", parameters=[_ID],
                         responses={"200": response("The events.", EventPage),
                                    **problems(404)}),
    },
}
