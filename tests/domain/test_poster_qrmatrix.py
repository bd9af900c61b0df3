"""The poster's QR matrix: the symbol qrcode itself would make, computed once per payload."""

from __future__ import annotations

import pytest
import qrcode
import zxingcpp
from PIL import Image
from qrcode import constants

from merchant_onboard.domain.poster import qr_matrix
from merchant_onboard.domain.vietqr import build_payload
from tests.domain.conftest_poster import STANDARD_QUIET_ZONE

_LEVELS = {"M": constants.ERROR_CORRECT_M, "Q": constants.ERROR_CORRECT_Q}

PAYLOADS = [
    build_payload(bank="970436", account="0011012345678"),
    build_payload(bank="970405", account="1234567890123456789"),
    build_payload(bank="970422", account="9704229200000000001", card=True),
    build_payload(bank="970415", account="MOMO12345ABC"),
    build_payload(bank="970436", account="0011012345678", amount=2000, purpose="MOTEST K7P2QX"),
    "https://onboard.example.vn/v/K7P2QX9M",
    "Tạp hoá Cô Ba – mixed byte mode " * 3,
]


def _reference(payload: str, level: str) -> tuple[tuple[bool, ...], ...]:
    code = qrcode.QRCode(error_correction=_LEVELS[level], border=0)
    code.add_data(payload)
    code.make(fit=True)
    return tuple(tuple(bool(module) for module in row) for row in code.get_matrix())


@pytest.mark.parametrize("level", ["M", "Q"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_matrix_is_the_symbol_qrcode_makes(payload, level):
    # Same data, same version, same mask choice: the fast mask scoring changes nothing.
    matrix = qr_matrix(payload, error_correction=level)
    assert matrix.as_bools() == _reference(payload, level)
    assert matrix.size == 17 + 4 * matrix.version
    assert matrix.size_with_quiet_zone == matrix.size + 2 * STANDARD_QUIET_ZONE


@pytest.mark.parametrize("payload", PAYLOADS[:3])
def test_matrix_decodes_to_its_payload(payload):
    matrix = qr_matrix(payload)
    scale = 4
    side = matrix.size_with_quiet_zone
    image = Image.new("L", (side, side), 255)
    for row in range(matrix.size):
        for col in range(matrix.size):
            if matrix.is_dark(row, col):
                image.putpixel((col + STANDARD_QUIET_ZONE, row + STANDARD_QUIET_ZONE), 0)
    image = image.resize((side * scale, side * scale), Image.Resampling.NEAREST)
    (code,) = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert code.text == payload
    assert code.ec_level == "M"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_rectangles_cover_exactly_the_dark_modules(payload):
    matrix = qr_matrix(payload)
    covered: set[tuple[int, int]] = set()
    for col, row, width, height in matrix.rectangles:
        cells = {(r, c) for r in range(row, row + height) for c in range(col, col + width)}
        assert not cells & covered, "rectangles overlap"
        covered |= cells
    dark = {(r, c) for r in range(matrix.size) for c in range(matrix.size) if matrix.is_dark(r, c)}
    assert covered == dark
    # Merging is what makes vector drawing cheap: far fewer boxes than dark modules.
    assert len(matrix.rectangles) < len(dark) / 2


def test_matrix_is_computed_once_per_payload_and_level():
    payload = PAYLOADS[0]
    assert qr_matrix(payload) is qr_matrix(payload)
    assert qr_matrix(payload, error_correction="Q") is not qr_matrix(payload)


def test_higher_error_correction_never_shrinks_the_symbol():
    for payload in PAYLOADS:
        assert qr_matrix(payload, error_correction="Q").size >= qr_matrix(payload).size


def test_unknown_error_correction_level_is_refused():
    with pytest.raises(ValueError):
        qr_matrix(PAYLOADS[0], error_correction="X")
