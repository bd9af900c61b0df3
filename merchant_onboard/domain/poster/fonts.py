"""Be Vietnam Pro, the posters' one typeface, loaded once for reportlab and for Pillow.

Be Vietnam Pro (SIL OFL, from the ``fontpkg-be-vietnam-pro`` package) has a precomposed glyph
for every Vietnamese letter, so NFC text draws correctly without a shaping engine.
"""

from __future__ import annotations

import threading
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import fontpkg_be_vietnam_pro
from PIL import ImageFont, features
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR: Path = fontpkg_be_vietnam_pro.ROOT / "files"

#: The line box of the font (hhea ascent and descent), in em: what lines are spaced by.
LINE_ASCENT = 1.0
LINE_DESCENT = 0.265
#: The ink box, in em, measured on the tallest Vietnamese glyphs: a capital with a stacked
#: circumflex and tone ("Ỗ", "Ẫ") reaches 1.16 em above the baseline, "ỵ" 0.25 em below it.
#: Overlap checks use it so that no mark can touch the QR code.
INK_ASCENT = 1.16
INK_DESCENT = 0.25

_register_lock = threading.Lock()


class Weight(StrEnum):
    """The three weights the posters use; few weights keep the embedded subsets small."""

    REGULAR = "Regular"
    SEMIBOLD = "SemiBold"
    BOLD = "Bold"

    @property
    def path(self) -> Path:
        """The TrueType file of this weight."""
        return FONT_DIR / f"BeVietnamPro-{self.value}.ttf"


class Metrics(Protocol):
    """How wide a renderer will draw a string: PDF and PNG round differently."""

    def width(self, text: str, weight: Weight, size: float) -> float:
        """Advance width of ``text`` at ``size`` in the renderer's units."""

    def quantize(self, size: float) -> float:
        """The nearest font size the renderer draws (Pillow caches one font object per size)."""


@lru_cache(maxsize=None)
def pdf_font(weight: Weight) -> str:
    """Register ``weight`` with reportlab (once per process) and return its font name."""
    name = f"BeVietnamPro-{weight.value}"
    with _register_lock:
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(weight.path)))
    return name


@lru_cache(maxsize=1)
def _drawable() -> frozenset[int]:
    """Code points every weight has a glyph for (from the fonts' own character maps)."""
    maps = [TTFont(f"cmap-{w.value}", str(w.path)).face.charToGlyph for w in Weight]
    return frozenset.intersection(*(frozenset(m) for m in maps))


def missing_glyphs(text: str) -> list[str]:
    """The characters of ``text`` the posters cannot draw, each once, in order of appearance.

    Without a glyph a character prints as blank space: a Chinese or Khmer shop name, an
    emoji, a symbol. Whitespace and controls draw nothing anyway and are not counted.
    """
    drawable = _drawable()
    missing = [ch for ch in text if not ch.isspace() and ord(ch) not in drawable]
    return list(dict.fromkeys(missing))


# Pillow's Raqm layout measures text 15× faster than its basic layout (and kerns, which
# the PDF does not: each renderer lays out with its own metrics, so both stay exact).
_PIL_LAYOUT = ImageFont.Layout.RAQM if features.check_feature("raqm") else ImageFont.Layout.BASIC


@lru_cache(maxsize=256)
def pil_font(weight: Weight, size: float) -> ImageFont.FreeTypeFont:
    """Pillow's font for ``weight`` at ``size`` pixels."""
    return ImageFont.truetype(str(weight.path), size, layout_engine=_PIL_LAYOUT)


class PdfMetrics:
    """Widths from the font's advance table, as reportlab draws them (no hinting)."""

    def width(self, text: str, weight: Weight, size: float) -> float:
        """Advance width in points."""
        return _em_width(text, weight) * size

    def quantize(self, size: float) -> float:
        """PDF sizes are exact; keep two decimals so page streams stay short."""
        return round(size, 2)


@lru_cache(maxsize=8192)
def _em_width(text: str, weight: Weight) -> float:
    """Advance width of ``text`` at size 1.

    Unhinted widths scale linearly, so fitting tries many sizes for the cost of one
    measurement, and the labels every poster repeats are measured once per process.
    """
    return pdfmetrics.stringWidth(text, pdf_font(weight), 1.0)


class PngMetrics:
    """Widths as Pillow draws them: hinted (rounded to pixels) and kerned."""

    def width(self, text: str, weight: Weight, size: float) -> float:
        """Advance width in pixels."""
        return pil_font(weight, size).getlength(text)

    def quantize(self, size: float) -> float:
        """Half pixels: fine enough to look smooth, coarse enough to cache the fonts."""
        return round(size * 2) / 2
