"""QR tools: parse a payload, or find and parse the QR codes in an uploaded picture or PDF."""

from __future__ import annotations

from flask import request

from merchant_onboard.domain.decode import decode_bytes
from merchant_onboard.domain.vietqr import parse
from merchant_onboard.web.api import bp
from merchant_onboard.web.api.common import json_body, token_required
from merchant_onboard.web.api.openapi import operation, problems, ref, response

PARSE_REQUEST = {
    "type": "object", "additionalProperties": False, "required": ["payload"],
    "properties": {"payload": {"type": "string", "examples": [
        "00020101021138570010A00000072701270006970403011300110123456780208QRIBFTTA53037045802VN"
        "63049E6F"]}},
}


@bp.post("/qr/parse")
@token_required
def parse_qr():
    return parse(json_body(PARSE_REQUEST)["payload"]).to_dict()


@bp.post("/qr/decode")
@token_required
def decode_qr():
    upload = request.files.get("file")
    found = decode_bytes(upload.read() if upload else request.get_data())
    return {"items": [{"page": d.page, "payload": d.payload, "parsed": d.parsed.to_dict()}
                      for d in found], "total": len(found)}


_BINARY = {"type": "string", "contentMediaType": "application/octet-stream"}

OPENAPI_SCHEMAS = {
    "DecodedQR": {"type": "object", "properties": {
        "page": {"type": ["integer", "null"], "description": "PDF page from 1; null for images."},
        "payload": {"type": "string"}, "parsed": ref("ParsedQR")}},
}

OPENAPI_PATHS = {
    "/qr/parse": {"post": operation(
        "Parse a QR payload", tag="qr", body=PARSE_REQUEST,
        description="Never fails on odd input: what is wrong is listed in `errors`.",
        responses={"200": response("What the payload is.", ref("ParsedQR")),
                   **problems(400, 422)})},
    "/qr/decode": {"post": {**operation(
        "Read the QR codes in a picture or a PDF", tag="qr",
        description="Send the file as multipart field `file`, or as the raw request body. "
                    "PNG, JPEG (phone photos too) and PDF.",
        responses={"200": response("Every QR code found, in reading order.", {
            "type": "object", "properties": {
                "items": {"type": "array", "items": ref("DecodedQR")},
                "total": {"type": "integer"}}}),
            **problems(413, 422)}),
        "requestBody": {"required": True, "content": {
            "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                               "properties": {"file": _BINARY}}},
            "image/png": {"schema": _BINARY}, "image/jpeg": {"schema": _BINARY},
            "application/pdf": {"schema": _BINARY},
            "application/octet-stream": {"schema": _BINARY}}}}},
}
