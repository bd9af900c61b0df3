"""Re-checks: judge every QR read at a stall against its accounts, and record the verdict.

The phone sends the texts its own scanner read (``{"payloads": [...]}``), or the photo for the
server to decode (multipart field ``photo``). Either way every code counts: one foreign
transfer code beside the poster makes the verdict ``foreign`` and flags the stall.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from merchant_onboard.db import get_session
from merchant_onboard.domain.funnel import EventKind
from merchant_onboard.domain.recheck import Verdict
from merchant_onboard.domain.scan import no_qr_error, payloads_in_photo
from merchant_onboard.services import access, onboarding
from merchant_onboard.web.api import bp
from merchant_onboard.web.api.common import (
    api_user, client_id, json_body, replayable, token_required,
)
from merchant_onboard.web.api.openapi import (
    IDEMPOTENCY_KEY, operation, path_param, problems, ref, response,
)
from merchant_onboard.web.api.serializers import event_result_json

RECHECK_CREATE = {
    "type": "object", "additionalProperties": False, "required": ["payloads"],
    "properties": {
        "payloads": {"type": "array", "minItems": 1, "maxItems": 10,
                     "items": {"type": "string", "minLength": 1, "maxLength": 512},
                     "description": "The text of every QR code the phone read at the stall."},
        "client_id": {"type": "string", "minLength": 8, "maxLength": 64},
        "note": {"type": "string", "maxLength": 1000},
    },
}


@bp.post("/stalls/<int:stall_id>/rechecks")
@token_required
def create_recheck(stall_id: int):
    session, user = get_session(), api_user()
    stall, market = access.require_stall(session, user, stall_id)
    if request.mimetype == "multipart/form-data":
        body: dict[str, Any] = dict(request.form)
        photo = request.files.get("photo")
        if photo is None or not photo.filename:
            raise no_qr_error("photo")
        body["payloads"] = payloads_in_photo(photo.read(), field="photo")
        if not body["payloads"]:
            raise no_qr_error("photo")
    else:
        body = json_body(RECHECK_CREATE)
    result = onboarding.record_event(
        session, actor=user, stall=stall, kind=EventKind.RECHECK.value,
        client_id=client_id(body),
        data={"payloads": body.get("payloads"), "note": body.get("note")},
        default_test_amount=current_app.config["DEFAULT_TEST_AMOUNT"])
    data = result.event.data
    return replayable({"result": data["result"], "warning": data["warning"],
                       "codes": data["codes"],
                       **event_result_json(session, user, result, market)}, result.created)


_FOUND_CODE = {"type": "object", "properties": {
    "verdict": {"type": "string", "enum": [Verdict.MATCH.value, Verdict.FOREIGN.value,
                                           Verdict.OLD_ACCOUNT.value,
                                           Verdict.REVOKED_POSTER.value,
                                           Verdict.NOT_TRANSFER.value]},
    "kind": {"type": "string", "description": "What the code is (vietqr_account, vnpay…)."},
    "bin": {"type": ["string", "null"]}, "bank": {"type": ["string", "null"]},
    "account": {"type": ["string", "null"], "description": "Masked: •••• 3210."},
    "old_account": {"type": "boolean",
                    "description": "An account this stall used before: its posters are revoked."}}}

OPENAPI_SCHEMAS = {
    "Recheck": {"type": "object", "required": ["result", "warning", "codes", "event", "stall"],
                "properties": {
                    "result": {"type": "string", "enum": [v.value for v in Verdict],
                               "description": "The verdict on all codes: any transfer code "
                                              "that is not the current account is a warning."},
                    "warning": {"type": "boolean"},
                    "codes": {"type": "array", "items": _FOUND_CODE},
                    "event": ref("Event"), "stall": ref("Stall")}},
}

_BINARY = {"type": "string", "contentMediaType": "application/octet-stream"}

OPENAPI_PATHS = {
    "/stalls/{stall_id}/rechecks": {"post": {**operation(
        "Re-check the QR codes at a stall", tag="events",
        parameters=[path_param("stall_id"), IDEMPOTENCY_KEY],
        description="Send the codes the phone read as JSON `payloads`, or a photo as multipart "
                    "field `photo`. Records a `recheck` event; a warning verdict flags the "
                    "stall until a later re-check matches.",
        responses={"201": response("Judged and recorded.", ref("Recheck")),
                   "200": response("The same client id was used before: the first result, "
                                   "nothing written.", ref("Recheck")),
                   **problems(400, 404, 409, 413, 422)}),
        "requestBody": {"required": True, "content": {
            "application/json": {"schema": RECHECK_CREATE},
            "multipart/form-data": {"schema": {
                "type": "object", "required": ["photo"],
                "properties": {"photo": _BINARY,
                               "client_id": {"type": "string", "minLength": 8,
                                             "maxLength": 64}}}}}}}},
}
