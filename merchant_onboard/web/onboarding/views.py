"""Recording the next funnel step of a stall: one small form per kind of event."""

from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from merchant_onboard.db import get_session
from merchant_onboard.domain.errors import N_, DomainError, ValidationError
from merchant_onboard.domain.event_data import clean_device_time, memo_code
from merchant_onboard.domain.funnel import (
    MANUAL_EVENTS, EventKind, RefusalReason, Status, allowed_events,
)
from merchant_onboard.domain.recheck import Verdict
from merchant_onboard.domain.scan import payloads_in_photo
from merchant_onboard.models.base import utcnow
from merchant_onboard.services import access, onboarding
from merchant_onboard.web.errors import field_errors, status_of
from merchant_onboard.web.forms import new_client_id, posted
from merchant_onboard.web.labels import EVENT_LABELS
from merchant_onboard.web.onboarding import bp


def _device_time(sent: str | None) -> datetime | None:
    """When the step was done by the phone's clock: the outbox sends it with a step saved
    without a signal. A clock the server cannot believe dates nothing; the step is kept."""
    try:
        return clean_device_time(sent, now=utcnow())
    except ValidationError:
        return None


@bp.route("/stalls/<int:stall_id>/events/<kind>", methods=["GET", "POST"])
@login_required
def record(stall_id: int, kind: str):
    if kind not in {k.value for k in MANUAL_EVENTS}:
        abort(404)
    session = get_session()
    stall, _market = access.require_stall(session, current_user, stall_id)
    values = {"client_id": new_client_id(),
              "amount": current_app.config["DEFAULT_TEST_AMOUNT"]
              if kind == EventKind.TEST_PAYMENT_VERIFIED else ""}
    errors: dict[str, list[str]] = {}
    status = 200
    recheck = None
    if request.method == "POST":
        values = posted()
        data = {k: v for k, v in values.items()
                if k not in ("client_id", "csrf_token", "device_time")}
        try:
            if kind == EventKind.RECHECK:
                data.update(_poster_photo_payloads())
            if data.get("payloads") == []:
                # Nothing readable: said like any verdict, and nothing is recorded.
                recheck, status = {"result": Verdict.NO_QR.value, "codes": []}, 422
            else:
                result = onboarding.record_event(
                    session, actor=current_user, stall=stall, kind=kind,
                    client_id=values.get("client_id", ""), data=data,
                    device_time=_device_time(values.get("device_time")),
                    default_test_amount=current_app.config["DEFAULT_TEST_AMOUNT"])
        except DomainError as exc:
            errors, status = field_errors(exc), status_of(exc)
            # The step is the page's, not a field of its form (the API's ``kind``): a step
            # the stall's status no longer allows is said above the form.
            if "kind" in errors:
                errors.setdefault("", []).extend(errors.pop("kind"))
        else:
            if recheck is None and kind == EventKind.RECHECK:
                # The volunteer stays on the verdict: what was found is what to act on.
                recheck, values = result.event.data, {"client_id": new_client_id()}
            elif recheck is None:
                if result.created:
                    flash(_("Đã ghi: %(event)s.", event=EVENT_LABELS[kind]), "success")
                return redirect(url_for("stalls.detail", stall_id=stall.id))
    account = onboarding.primary_account(session, stall.id)
    allowed = EventKind(kind) in allowed_events(Status(stall.status),
                                                has_account=account is not None)
    return render_template("onboarding/event.html", stall=stall, kind=kind,
                           values=values, errors=errors, account=account, allowed=allowed,
                           memo=memo_code(stall.public_code), reasons=list(RefusalReason),
                           recheck=recheck), status


def _poster_photo_payloads() -> dict[str, list[str]]:
    """Every QR text in the uploaded photo of the stall's poster; a form sent without a photo
    is asked for one (the codes read are what a re-check records, and the page sends no other
    way of giving them)."""
    photo = request.files.get("poster_photo")
    if photo is None or not photo.filename:
        raise ValidationError(N_("Chọn hoặc chụp ảnh mã QR trước."), field="poster_photo")
    return {"payloads": payloads_in_photo(photo.read(), field="poster_photo")}
