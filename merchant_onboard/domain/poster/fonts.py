"""The posters' typefaces, loaded once for reportlab and for Pillow.

Be Vietnam Pro (SIL OFL, from ``fontpkg-be-vietnam-pro``) is the posters' typeface: it has a
precomposed glyph for every Vietnamese letter, so NFC text draws correctly without shaping.
Names it cannot draw fall back, run by run, to two more faces (issue 12: Hoa and Khmer shop
names printed as blank space):

* Noto Sans Khmer (SIL OFL) at the posters' three weights, shipped in ``fontfiles/``:
  static instances of the variable font of ``fontpkg-noto-sans-khmer``, which reportlab
  cannot read, made once by ``scripts/vendor_khmer_font.py`` (made here, they cost the
  first Khmer request of every process seconds). Khmer needs shaping (subscript consonants
  after a coeng, vowels drawn before the consonant they follow), done by HarfBuzz through
  reportlab's ``shapeStr`` in PDFs and by Pillow's Raqm layout in the PNG.
* A subset of Noto Sans CJK SC (SIL OFL) shipped in ``fontfiles/``: no package on PyPI ships
  a CJK font, and the whole font is CFF, which reportlab cannot embed.
  ``scripts/vendor_cjk_font.py`` makes it.

The licences are beside the files (``fontfiles/OFL-*.txt``).

:func:`runs` splits a line into runs of one face by glyph coverage; widths, line heights and
drawing go run by run. :func:`missing_glyphs` is what registration refuses: characters no
face can draw.
"""

from __future__ import annotations

import io
import threading
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import fontpkg_be_vietnam_pro
from PIL import ImageFont, features
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import ShapedStr, TTFont, shapeStr

from merchant_onboard.domain.errors import N_, ValidationError

FONT_DIR: Path = fontpkg_be_vietnam_pro.ROOT / "files"
#: The fonts shipped with the code (the Khmer instances, the CJK subset) and their licences.
VENDORED_DIR: Path = Path(__file__).resolve().parent / "fontfiles"

#: The line box of the font (hhea ascent and descent), in em: what lines are spaced by.
LINE_ASCENT = 1.0
LINE_DESCENT = 0.265
#: The ink box, in em, measured on the tallest Vietnamese glyphs: a capital with a stacked
#: circumflex and tone ("Ỗ", "Ẫ") reaches 1.16 em above the baseline, "ỵ" 0.25 em below it.
#: Overlap checks use it so that no mark can touch the QR code.
INK_ASCENT = 1.16
INK_DESCENT = 0.25
#: Khmer stacks a subscript consonant and a vowel below the base letter: Noto Sans Khmer's
#: deepest glyph reaches 0.70 em below the baseline (its tallest, 1.155 em, stays under
#: INK_ASCENT). A line with Khmer in it gets that much room below, and wrapped Khmer lines
#: at least KHMER_LEADING: 1.5 em, more than the font's own 1.36 em line box.
KHMER_DESCENT = 0.70
KHMER_LEADING = 1.5

#: Characters that draw nothing but may sit inside a name: the zero-width space Khmer
#: writes between words, the joiners. They never need a glyph of their own.
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")

_register_lock = threading.Lock()
_shape_lock = threading.Lock()


class Weight(StrEnum):
    """The three weights the posters use; few weights keep the embedded subsets small."""

    REGULAR = "Regular"
    SEMIBOLD = "SemiBold"
    BOLD = "Bold"

    @property
    def path(self) -> Path:
        """The TrueType file of this weight of Be Vietnam Pro."""
        return FONT_DIR / f"BeVietnamPro-{self.value}.ttf"

    @property
    def css_weight(self) -> int:
        """The numeric weight (a variable font's ``wght`` value)."""
        return {"Regular": 400, "SemiBold": 600, "Bold": 700}[self.value]


class Face(StrEnum):
    """A typeface of the posters, in the order a character is looked up in."""

    MAIN = "main"
    KHMER = "khmer"
    CJK = "cjk"

    @property
    def shaped(self) -> bool:
        """Whether runs in this face must go through a shaping engine to draw correctly."""
        return self is Face.KHMER


@dataclass(frozen=True)
class Run:
    """A stretch of a line drawn in one face."""

    face: Face
    text: str

    @property
    def drawn(self) -> str:
        """The text as handed to an unshaped renderer: invisible characters left out (a face
        without a glyph for them would draw its "missing" box)."""
        if self.face.shaped:
            return self.text
        return "".join(ch for ch in self.text if ch not in _INVISIBLE)


