"""QR tools: parse a payload, or find and parse the QR codes in an uploaded picture or PDF."""

from __future__ import annotations

from flask import request

from merchant_onboard.domain.decode import decode_bytes
from merchant_onboard.domain.vietqr import parse
from merchant_onboard.web.api import bp
from merchant_onboard.web.api.common import json_body, token_required
from merchant_onboard.web.api.openapi import operation, problems, ref, response
from merchant_onboard.web.api.schemas import (
    BINARY_SCHEMA, DecodedPage, DecodedQR, FileUpload, ParsedQR, ParseRequest,
)


@bp.post("/qr/parse")
@token_required
def parse_qr():
    return ParsedQR.of(parse(json_body(ParseRequest).payload)).body()


@bp.post("/qr/decode")
@token_required
def decode_qr():
    upload = request.files.get("file")
    found = decode_bytes(upload.read() if upload else request.get_data())
    return DecodedPage(items=[DecodedQR(page=d.page, payload=d.payload,
                                        parsed=ParsedQR.of(d.parsed))
                              for d in found], total=len(found)).body()


OPENAPI_PATHS = {
    "/qr/parse": {"post": operation(
        "Parse a QR payload", tag="qr", body=ParseRequest,
        description="Never fails on odd input: what is wrong is listed in `errors`.",
        responses={"200": response("What the payload is.", ParsedQR),
                   **problems(400, 422)})},
    "/qr/decode": {"post": {**operation(
        "Read the QR codes in a picture or a PDF", tag="qr",
        description="Send the file as multipart field `file`, or as the raw request body. "
                    "PNG, JPEG (phone photos too) and PDF.",
        responses={"200": response("Every QR code found, in reading order.", DecodedPage),
                   **problems(413, 422)}),
        "requestBody": {"required": True, "content": {
            "multipart/form-data": {"schema": ref(FileUpload)},
            "image/png": {"schema": BINARY_SCHEMA}, "image/jpeg": {"schema": BINARY_SCHEMA},
            "application/pdf": {"schema": BINARY_SCHEMA},
            "application/octet-stream": {"schema": BINARY_SCHEMA}}}}},
}
