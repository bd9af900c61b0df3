"""PDF posters: layouts drawn with reportlab, the QR code as one vector path, pages streamed.

Memory: pages go to the output as soon as they are drawn (see :mod:`.pdfstream`); what stays
in memory per page is its object numbers and offsets, so a whole market's batch costs about
as much memory as one poster.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from reportlab.pdfgen.canvas import Canvas

from merchant_onboard.domain.errors import N_, ValidationError
from merchant_onboard.domain.poster.design import layout_for, sticker_slots
from merchant_onboard.domain.poster.fonts import Weight, pdf_font, run_em_width, runs, shaped
from merchant_onboard.domain.poster.formats import PosterFormat
from merchant_onboard.domain.poster.geometry import Box, Layout, TextLine
from merchant_onboard.domain.poster.pdfstream import streaming_canvas
from merchant_onboard.domain.poster.qrmatrix import QRMatrix
from merchant_onboard.domain.poster.spec import PosterSpec

_CUT_LINE = (0.62, 0.62, 0.62)


def iter_pdf(
    specs: Iterable[PosterSpec], fmt: PosterFormat, *, skip_slots: int = 0
) -> Iterator[bytes]:
    """The PDF of ``specs`` in ``fmt``, chunk by chunk: one chunk per finished page.

    Made for HTTP streaming: the first page leaves before the second is drawn and memory
    stays flat however many posters there are. ``skip_slots`` leaves the first slots of the
    first sticker sheet empty, to print on a partly used sheet. Bad arguments (no posters,
    a ``skip_slots`` the format does not have) raise :class:`ValidationError` here, before
    the first chunk, so a web view can still answer with an error.
    """
    first, rest = _checked(specs, fmt, skip_slots)
    return _chunks(first, rest, fmt, skip_slots)


def write_pdf(
    specs: Iterable[PosterSpec], fmt: PosterFormat, out: BinaryIO, *, skip_slots: int = 0
) -> int:
    """Write the PDF of ``specs`` to ``out`` page by page and return the number of pages."""
    first, rest = _checked(specs, fmt, skip_slots)
    pages = 0
    for pages in _draw(first, rest, fmt, out.write, skip_slots):
        pass
    return pages


def render_pdf(specs: Iterable[PosterSpec], fmt: PosterFormat, *, skip_slots: int = 0) -> bytes:
    """The whole PDF of ``specs`` in ``fmt`` as bytes (fine for one poster or a few pages)."""
    return b"".join(iter_pdf(specs, fmt, skip_slots=skip_slots))


def check_skip_slots(fmt: PosterFormat, skip_slots: int) -> None:
    """Refuse a number of slots to skip that the format's first page does not have."""
    if not 0 <= skip_slots < fmt.slots_per_page:
        raise ValidationError(
            # Named as the batch's query argument names it (web page and API alike).
            N_("Số ô bỏ qua phải từ 0 đến %(last)d."), field="skip",
            last=fmt.slots_per_page - 1,
        )


def _checked(
    specs: Iterable[PosterSpec], fmt: PosterFormat, skip_slots: int
) -> tuple[PosterSpec, Iterator[PosterSpec]]:
    """Validate the arguments now; return the first spec and an iterator over the rest."""
    if not fmt.is_pdf:
        raise ValueError(f"{fmt} is not a PDF format")
    check_skip_slots(fmt, skip_slots)
    rest = iter(specs)
    first = next(rest, None)
    if first is None:
        raise ValidationError(N_("Không có áp phích nào để in"))
    return first, rest


def _chunks(first: PosterSpec, rest: Iterator[PosterSpec], fmt: PosterFormat,
            skip_slots: int) -> Iterator[bytes]:
    chunks: list[bytes] = []
    for _ in _draw(first, rest, fmt, chunks.append, skip_slots):
        yield b"".join(chunks)
        chunks.clear()
    yield b"".join(chunks)


def _draw(
    first: PosterSpec, rest: Iterator[PosterSpec], fmt: PosterFormat,
    write: Callable[[bytes], object], skip_slots: int,
) -> Iterator[int]:
    """Draw every page into a streaming document writing to ``write``; yield after each page."""
    canvas, document = streaming_canvas(write, fmt.page_size, pdf_font(Weight.REGULAR))
    canvas.setCreator("merchant_onboard")
    canvas.setTitle(f"VietQR – {first.market_name}")
    canvas.setAuthor(first.market_name)
    canvas.setSubject(first.campaign_title)
    try:
        pages = _sticker_pages if fmt is PosterFormat.STICKER else _poster_pages
        yield from pages(canvas, itertools.chain((first,), rest), fmt, skip_slots)
        document.finish(canvas)
    finally:
        document.release_fonts()