class Metrics(Protocol):
    """How wide a renderer will draw a string: PDF and PNG round differently."""

    def width(self, text: str, weight: Weight, size: float) -> float:
        """Advance width of ``text`` at ``size`` in the renderer's units."""

    def quantize(self, size: float) -> float:
        """The nearest font size the renderer draws (Pillow caches one font object per size)."""


@lru_cache(maxsize=None)
def font_data(face: Face, weight: Weight) -> bytes:
    """The TrueType file of ``face`` at ``weight``."""
    if face is Face.MAIN:
        return weight.path.read_bytes()
    return vendored_path(face, weight).read_bytes()


def vendored_path(face: Face, weight: Weight) -> Path:
    """The shipped file of a fallback face at ``weight``."""
    if face is Face.KHMER:
        return VENDORED_DIR / f"NotoSansKhmer-{weight.value}.ttf"
    # Two CJK weights shipped: SemiBold text uses Bold, the nearer one for CJK strokes.
    cjk = "Regular" if weight is Weight.REGULAR else "Bold"
    return VENDORED_DIR / f"NotoSansCJKSC-Subset-{cjk}.ttf"


@lru_cache(maxsize=None)
def pdf_font(weight: Weight, face: Face = Face.MAIN) -> str:
    """Register ``face`` at ``weight`` with reportlab (once per process); return its name."""
    name = (f"BeVietnamPro-{weight.value}" if face is Face.MAIN
            else f"{face.value.title()}Fallback-{weight.value}")
    with _register_lock:
        if name not in pdfmetrics.getRegisteredFontNames():
            source = (str(weight.path) if face is Face.MAIN
                      else io.BytesIO(font_data(face, weight)))
            pdfmetrics.registerFont(TTFont(name, source, shapable=face.shaped))
    return name


@lru_cache(maxsize=None)
def _coverage(face: Face) -> frozenset[int]:
    """Code points ``face`` has a glyph for at every weight (from its character maps)."""
    from fontTools.ttLib import TTFont as FontToolsFont  # noqa: PLC0415

    paths: list[Path]
    if face is Face.MAIN:
        paths = [w.path for w in Weight]
    else:
        paths = list(dict.fromkeys(vendored_path(face, w) for w in Weight))
    maps = [frozenset(FontToolsFont(str(p), lazy=True).getBestCmap()) for p in paths]
    return frozenset.intersection(*maps)


def _face_for(code: int) -> Face | None:
    for face in Face:
        if code in _coverage(face):
            return face
    return None


def joins_previous(ch: str) -> bool:
    """Whether ``ch`` belongs to the character before it: a combining mark, a joiner."""
    return ch in _INVISIBLE or unicodedata.category(ch) in ("Mn", "Mc", "Me")


#: Khmer's coeng: the consonant after it is drawn as a subscript of the one before it.
COENG = "\u17d2"


def cluster_cut(text: str, cut: int) -> int:
    """The nearest index at or before ``cut`` where ``text`` can be cut without splitting a
    letter from its marks or a Khmer consonant from its subscript (at least 1)."""
    while cut > 1 and cut < len(text) and (joins_previous(text[cut]) or text[cut - 1] == COENG):
        cut -= 1
    return cut


@lru_cache(maxsize=8192)
def runs(text: str) -> tuple[Run, ...]:
    """``text`` split into runs of the first face that has each character.

    A combining mark stays with its base letter's run when that face has it (a Khmer vowel
    sign must be shaped with its consonant); spaces go to the main face, which has them.
    Characters no face has stay in the main run (registration refuses them beforehand).
    """
    result: list[Run] = []
    for ch in text:
        code = ord(ch)
        current = result[-1].face if result else None
        if current is not None and joins_previous(ch) and (
                code in _coverage(current) or ch in _INVISIBLE):
            face = current
        elif ch.isspace():
            face = Face.MAIN
        else:
            face = _face_for(code) or Face.MAIN
        if result and result[-1].face is face:
            result[-1] = Run(face, result[-1].text + ch)
        else:
            result.append(Run(face, ch))
    return tuple(result)


def missing_glyphs(text: str) -> list[str]:
    """The characters of ``text`` no poster face can draw, each once, in order of appearance.

    Without a glyph a character prints as blank space (or a box): an emoji, a symbol, a rare
    ideograph outside the shipped Chinese subset. Whitespace, controls and the zero-width
    characters draw nothing anyway and are not counted.
    """
    missing = [ch for ch in text if not ch.isspace() and ch not in _INVISIBLE
               and unicodedata.category(ch) != "Cc" and _face_for(ord(ch)) is None]
    return list(dict.fromkeys(missing))


