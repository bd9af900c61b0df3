"""Charts drawn as inline SVG on the server: no chart library, no CDN, printable (DESIGN §3).

Pure: numbers and already-translated labels in, SVG text out. The drawings are 360 units
wide, the width of a cheap phone's screen, so text stays readable where the chart is shown
smallest; on a laptop the SVG simply scales up.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from merchant_onboard.domain.figures import shown_percent

WIDTH = 360
FONT = 13
_GREEN, _GREEN_LIGHT, _INK, _MUTED, _LINE, _AMBER = (
    "#0b5d3b", "#cfe8da", "#1b1f1d", "#5f6b66", "#d9e0dc", "#b26a00")
# Text needs 4.5:1 (WCAG 1.4.3), lines and shapes 3:1 (1.4.11). The bars' green is the darkest
# of its hue that keeps the white count inside a bar at 4.5:1; the target's label takes the
# app's amber for text (app.css --amber), 4.9:1 even on the pale area under the line, while
# its dashed line keeps the brighter amber.
_BAR, _AMBER_TEXT = "#3a835f", "#8a5a00"


def percent(value: float | None, short_of: int | None = None) -> str:
    """``0.153`` → ``15 %`` (as Vietnamese writes it); None → ``–``. The number is
    ``shown_percent``'s, as in the exports; ``short_of``: the target the rate has not reached
    (``Headline.unreached_target``), which it then never reads as. Pages write it in their
    language with ``web.i18n.percent``, which the charts are given."""
    return "–" if value is None else f"{shown_percent(value, short_of=short_of)} %"


def _svg(height: float, title: str, body: str) -> str:
    return (f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} '
            f'{height:g}" role="img" aria-label="{escape(title)}" font-size="{FONT}" '
            f'font-family="inherit"><title>{escape(title)}</title>{body}</svg>')


def _text(x: float, y: float, text: str, *, anchor: str = "start", fill: str = _INK,
          weight: str = "400", size: int = FONT) -> str:
    return (f'<text x="{x:g}" y="{y:g}" text-anchor="{anchor}" fill="{fill}" '
            f'font-weight="{weight}" font-size="{size}">{escape(text)}</text>')


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: its label, its value, what to write after it, an optional note."""

    label: str
    value: int
    text: str
    note: str = ""
    highlight: bool = False


def bar_chart(bars: Sequence[Bar], *, title: str, scale: int | None = None) -> str:
    """Horizontal bars, each with its label above it; ``scale`` is the full-width value."""
    row, bar_h = 44, 16
    top = max([scale or 0] + [b.value for b in bars]) or 1
    parts = []
    for i, bar in enumerate(bars):
        y = i * row
        width = max(2.0, (WIDTH - 4) * bar.value / top) if bar.value else 0
        parts.append(_text(0, y + 14, bar.label, weight="600"))
        if bar.note:
            parts.append(_text(WIDTH, y + 14, bar.note, anchor="end", fill=_MUTED, size=12))
        parts.append(f'<rect x="0" y="{y + 20}" width="{WIDTH}" height="{bar_h}" rx="4" '
                     f'fill="#eef1f0"/>')
        if width:
            fill = _GREEN if bar.highlight else _BAR
            parts.append(f'<rect x="0" y="{y + 20}" width="{width:.1f}" height="{bar_h}" rx="4" '
                         f'fill="{fill}"/>')
        inside = width > WIDTH * 0.55
        parts.append(_text(width - 6 if inside else width + 6, y + 33, bar.text,
                           anchor="end" if inside else "start",
                           fill="#fff" if inside else _INK, weight="600", size=12))
    return _svg(max(1, len(bars)) * row, title, "".join(parts))


def line_chart(points: Sequence[tuple[str, float | None]], *, title: str, target: float,
               target_label: str, height: int = 210,
               format_percent: Callable[[float | None, int | None], str] = percent) -> str:
    """Cumulative rates (0–1) per period against a dashed target line, y axis in percent
    (written by ``format_percent``, as ``percent``)."""
    left, right, top, bottom = 34, 10, 12, 26
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    ceiling, steps = _rate_axis(max([v or 0 for _, v in points] + [target]))

    def y_of(value: float) -> float:
        return top + plot_h * (1 - value / ceiling)

    parts = []
    for i in range(steps + 1):
        value = ceiling * i / steps
        y = y_of(value)
        parts.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="{_LINE}" stroke-width="1"/>')
        parts.append(_text(left - 4, y + 4, format_percent(value, None), anchor="end",
                           fill=_MUTED, size=11))
    n = len(points)
    xs = [left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2) for i in range(n)]
    coords = [(x, y_of(v or 0)) for x, (_, v) in zip(xs, points, strict=True)]
    if coords:
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        base = top + plot_h
        parts.append(f'<polygon points="{coords[0][0]:.1f},{base} {line} {coords[-1][0]:.1f},'
                     f'{base}" fill="{_GREEN_LIGHT}" opacity=".7"/>')
        parts.append(f'<polyline points="{line}" fill="none" stroke="{_GREEN}" '
                     f'stroke-width="2.5" stroke-linejoin="round"/>')
        x, y = coords[-1]
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{_GREEN}"/>')
        last = points[-1][1]
        # Beside the target's line, a rate short of it never reads as it (shown_percent).
        short = round(target * 100) if last is not None and last < target - 1e-9 else None
        parts.append(_text(x - 6, y - 8, format_percent(last, short), anchor="end", fill=_GREEN,
                           weight="600"))
    ty = y_of(target)
    parts.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{ty:.1f}" y2="{ty:.1f}" '
                 f'stroke="{_AMBER}" stroke-width="2" stroke-dasharray="6 4"/>')
    parts.append(_text(left + 4, ty - 5, target_label, fill=_AMBER_TEXT, weight="600",
                       size=12))
    for i, x, anchor in _period_labels(xs, WIDTH):
        parts.append(_text(x, height - 8, points[i][0], anchor=anchor, fill=_MUTED, size=11))
    return _svg(height, title, "".join(parts))


def _rate_axis(highest: float) -> tuple[float, int]:
    """The top of a rate axis and its number of steps, each step a round whole percent.

    Each gridline is named by its value as ``percent`` writes it: four steps up to 50 %
    named lines at 12.5 % and 37.5 % "13 %" and "38 %", and a top taken from the data (a
    rate of 53.7 %) stepped by 13.4 %. Rates over all stalls stay within 100 %; a larger
    value (none is expected) still fits, in steps of 25 %."""
    if highest <= 0.5:
        return 0.5, 5
    quarters = max(4, math.ceil(highest * 4))
    return quarters / 4, quarters


#: Room one period label ("dd/mm" at 11 units, about 33 wide) takes on the x axis.
_LABEL_ROOM = 40


def _period_labels(xs: Sequence[float], width: float) -> list[tuple[int, float, str]]:
    """Which periods get a label under the x axis, where and how anchored: about five, the
    first and the last always. The last is the week a manager reports ("as of 24/11"): a
    stride of every few weeks from the first skipped it (6, 8, 9 … weeks), so it is labelled
    itself, ending at the drawing's edge (centred on its point, half of it was cut off), and
    the stride's label before it is dropped when the two would touch."""
    n = len(xs)
    if n <= 1:
        return [(0, xs[0], "middle")] if xs else []
    every = max(1, -(-n // 5))
    last_start = width - _LABEL_ROOM
    labels = [(i, xs[i], "middle") for i in range(0, n - 1, every)
              if i == 0 or xs[i] + _LABEL_ROOM / 2 <= last_start]
    return labels + [(n - 1, width, "end")]
