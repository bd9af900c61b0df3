"""VietQR payloads: build NAPAS's profile of EMVCo merchant-presented QR, parse any string.

``emv`` holds the shared vocabulary (tags, limits, kinds, the CRC), ``build`` makes payloads and
``parse`` reads them; this package exports what callers use.
"""

from merchant_onboard.domain.vietqr.build import Built, build_payload, build_reporting
from merchant_onboard.domain.vietqr.emv import (
    ERROR_MESSAGES, WARNING_MESSAGES, Kind, Service, crc16_ccitt_false,
)
from merchant_onboard.domain.vietqr.parse import ParsedQR, is_transfer, parse

__all__ = ["ERROR_MESSAGES", "WARNING_MESSAGES", "Built", "Kind", "ParsedQR", "Service",
           "build_payload", "build_reporting", "crc16_ccitt_false", "is_transfer", "parse"]
