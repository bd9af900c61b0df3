"""Placed shapes: the boxes, lines of text, panels and QR code a renderer draws.

Coordinates have their origin at the top left and grow down and right, in the renderer's unit
(points for PDF, pixels for PNG).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from merchant_onboard.domain.poster.fonts import Weight, extents
from merchant_onboard.domain.poster.qrmatrix import QUIET_ZONE, QRMatrix

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle: ``x``, ``y`` is its top-left corner."""

    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        """The x of the right edge."""
        return self.x + self.w

    @property
    def bottom(self) -> float:
        """The y of the bottom edge."""
        return self.y + self.h

    def intersects(self, other: Box) -> bool:
        """Whether the two boxes share any area (touching edges do not count)."""
        return (
            self.x < other.right and other.x < self.right
            and self.y < other.bottom and other.y < self.bottom
        )

    def contains(self, other: Box) -> bool:
        """Whether ``other`` lies entirely inside this box."""
        return (
            self.x <= other.x and other.right <= self.right
            and self.y <= other.y and other.bottom <= self.bottom
        )

    def inflate(self, d: float) -> Box:
        """The box grown by ``d`` on every side."""
        return Box(self.x - d, self.y - d, self.w + 2 * d, self.h + 2 * d)

    def shift(self, dx: float, dy: float) -> Box:
        """The box moved by ``dx``, ``dy``."""
        return Box(self.x + dx, self.y + dy, self.w, self.h)


@dataclass(frozen=True)
class TextLine:
    """One line of text, placed: ``x`` is its left end, ``baseline`` its baseline's y."""

    text: str
    weight: Weight
    size: float
    x: float
    baseline: float
    width: float
    color: RGB

    @property
    def ink_box(self) -> Box:
        """Where the glyphs can put ink, stacked Vietnamese tone marks and Khmer subscripts
        included."""
        reach = extents(self.text)
        top = self.baseline - reach.ink_ascent * self.size
        return Box(self.x, top, self.width, (reach.ink_ascent + reach.ink_descent) * self.size)


@dataclass(frozen=True)
class Panel:
    """A rounded rectangle, filled and/or outlined, drawn behind the text."""

    box: Box
    fill: RGB | None = None
    stroke: RGB | None = None
    line_width: float = 0.0
    radius: float = 0.0


@dataclass(frozen=True)
class QRPlacement:
    """Where the QR code goes: ``box`` includes the quiet zone, ``module`` is one module's side."""

    matrix: QRMatrix
    box: Box
    module: float

    @property
    def symbol_box(self) -> Box:
        """The symbol without its quiet zone."""
        return self.box.inflate(-QUIET_ZONE * self.module)


@dataclass(frozen=True)
class Layout:
    """Everything to draw for one poster, in drawing order: panels, then the QR, then text."""

    width: float
    height: float
    panels: tuple[Panel, ...]
    qr: QRPlacement
    texts: tuple[TextLine, ...]

    def shift(self, dx: float, dy: float) -> Layout:
        """The same poster moved by ``dx``, ``dy`` (a sticker into its slot on the sheet)."""
        return replace(
            self,
            panels=tuple(replace(p, box=p.box.shift(dx, dy)) for p in self.panels),
            qr=replace(self.qr, box=self.qr.box.shift(dx, dy)),
            texts=tuple(replace(t, x=t.x + dx, baseline=t.baseline + dy) for t in self.texts),
        )
