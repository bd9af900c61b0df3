"""Placing a poster's parts: a column of text and panels around one QR code that takes the rest.

A design lists items top to bottom. Text is fitted (shrunk, then wrapped) before anything is
placed, so the QR code gets exactly the height the text leaves and nothing can overlap it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from merchant_onboard.domain.poster.fonts import Extents, Metrics, Weight, extents
from merchant_onboard.domain.poster.geometry import (
    RGB,
    Box,
    Layout,
    Panel,
    QRPlacement,
    TextLine,
)
from merchant_onboard.domain.poster.qrmatrix import QRMatrix
from merchant_onboard.domain.poster.textfit import Fitted, fit_text


class NoRoom(Exception):
    """The items do not fit: the QR code would get less than its minimum size."""


@dataclass(frozen=True)
class Text:
    """Centred text: shrunk from ``size`` towards ``min_size`` until it fits in ``max_lines``."""

    text: str
    weight: Weight
    size: float
    min_size: float
    color: RGB
    max_lines: int = 1
    leading: float = 1.2
    #: Never below ``min_size``: what does not fit ends with "…" (small print stays legible).
    ellipsis: bool = False


@dataclass(frozen=True)
class Gap:
    """Vertical space; ``stretch`` gaps share the height left once the QR code is full size."""

    height: float
    stretch: bool = False


@dataclass(frozen=True)
class Group:
    """Items on a rounded panel; ``hug`` shrinks the panel to its widest line (a pill)."""

    items: tuple[Text | Gap, ...]
    fill: RGB
    radius: float
    pad_x: float
    pad_y: float
    hug: bool = False


@dataclass(frozen=True)
class QRSlot:
    """The QR code: as large as the room allows up to ``max_side`` (quiet zone included).

    ``min_module`` is the smallest module side accepted; ``snap`` makes the module a whole
    number of units (crisp pixels in a PNG); ``frame`` outlines the quiet zone from outside.
    """

    matrix: QRMatrix
    max_side: float
    min_module: float
    snap: bool = False
    frame: RGB | None = None
    frame_width: float = 0.0


Item = Text | Gap | Group | QRSlot


def stack(
    items: Sequence[Item], *, width: float, height: float, margin_x: float, metrics: Metrics
) -> Layout:
    """Fit and place ``items`` top to bottom on a ``width`` × ``height`` area.

    Raises :class:`NoRoom` when the text leaves the QR code less than its minimum size.
    """
    column = (margin_x, width - margin_x)
    fitted = [_fit(item, column[1] - column[0], metrics) for item in items]
    slot = next(item for item in items if isinstance(item, QRSlot))
    fixed = sum(item.height for item in fitted if not isinstance(item, QRSlot))
    n = slot.matrix.size_with_quiet_zone
    module = min(slot.max_side, height - fixed) / n
    if slot.snap:
        module = math.floor(module)
    if module <= 0 or module < slot.min_module:
        raise NoRoom(f"{height - fixed:.1f} left for a QR code of {n} modules")
    side = module * n
    stretch = [item for item in fitted if isinstance(item, Gap) and item.stretch]
    extra = (height - fixed - side) / len(stretch) if stretch else 0.0

    panels: list[Panel] = []
    texts: list[TextLine] = []
    qr: QRPlacement | None = None
    y = 0.0
    for item in fitted:
        if isinstance(item, Gap):
            y += item.height + (extra if item.stretch else 0.0)
        elif isinstance(item, QRSlot):
            x = (width - side) / 2
            if item.snap:
                x, y = round(x), round(y)
            qr = QRPlacement(item.matrix, Box(x, y, side, side), module)
            if item.frame:
                # A module of air between the quiet zone and the frame's inner edge; a corner
                # of radius r cuts 0.29 r into its square, so 2.5 modules stays outside too.
                frame = qr.box.inflate(module + item.frame_width / 2)
                panels.append(Panel(frame, stroke=item.frame, line_width=item.frame_width,
                                    radius=2.5 * module))
            y += side
        else:
            y = item.place(y, column, panels, texts)
    assert qr is not None
    return Layout(width, height, tuple(panels), qr, tuple(texts))


@dataclass(frozen=True)
class _FittedText:
    """A :class:`Text` broken into lines at its final size."""

    item: Text
    fitted: Fitted

    @property
    def reach(self) -> Extents:
        """The line metrics of this text (deeper for Khmer)."""
        return extents(self.item.text)

    @property
    def leading(self) -> float:
        return max(self.item.leading, self.reach.min_leading)

    @property
    def height(self) -> float:
        lines, size = self.fitted.lines, self.fitted.size
        if not lines:
            return 0.0
        reach = self.reach
        return ((reach.line_ascent + reach.line_descent) * size
                + (len(lines) - 1) * self.leading * size)

    def place(self, y: float, column: tuple[float, float], panels: list[Panel],
              texts: list[TextLine]) -> float:
        """Append the lines centred in ``column`` from ``y``; return the y below them."""
        size = self.fitted.size
        baseline = y + self.reach.line_ascent * size
        for line, line_width in zip(self.fitted.lines, self.fitted.widths):
            x = (column[0] + column[1] - line_width) / 2
            texts.append(TextLine(line, self.item.weight, size, x, baseline, line_width,
                                  self.item.color))
            baseline += self.leading * size
        return y + self.height


@dataclass(frozen=True)
class _FittedGroup:
    """A :class:`Group` with its text fitted inside the padding."""

    group: Group
    items: tuple[_FittedText | Gap, ...]

    @property
    def height(self) -> float:
        return 2 * self.group.pad_y + sum(item.height for item in self.items)

    def place(self, y: float, column: tuple[float, float], panels: list[Panel],
              texts: list[TextLine]) -> float:
        """Append the panel and its text from ``y``; return the y below the panel."""
        group = self.group
        left, right = column
        if group.hug:
            widest = max((w for item in self.items if isinstance(item, _FittedText)
                          for w in item.fitted.widths), default=0.0)
            left = (left + right) / 2 - widest / 2 - group.pad_x
            right = left + widest + 2 * group.pad_x
        panels.append(Panel(Box(left, y, right - left, self.height), fill=group.fill,
                            radius=group.radius))
        inner = (left + group.pad_x, right - group.pad_x)
        inner_y = y + group.pad_y
        for item in self.items:
            if isinstance(item, Gap):
                inner_y += item.height
            else:
                inner_y = item.place(inner_y, inner, panels, texts)
        return y + self.height


def _fit(item: Item, width: float, metrics: Metrics) -> _FittedText | _FittedGroup | Gap | QRSlot:
    if isinstance(item, Text):
        return _fit_text(item, width, metrics)
    if isinstance(item, Group):
        inner = width - 2 * item.pad_x
        return _FittedGroup(item, tuple(
            _fit_text(child, inner, metrics) if isinstance(child, Text) else child
            for child in item.items
        ))
    return item


def _fit_text(item: Text, width: float, metrics: Metrics) -> _FittedText:
    return _FittedText(item, fit_text(
        item.text, item.weight, size=item.size, min_size=item.min_size,
        max_lines=item.max_lines, max_width=width, metrics=metrics, ellipsis=item.ellipsis,
    ))
