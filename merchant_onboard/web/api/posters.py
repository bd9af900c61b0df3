"""Posters through the API: one stall's poster file, and a market's batch PDF (streamed)."""

from __future__ import annotations

from merchant_onboard.db import get_session
from merchant_onboard.services import access
from merchant_onboard.web.api import bp
from merchant_onboard.web.api.common import api_user, query_args, token_required
from merchant_onboard.web.api.openapi import operation, path_param, problems, query_params
from merchant_onboard.web.api.schemas import BatchQuery, PosterQuery
from merchant_onboard.web.market_entry import enters_market
from merchant_onboard.web.posters.views import batch_response, stall_poster_response


@bp.get("/stalls/<int:stall_id>/poster")
@token_required
def stall_poster(stall_id: int):
    session = get_session()
    stall, market = access.require_stall(session, api_user(), stall_id)
    query_args(PosterQuery)  # the page's response reads the same arguments again
    return stall_poster_response(session, stall, market, api_user())


@bp.get("/markets/<code>/posters")
@enters_market()
@token_required
def market_posters(code: str):
    session = get_session()
    market = access.require_market(session, api_user(), code, manage=True)
    query_args(BatchQuery)  # the page's response reads the same arguments again
    return batch_response(session, market, api_user())


_PDF = {"description": "The poster file.",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}},
                    "image/png": {"schema": {"type": "string", "format": "binary"}}}}

OPENAPI_PATHS = {
    "/stalls/{stall_id}/poster": {"get": operation(
        "A stall's VietQR poster (A6, A5, A4, sticker sheet or PNG)", tag="posters",
        parameters=[path_param("stall_id"), *query_params(PosterQuery)],
        description="Reading only: printing is recorded with a poster_printed event.",
        responses={"200": _PDF, **problems(404, 422)})},
    "/markets/{code}/posters": {"get": operation(
        "A market's posters in one PDF, by zone then stall code (managers)", tag="posters",
        parameters=[path_param("code", "string"), *query_params(BatchQuery)],
        description="Streamed page by page; memory stays flat for a large market.",
        responses={"200": _PDF, **problems(403, 404, 422)})},
}
