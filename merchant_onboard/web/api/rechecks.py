"""Re-checks: judge every QR read at a stall against its accounts, and record the verdict.

The phone sends the texts its own scanner read (``{"payloads": [...]}``), or the photo for the
server to decode (multipart field ``photo``). Either way every code counts: one foreign
transfer code beside the poster makes the verdict ``foreign`` and flags the stall.
"""

from __future__ import annotations

from flask import current_app, request

from merchant_onboard.db import get_session
from merchant_onboard.domain.errors import N_, ValidationError
from merchant_onboard.domain.funnel import EventKind
from merchant_onboard.domain.scan import no_qr_error, payloads_in_photo
from merchant_onboard.services import access, onboarding
from merchant_onboard.web.api import bp
from merchant_onboard.web.api.common import (
    api_user, client_id, json_body, replayable, token_required,
)
from merchant_onboard.web.api.openapi import (
    IDEMPOTENCY_KEY, operation, path_param, problems, ref, response,
)
from merchant_onboard.web.api.schemas import Recheck, RecheckCreate, RecheckPhoto
from merchant_onboard.web.api.stalls import event_result


@bp.post("/stalls/<int:stall_id>/rechecks")
@token_required
def create_recheck(stall_id: int):
    session, user = get_session(), api_user()
    stall, market = access.require_stall(session, user, stall_id)
    if request.mimetype == "multipart/form-data":
        photo = request.files.get("photo")
        if photo is None or not photo.filename:
            # No photo at all (another field's name, say): not "no QR in the photo".
            raise ValidationError(N_("Chọn hoặc chụp ảnh mã QR trước."), field="photo")
        payloads = payloads_in_photo(photo.read(), field="photo")
        if not payloads:
            raise no_qr_error("photo")
        sent, note = request.form.get("client_id"), request.form.get("note")
    else:
        body = json_body(RecheckCreate)
        payloads, sent, note = body.payloads, body.client_id, body.note
    try:
        result = onboarding.record_event(
            session, actor=user, stall=stall, kind=EventKind.RECHECK.value,
            client_id=client_id(sent), data={"payloads": payloads, "note": note},
            default_test_amount=current_app.config["DEFAULT_TEST_AMOUNT"])
    except ValidationError as error:
        if error.field == "payloads" and request.mimetype == "multipart/form-data":
            # The codes were read from the photo: the refusal is about the field sent.
            raise ValidationError(error.message, field="photo", **error.params) from error
        raise
    data = result.event.data
    answer = event_result(session, user, result, market)
    return replayable(Recheck(result=data["result"], warning=data["warning"], codes=data["codes"],
                              event=answer.event, stall=answer.stall).body(), result.created)


OPENAPI_PATHS = {
    "/stalls/{stall_id}/rechecks": {"post": {**operation(
        "Re-check the QR codes at a stall", tag="events",
        parameters=[path_param("stall_id"), IDEMPOTENCY_KEY],
        description="Send the codes the phone read as JSON `payloads`, or a photo as multipart "
                    "field `photo`. Records a `recheck` event; a warning verdict flags the "
                    "stall until a later re-check matches.",
        responses={"201": response("Judged and recorded.", Recheck),
                   "200": response("The same client id was used before: the first result, "
                                   "nothing written.", Recheck),
                   **problems(400, 404, 409, 413, 422)}),
        "requestBody": {"required": True, "content": {
            "application/json": {"schema": ref(RecheckCreate)},
            "multipart/form-data": {"schema": ref(RecheckPhoto)}}}}},
}
