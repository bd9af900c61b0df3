"""Helpers shared by the poster tests: specs, rasterising, decoding, the quiet-zone check.

Imported explicitly by ``test_poster_*.py`` (not a pytest conftest: others own those).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import zxingcpp
from PIL import Image

from merchant_onboard.domain.poster import PosterSpec
from merchant_onboard.domain.vietqr import build_payload

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "posters"
#: DESIGN §5: the print check rasterises PDFs at 150 dpi.
DPI = 150
#: ISO/IEC 18004 (QR code), DESIGN §5: at least 4 modules of light margin around the symbol.
#: Written here, not read from the layout: a check that took the layout's own constant would
#: pass whatever that constant said.
STANDARD_QUIET_ZONE = 4
#: Grey level from which a pixel counts as light (the paper is 255, panels ≥ 230).
LIGHT = 200

#: The 60-character Vietnamese shop name the issue asks to render.
LONG_SHOP_NAME = "Cửa hàng Tạp hoá và Văn phòng phẩm Nguyễn Thị Hồng Nhung Ưởng"
assert len(LONG_SHOP_NAME) >= 60


def make_spec(**overrides: Any) -> PosterSpec:
    """A realistic poster spec; the payload is built by the project's VietQR engine."""
    account = overrides.pop("account_number", "0011012345678")
    fields: dict[str, Any] = {
        "campaign_title": "Chợ 4.0 – Thanh toán không dùng tiền mặt",
        "market_name": "Chợ Vị Thanh, Hậu Giang",
        "shop_name": "Tạp hoá Cô Ba – Chợ Vị Thanh",
        "stall_code": "A-12",
        "bank_short_name": "Vietcombank",
        "holder_name": "NGUYEN THI BA",
        "account_number": account,
        "payload": build_payload(bank="970436", account=account),
        "verify_code": "K7P2QX9M",
        "verify_url": "https://onboard.example.vn/v/K7P2QX9M",
    }
    fields.update(overrides)
    return PosterSpec(**fields)


def numbered_specs(count: int) -> list[PosterSpec]:
    """``count`` specs with distinct accounts (so distinct payloads) and stall codes."""
    return [
        make_spec(account_number=f"10{index:011d}", stall_code=f"B-{index + 1}",
                  shop_name=f"Bún riêu Đặng Thị Hồng {index + 1}")
        for index in range(count)
    ]


def rasterize(pdf: bytes) -> list[Image.Image]:
    """Every page of ``pdf`` at :data:`DPI`, as pypdfium2 renders it."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [page.render(scale=DPI / 72).to_pil() for page in document]
    finally:
        document.close()


def pdf_text(pdf: bytes) -> list[str]:
    """The text layer of every page of ``pdf``."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def decode(image: Image.Image) -> list[zxingcpp.Barcode]:
    """Every QR code zxing-cpp finds in ``image``, top to bottom, then left to right."""
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return sorted(found, key=lambda code: (round(code.position.top_left.y / 50),
                                           code.position.top_left.x))


def assert_scans_with_quiet_zone(image: Image.Image, code: zxingcpp.Barcode,
                                 payload: str, modules: int) -> None:
    """The decoded text is ``payload`` and a 4-module band around the symbol is all light."""
    assert code.valid
    assert code.text == payload
    corners = [code.position.top_left, code.position.top_right,
               code.position.bottom_right, code.position.bottom_left]
    left, right = min(p.x for p in corners), max(p.x for p in corners)
    top, bottom = min(p.y for p in corners), max(p.y for p in corners)
    module = (right - left) / modules
    band = int(STANDARD_QUIET_ZONE * module)
    assert band >= 4, "a module is under one pixel: rasterise at a higher resolution"
    outer = (left - band, top - band, right + band, bottom + band)
    assert outer[0] >= 0 and outer[1] >= 0
    assert outer[2] <= image.width and outer[3] <= image.height
    grey = image.convert("L")
    # One pixel of slack next to the symbol: its own edge modules are anti-aliased there.
    strips = [
        (outer[0], outer[1], outer[2], top - 1),  # above
        (outer[0], bottom + 1, outer[2], outer[3]),  # below
        (outer[0], outer[1], left - 1, outer[3]),  # left
        (right + 1, outer[1], outer[2], outer[3]),  # right
    ]
    for strip in strips:
        darkest, _ = grey.crop(strip).getextrema()
        assert darkest >= LIGHT, f"ink in the quiet zone at {strip}: grey {darkest}"


def save_artifact(image: Image.Image, name: str) -> Path:
    """Keep a rendering under tests/artifacts/posters/ for people to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    image.save(path)
    return path
