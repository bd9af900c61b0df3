"""Decode rates of a taped-over A6 poster at error correction M and Q (issue 12).

Used by ``bench/bench_posters.py``. The A6 PDF is rendered at each level and rasterised once;
each trial covers a share of the QR symbol with a strip of tape (a random place, the same
places for M and Q), then photographs it as a phone would (scale, turn, blur, noise, JPEG)
and asks zxing-cpp to decode it.
"""

from __future__ import annotations

import io
import random
from dataclasses import replace

import pypdfium2 as pdfium
import zxingcpp
from PIL import Image, ImageDraw, ImageFilter

from merchant_onboard.domain.poster import PosterFormat, PosterSpec, render_pdf

#: Rasterising resolution of the printed poster: finer than any phone sees it.
PRINT_DPI = 200
TAPE = (226, 222, 205)


def _raster(spec: PosterSpec, level: str) -> tuple[Image.Image, tuple[int, int, int, int]]:
    pdf = pdfium.PdfDocument(render_pdf([replace(spec, error_correction=level)],
                                        PosterFormat.A6))
    try:
        image = pdf[0].render(scale=PRINT_DPI / 72).to_pil().convert("RGB")
    finally:
        pdf.close()
    (code,) = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    corners = (code.position.top_left, code.position.bottom_right)
    return image, (corners[0].x, corners[0].y, corners[1].x, corners[1].y)


def _trial(image: Image.Image, box: tuple[int, int, int, int], cover: float,
           rng: random.Random) -> bool:
    left, top, right, bottom = box
    side = right - left
    shot = image.copy()
    # A strip of tape across the symbol, its area ``cover`` of the symbol's.
    height = max(1, round(side * cover))
    y = top + rng.uniform(0, side - height)
    x_shift = rng.uniform(-0.1, 0.1) * side
    ImageDraw.Draw(shot).rectangle((left + x_shift, y, right + x_shift, y + height), fill=TAPE)
    width = rng.randint(700, 1000)
    shot = shot.resize((width, round(shot.height * width / shot.width)), Image.BILINEAR)
    shot = shot.rotate(rng.uniform(-12, 12), resample=Image.BICUBIC, fillcolor=(180, 170, 150))
    shot = shot.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.6)))
    grain = Image.effect_noise(shot.size, rng.uniform(10, 40)).convert("RGB")
    shot = Image.blend(shot, grain, 0.12)
    out = io.BytesIO()
    shot.save(out, "JPEG", quality=rng.randint(60, 85))
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(out.getvalue())),
                                   formats=zxingcpp.BarcodeFormat.QRCode)
    return any(code.valid for code in found)


def cover_rates(spec: PosterSpec, *, covers: tuple[float, ...] = (0.05, 0.10),
                levels: tuple[str, ...] = ("M", "Q"), trials: int = 50,
                seed: int = 12) -> dict[tuple[str, float], float]:
    """The share of ``trials`` phone photos that decode, per (level, cover)."""
    rates = {}
    for level in levels:
        image, box = _raster(spec, level)
        for cover in covers:
            rng = random.Random(f"{seed}-{cover}")  # the same tape places for every level
            decoded = sum(_trial(image, box, cover, rng) for _ in range(trials))
            rates[(level, cover)] = decoded / trials
    return rates
