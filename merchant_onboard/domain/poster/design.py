"""The look of the posters: what goes where, how large, in which colour, for every format."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

from reportlab.lib.pagesizes import A6
from reportlab.lib.units import mm

from merchant_onboard.domain.errors import N_, ValidationError
from merchant_onboard.domain.poster.fonts import Metrics, PdfMetrics, PngMetrics, Weight
from merchant_onboard.domain.poster.formats import (
    STICKER_COLUMNS,
    STICKER_PAGE_MARGIN,
    STICKER_ROWS,
    PosterFormat,
)
from merchant_onboard.domain.poster.geometry import Box, Layout
from merchant_onboard.domain.poster.layout import Gap, Group, Item, NoRoom, QRSlot, Text, stack
from merchant_onboard.domain.poster.qrmatrix import qr_matrix
from merchant_onboard.domain.poster.spec import PosterSpec
from merchant_onboard.domain.poster.textfit import fit_text

# Print-safe colours: a deep blue that stays dark on a monochrome laser printer, its light
# tint for panels, near-black text. The QR code itself is always pure black on white.
INK = (17, 24, 39)
ACCENT = (13, 71, 161)
ACCENT_TINT = (227, 236, 250)
HEADER_SUBTITLE = (208, 223, 247)
MUTED = (75, 85, 99)
FRAME = (148, 172, 214)
WHITE = (255, 255, 255)

#: Text is shrunk in these steps before a design gives up: a long name or a dense QR code
#: costs a little type size before it costs a module size (``_keeping_the_qr_size``). 0.7 is reached only by what did not
#: fit before issue 12's additions: a long Khmer name (its stacked subscripts need deeper
#: lines) with a market's second language line, a 19-character account and a long holder name.
_TEXT_SCALES = (1.0, 0.9, 0.8, 0.7)
#: On a sticker every size is floored at STICKER_MIN_PT, so the last steps only tighten the
#: gaps and the large lines (a forced Q with a 19-character account needs 0.7).
_STICKER_SCALES = (*_TEXT_SCALES, 0.6)
#: Blank border inside a sticker cell, in points: keeps ink (and the QR code's quiet zone)
#: clear of the cut lines, which are drawn on the cell edges.
_STICKER_MARGIN = 8
#: The smallest type on a sticker (issue 12): 6 pt still reads at arm's length; longer text
#: is shortened with "…" rather than shrunk.
STICKER_MIN_PT = 6.0
#: Every poster's QR modules are at least this large (stickers too: "≥ 1 mm per module").
MIN_MODULE_MM = 1.0
#: A standee's side margin and its header panel's padding, in points on A6 (scaled with the
#: page), and the largest and smallest size of the campaign title and of the market's name
#: under it, each in its two lines.
_SIDE_MARGIN, _HEADER_PAD_X = 12, 10
_TITLE_SIZE, _TITLE_MIN = 11, 8
_NAME_SIZE, _NAME_MIN = 9, 7
#: The largest size of a sticker's heading (the title and the market's name).
_STICKER_HEADING_SIZE = 6.5


def layout_for(spec: PosterSpec, fmt: PosterFormat) -> Layout:
    """Lay out one poster of ``spec`` in ``fmt``: points for PDFs, pixels for the PNG.

    For the sticker sheet this is one sticker at the origin; :func:`sticker_slots` says where
    each one goes on the page.
    """
    width, height = fmt.page_size
    level = spec.error_correction_for(fmt)
    if fmt is PosterFormat.STICKER:
        slot = sticker_slots()[0]
        return _keeping_the_qr_size(lambda s, scale: stack(
            _sticker_items(s, slot.w, scale, level),
            width=slot.w, height=slot.h,
            margin_x=_STICKER_MARGIN, metrics=_PDF,
        ), spec, _STICKER_SCALES)
    metrics: Metrics = _PNG if fmt is PosterFormat.PNG else _PDF
    snap = fmt is PosterFormat.PNG
    return _keeping_the_qr_size(lambda s, scale: stack(
        _poster_items(s, width, scale, level, snap=snap),
        width=width, height=height,
        margin_x=_SIDE_MARGIN * width / A6[0], metrics=metrics,
    ), spec, _TEXT_SCALES)


def fits_title(text: str) -> bool:
    """Whether a market's campaign title fits the header of the smallest standee, A6, in its
    two lines at its smallest size: every poster of the market prints it there (a longer one
    shrank on every poster below what reads on a stall)."""
    return _fits_header(text, Weight.BOLD, _TITLE_SIZE, _TITLE_MIN)


def fits_market_name(text: str) -> bool:
    """Whether a market's name prints whole wherever a poster prints it: under the title in
    A6's header, in its two lines at its smallest size (a longer one ran to a third line, over
    the header's edge), and alone at the top of a sticker, in its two lines (where it was cut
    short)."""
    return (_fits_header(text, Weight.REGULAR, _NAME_SIZE, _NAME_MIN)
            and _fits_sticker_heading(text))


def _fits_sticker_heading(text: str) -> bool:
    width = sticker_slots()[0].w - 2 * _STICKER_MARGIN
    fitted = fit_text(text, Weight.REGULAR, size=_STICKER_HEADING_SIZE,
                      min_size=STICKER_MIN_PT, max_lines=2, max_width=width, metrics=_PDF)
    return len(fitted.lines) <= 2


def _sticker_heading(spec: PosterSpec) -> str:
    """The campaign title and the market's name at the top of a sticker, or the name alone
    where both would be cut short: the name says whose stall it is, the title only the
    campaign (a name ``fits_market_name`` accepts prints whole there)."""
    both = " · ".join(part for part in (spec.campaign_title, spec.market_name) if part)
    return both if _fits_sticker_heading(both) else spec.market_name


def _fits_header(text: str, weight: Weight, size: float, min_size: float) -> bool:
    width = A6[0] - 2 * _SIDE_MARGIN - 2 * _HEADER_PAD_X
    fitted = fit_text(text, weight, size=size, min_size=min_size, max_lines=2,
                      max_width=width, metrics=_PDF)
    return len(fitted.lines) <= 2 and fitted.size >= _PDF.quantize(min_size)


def fits_sticker_line(text: str) -> bool:
    """Whether ``text`` fits on one line of a sticker at :data:`STICKER_MIN_PT` (the room a
    market's second language line gets on the smallest format)."""
    width = sticker_slots()[0].w - 2 * _STICKER_MARGIN
    return _PDF.width(text, Weight.REGULAR, STICKER_MIN_PT) <= width


def sticker_slots() -> tuple[Box, ...]:
    """The sticker cells of an A4 sheet in points, row by row from the top left."""
    page_w, page_h = PosterFormat.STICKER.page_size
    cell_w = (page_w - 2 * STICKER_PAGE_MARGIN) / STICKER_COLUMNS
    cell_h = (page_h - 2 * STICKER_PAGE_MARGIN) / STICKER_ROWS
    return tuple(
        Box(STICKER_PAGE_MARGIN + col * cell_w, STICKER_PAGE_MARGIN + row * cell_h, cell_w, cell_h)
        for row in range(STICKER_ROWS)
        for col in range(STICKER_COLUMNS)
    )


_PDF = PdfMetrics()
_PNG = PngMetrics()


def _keeping_the_qr_size(build: Callable[[PosterSpec, float], Layout], spec: PosterSpec,
                         scales: tuple[float, ...]) -> Layout:
    """The layout at the largest text scale whose QR code is as large as on the same poster
    with a one-line shop name and holder name (the size the format's scanning was measured
    at, spec.py), else the one with the largest QR code.

    A stall's own long name, wrapped to two lines, then costs its type size, not the module
    size a phone at arm's length needs; the market's lines, the same on every poster, set
    the size for all its stalls.
    """
    target = next(_fitting(build, _one_line_names(spec), scales), None)
    found = []
    for layout in _fitting(build, spec, scales):
        if target is None or layout.qr.module >= target.qr.module:
            return layout
        found.append(layout)
    if not found:
        raise ValidationError(N_("Nội dung quá dài, mã QR không đủ chỗ trên khổ giấy này"))
    return max(found, key=lambda layout: layout.qr.module)


def _fitting(build: Callable[[PosterSpec, float], Layout], spec: PosterSpec,
             scales: tuple[float, ...]) -> Iterator[Layout]:
    """The layouts of ``spec`` that leave the QR code its minimum size, largest text first."""
    for scale in scales:
        try:
            yield build(spec, scale)
        except NoRoom:
            continue


def _one_line_names(spec: PosterSpec) -> PosterSpec:
    """``spec`` with a shop name and a holder name that take one line on every format."""
    return replace(spec, shop_name="Bún bò", holder_name="NGUYEN VAN AN")


def _poster_items(spec: PosterSpec, width: float, text_scale: float, level: str, *,
                  snap: bool) -> list[Item]:
    """A standee poster; sizes are designed on A6 and scale with the page width."""
    s = width / A6[0]
    t = s * text_scale
    labels = spec.labels
    matrix = qr_matrix(spec.payload, error_correction=level)
    # Scaled like the rest: a PNG has no millimetres, so it keeps A6's proportions.
    min_module = MIN_MODULE_MM * mm * s
    return [
        Gap(12 * s),
        Group(
            (
                Text(spec.campaign_title, Weight.BOLD, _TITLE_SIZE * t, _TITLE_MIN * t, WHITE,
                     max_lines=2),
                Gap(2 * t),
                Text(spec.market_name, Weight.REGULAR, _NAME_SIZE * t, _NAME_MIN * t,
                     HEADER_SUBTITLE, max_lines=2),
            ),
            fill=ACCENT, radius=7 * s, pad_x=_HEADER_PAD_X * s, pad_y=7 * s,
        ),
        Gap(10 * s, stretch=True),
        Text(spec.shop_name, Weight.BOLD, 22 * t, 13 * t, INK, max_lines=2, leading=1.15),
        Gap(5 * t),
        Group(
            (Text(spec.stall_line, Weight.SEMIBOLD, 9.5 * t, 7 * t, ACCENT),),
            fill=ACCENT_TINT, radius=9 * t, pad_x=10 * t, pad_y=3.5 * t, hug=True,
        ),
        Gap(8 * s, stretch=True),
        QRSlot(matrix, max_side=width - 24 * s, min_module=min_module, snap=snap,
               frame=FRAME, frame_width=1.2 * s),
        Gap(8 * s, stretch=True),
        Text(spec.bank_short_name, Weight.SEMIBOLD, 10 * t, 7.5 * t, ACCENT),
        Gap(1 * t),
        Text(spec.holder_line, Weight.BOLD, 16 * t, 9 * t, INK, max_lines=2),
        Gap(1 * t),
        Text(spec.account_line, Weight.SEMIBOLD, 11.5 * t, 8 * t, INK),
        Gap(8 * s, stretch=True),
        Group(
            (
                Text(labels.scan_hint, Weight.REGULAR, 8 * t, 6.5 * t, INK, max_lines=2),
                Gap(1.5 * t),
                Text(labels.check_name_hint, Weight.SEMIBOLD, 8 * t, 6.5 * t, ACCENT, max_lines=2),
                # The market's second language under the Vietnamese it translates.
                *((Gap(2.5 * t),
                   Text(spec.second_line, Weight.REGULAR, 8 * t, 6.5 * t, INK, max_lines=2))
                  if spec.second_line else ()),
            ),
            fill=ACCENT_TINT, radius=6 * s, pad_x=8 * s, pad_y=6 * t,
        ),
        Gap(6 * t),
        Text(spec.verify_line, Weight.REGULAR, 7 * t, 5.5 * t, MUTED, max_lines=2),
        Gap(12 * s),
    ]


def _sticker_items(spec: PosterSpec, width: float, text_scale: float,
                   level: str) -> list[Item]:
    """A sticker cell of the A4 sheet; sizes in points, never under :data:`STICKER_MIN_PT`."""

    def pt(size: float) -> float:
        return max(STICKER_MIN_PT, size * text_scale)

    t = text_scale
    labels = spec.labels
    matrix = qr_matrix(spec.payload, error_correction=level)
    return [
        Gap(_STICKER_MARGIN),
        Text(_sticker_heading(spec), Weight.REGULAR, pt(_STICKER_HEADING_SIZE), pt(6), MUTED,
             max_lines=2, ellipsis=True),
        Gap(3 * t),
        Text(spec.shop_name, Weight.BOLD, pt(12), pt(8), INK, max_lines=2, leading=1.15,
             ellipsis=True),
        Gap(3 * t),
        Group(
            (Text(spec.stall_line, Weight.SEMIBOLD, pt(7.5), pt(6), ACCENT),),
            fill=ACCENT_TINT, radius=7 * t, pad_x=7 * t, pad_y=2.5 * t, hug=True,
        ),
        Gap(4, stretch=True),
        QRSlot(matrix, max_side=width - 2 * _STICKER_MARGIN, min_module=MIN_MODULE_MM * mm),
        Gap(4, stretch=True),
        Text(spec.bank_short_name, Weight.SEMIBOLD, pt(7.5), pt(6), ACCENT),
        Gap(0.5 * t),
        Text(spec.holder_line, Weight.BOLD, pt(10.5), pt(7), INK, max_lines=2),
        Gap(0.5 * t),
        Text(spec.account_line, Weight.SEMIBOLD, pt(8.5), pt(6.5), INK),
        Gap(4 * t, stretch=True),
        Text(labels.scan_hint, Weight.REGULAR, pt(6.5), pt(6), INK, max_lines=2, ellipsis=True),
        Gap(1 * t),
        Text(labels.check_name_hint, Weight.SEMIBOLD, pt(6.5), pt(6), ACCENT, max_lines=2,
             ellipsis=True),
        # One line: a market's line is refused unless it fits at 6 pt (fits_sticker_line).
        *((Gap(1 * t),
           Text(spec.second_line, Weight.REGULAR, pt(6.5), pt(6), INK, ellipsis=True))
          if spec.second_line else ()),
        Gap(3 * t),
        # The code on its own line, the address under it: it breaks only before "/v/".
        Text(spec.verify_code_line, Weight.REGULAR, pt(6.5), pt(6), MUTED),
        Text(spec.verify_url, Weight.REGULAR, pt(6), pt(6), MUTED, max_lines=2),
        Gap(_STICKER_MARGIN),
    ]