def require_printable(text: str, *, field: str) -> str:
    """``text`` unchanged, or a ValidationError naming (up to ten of) the characters no poster
    face can draw: every field a poster prints is checked with the same rule and message."""
    if missing := missing_glyphs(text):
        raise ValidationError(
            N_("Poster không in được các ký tự: %(chars)s (biểu tượng cảm xúc, ký hiệu hoặc "
               "chữ hiếm). Hãy bỏ các ký tự này."), field=field, chars=" ".join(missing[:10]))
    return text


@dataclass(frozen=True)
class Extents:
    """How far a line reaches around its baseline, in em (see the constants above)."""

    line_ascent: float
    line_descent: float
    ink_ascent: float
    ink_descent: float
    #: The smallest distance between the baselines of two wrapped lines.
    min_leading: float


_MAIN_EXTENTS = Extents(LINE_ASCENT, LINE_DESCENT, INK_ASCENT, INK_DESCENT, 0.0)
_KHMER_EXTENTS = Extents(LINE_ASCENT, KHMER_DESCENT, INK_ASCENT, KHMER_DESCENT, KHMER_LEADING)


def extents(text: str) -> Extents:
    """The vertical extents of ``text``: deeper when it holds Khmer (the CJK face's glyphs
    stay inside Be Vietnam Pro's box)."""
    if text.isascii() or all(run.face is not Face.KHMER for run in runs(text)):
        return _MAIN_EXTENTS
    return _KHMER_EXTENTS


@lru_cache(maxsize=4096)
def shaped(text: str, weight: Weight, face: Face = Face.KHMER) -> str:
    """``text`` shaped by HarfBuzz for reportlab: a ``ShapedStr`` carrying glyph positions
    (or the text itself when shaping changes nothing). Size independent: positions are in
    thousandths of an em."""
    name = pdf_font(weight, face)
    # reportlab's shaper numbers the glyphs that have no character (a subscript consonant)
    # on the shared font object: one thread at a time.
    with _shape_lock:
        return shapeStr(text, name, 1000)


# Pillow's Raqm layout measures text 15× faster than its basic layout, kerns, and shapes
# Khmer with HarfBuzz: without it Khmer would print unshaped, so it is required for Khmer.
_PIL_LAYOUT = ImageFont.Layout.RAQM if features.check_feature("raqm") else ImageFont.Layout.BASIC


@lru_cache(maxsize=256)
def pil_font(weight: Weight, size: float, face: Face = Face.MAIN) -> ImageFont.FreeTypeFont:
    """Pillow's font for ``face`` at ``weight`` and ``size`` pixels."""
    if face is Face.MAIN:
        return ImageFont.truetype(str(weight.path), size, layout_engine=_PIL_LAYOUT)
    return ImageFont.truetype(io.BytesIO(font_data(face, weight)), size,
                              layout_engine=_PIL_LAYOUT)


class PdfMetrics:
    """Widths from the fonts' advance tables, as reportlab draws them (no hinting)."""

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
    if text.isascii():  # the common case: one Be Vietnam Pro run
        return pdfmetrics.stringWidth(text, pdf_font(weight), 1.0)
    return sum(run_em_width(run, weight) for run in runs(text))


def run_em_width(run: Run, weight: Weight) -> float:
    """Advance width of one run at size 1, shaped when its face needs it."""
    if run.face.shaped:
        text = shaped(run.text, weight, run.face)
        if isinstance(text, ShapedStr):
            return sum(g.x_advance for g in text.__shapeData__) / 1000
        return pdfmetrics.stringWidth(text, pdf_font(weight, run.face), 1.0)
    return pdfmetrics.stringWidth(run.drawn, pdf_font(weight, run.face), 1.0)


class PngMetrics:
    """Widths as Pillow draws them: hinted (rounded to pixels) and kerned."""

    def width(self, text: str, weight: Weight, size: float) -> float:
        """Advance width in pixels."""
        return sum(pil_font(weight, size, run.face).getlength(run.drawn) for run in runs(text))

    def quantize(self, size: float) -> float:
        """Half pixels: fine enough to look smooth, coarse enough to cache the fonts."""
        return round(size * 2) / 2
