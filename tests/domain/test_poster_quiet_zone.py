"""The printed quiet zone, measured on the rendered posters against the standard's 4 modules."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from merchant_onboard.domain.poster import PosterFormat, qr_matrix, render
from tests.domain.conftest_poster import (
    LIGHT, LONG_SHOP_NAME, STANDARD_QUIET_ZONE, decode, make_spec, rasterize,
)


def clear_margin_in_modules(image: Image.Image, code, modules: int) -> float:
    """How many modules of light paper surround the symbol on its most crowded side: the
    distance from its edge to the nearest ink (or the paper's edge)."""
    grey = image.convert("L")
    corners = [code.position.top_left, code.position.top_right,
               code.position.bottom_right, code.position.bottom_left]
    left, right = min(p.x for p in corners), max(p.x for p in corners)
    top, bottom = min(p.y for p in corners), max(p.y for p in corners)
    module = (right - left) / modules

    def clear(strip_at) -> int:
        # One pixel of slack next to the symbol: its own edge modules are anti-aliased there.
        distance = 2
        while (box := strip_at(distance)) is not None and grey.crop(box).getextrema()[0] >= LIGHT:
            distance += 1
        return distance - 1

    sides = [
        lambda d: (left, top - d, right, top - d + 1) if top - d >= 0 else None,
        lambda d: (left, bottom + d, right, bottom + d + 1) if bottom + d < grey.height else None,
        lambda d: (left - d, top, left - d + 1, bottom) if left - d >= 0 else None,
        lambda d: (right + d, top, right + d + 1, bottom) if right + d < grey.width else None,
    ]
    return min(clear(side) for side in sides) / module


@pytest.mark.parametrize("fmt", list(PosterFormat), ids=str)
@pytest.mark.parametrize("shop_name", ["Bún riêu Đặng Thị Hồng", LONG_SHOP_NAME])
def test_every_poster_keeps_four_modules_clear_around_its_qr(fmt, shop_name):
    """Issue 15 behaviour 3: the quiet zone of the printed QR is at least the standard's
    4 modules on every format, measured on the rendered page, not read from the layout."""
    spec = make_spec(shop_name=shop_name)
    data = render(spec, fmt)
    page = Image.open(io.BytesIO(data)) if fmt is PosterFormat.PNG else rasterize(data)[0]
    (code,) = decode(page)
    margin = clear_margin_in_modules(page, code, qr_matrix(spec.payload).size)
    assert margin >= STANDARD_QUIET_ZONE, f"{margin:.2f} modules clear"