def _poster_pages(canvas: Canvas, specs: Iterator[PosterSpec], fmt: PosterFormat,
                  skip_slots: int) -> Iterator[int]:
    """One poster per page (``skip_slots`` is always 0 here)."""
    for number, spec in enumerate(specs, start=1):
        draw_layout(canvas, layout_for(spec, fmt), fmt.page_size[1])
        canvas.showPage()
        yield number


def _sticker_pages(canvas: Canvas, specs: Iterator[PosterSpec], fmt: PosterFormat,
                   skip_slots: int) -> Iterator[int]:
    """Stickers slot by slot, row by row; a page ends when its last slot is used."""
    slots = sticker_slots()
    page_h = fmt.page_size[1]
    used: list[Box] = []
    slot = skip_slots
    number = 0
    for spec in specs:
        box = slots[slot]
        draw_layout(canvas, layout_for(spec, fmt).shift(box.x, box.y), page_h)
        used.append(box)
        slot += 1
        if slot == len(slots):
            number += 1
            _cut_lines(canvas, used, page_h)
            canvas.showPage()
            yield number
            used.clear()
            slot = 0
    if used:
        _cut_lines(canvas, used, page_h)
        canvas.showPage()
        yield number + 1


def draw_layout(canvas: Canvas, layout: Layout, page_height: float) -> None:
    """Draw ``layout`` (top-left coordinates) on the current page of ``canvas``."""
    for panel in layout.panels:
        box = panel.box
        if panel.fill:
            canvas.setFillColorRGB(*_rgb(panel.fill))
        if panel.stroke:
            canvas.setStrokeColorRGB(*_rgb(panel.stroke))
            canvas.setLineWidth(panel.line_width)
        canvas.roundRect(box.x, page_height - box.bottom, box.w, box.h, panel.radius,
                         stroke=int(panel.stroke is not None), fill=int(panel.fill is not None))
    _draw_qr(canvas, layout, page_height)
    for line in layout.texts:
        canvas.setFillColorRGB(*_rgb(line.color))
        _draw_line(canvas, line, page_height - line.baseline)


def _draw_line(canvas: Canvas, line: TextLine, y: float) -> None:
    """One line, run by run, each in the face that has its characters (see ``fonts.runs``)."""
    line_runs = runs(line.text)
    if len(line_runs) == 1 and not line_runs[0].face.shaped:  # the common case
        canvas.setFont(pdf_font(line.weight, line_runs[0].face), line.size)
        canvas.drawString(line.x, y, line_runs[0].drawn)
        return
    x = line.x
    for run in line_runs:
        canvas.setFont(pdf_font(line.weight, run.face), line.size)
        if run.face.shaped:
            # Shaped glyphs are subscripts and reordered vowels mapped to private code
            # points: /ActualText gives text extraction, search and copy the real letters.
            actual = ("\ufeff" + run.text).encode("utf-16-be").hex().upper()
            canvas.addLiteral(f"/Span <</ActualText <{actual}>>> BDC")
            canvas.drawString(x, y, shaped(run.text, line.weight, run.face))
            canvas.addLiteral("EMC")
        else:
            canvas.drawString(x, y, run.drawn)
        x += run_em_width(run, line.weight) * line.size


def _draw_qr(canvas: Canvas, layout: Layout, page_height: float) -> None:
    """The dark modules as one filled path of merged rectangles, in module units."""
    qr = layout.qr
    symbol = qr.symbol_box
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    # Module units with y growing downwards, so the path is small integers. It is written as
    # PDF operators directly: reportlab's path API formats each number through a pure-Python
    # float formatter, which made the QR code most of a poster's drawing time.
    canvas.transform(qr.module, 0, 0, -qr.module, symbol.x, page_height - symbol.y)
    canvas.addLiteral(_path_operators(qr.matrix))
    canvas.restoreState()


def _path_operators(matrix: QRMatrix) -> str:
    """``re`` operators for every rectangle of dark modules, then one fill."""
    boxes = " ".join(f"{col} {row} {w} {h} re" for col, row, w, h in matrix.rectangles)
    return f"{boxes} f"


def _cut_lines(canvas: Canvas, boxes: list[Box], page_height: float) -> None:
    """Dashed lines around the used sticker cells, each shared edge drawn once."""
    edges = set()
    for b in boxes:
        edges |= {(b.x, b.y, b.right, b.y), (b.x, b.bottom, b.right, b.bottom),
                  (b.x, b.y, b.x, b.bottom), (b.right, b.y, b.right, b.bottom)}
    canvas.saveState()
    canvas.setStrokeColorRGB(*_CUT_LINE)
    canvas.setLineWidth(0.5)
    canvas.setDash(3, 3)
    canvas.lines([(x0, page_height - y0, x1, page_height - y1)
                  for x0, y0, x1, y1 in sorted(edges)])
    canvas.restoreState()


def _rgb(color: tuple[int, int, int]) -> tuple[float, float, float]:
    return color[0] / 255, color[1] / 255, color[2] / 255
