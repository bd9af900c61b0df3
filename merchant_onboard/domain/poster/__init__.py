"""Posters that scan: one stall's VietQR poster as PDF (A6, A5, A4, A4 sticker sheet) or PNG.

Pure: values in, bytes out. The QR matrix is computed once per payload (:func:`qr_matrix`) and
drawn by both renderers; the layout (:func:`layout_for`) is shared too, so tests can check
what a renderer will draw without rasterising it.

PDF output is streamed: :func:`iter_pdf` yields one chunk per page and :func:`write_pdf` writes
to a file object page by page; memory stays flat for a market of any size. :func:`render_pdf`
and :func:`render` return the whole file as bytes.
"""

from __future__ import annotations

from collections.abc import Iterable

from merchant_onboard.domain.poster.design import MIN_MODULE_MM, layout_for, sticker_slots
from merchant_onboard.domain.poster.formats import UNKNOWN_FORMAT, PosterFormat, parse_format
from merchant_onboard.domain.poster.geometry import Box, Layout, QRPlacement, TextLine
from merchant_onboard.domain.poster.pdf import check_skip_slots, iter_pdf, render_pdf, write_pdf
from merchant_onboard.domain.poster.png import render_png
from merchant_onboard.domain.poster.qrmatrix import QUIET_ZONE, QRMatrix, qr_matrix
from merchant_onboard.domain.poster.spec import PosterLabels, PosterSpec

__all__ = [
    "MIN_MODULE_MM",
    "QUIET_ZONE",
    "UNKNOWN_FORMAT",
    "Box",
    "Layout",
    "PosterFormat",
    "PosterLabels",
    "PosterSpec",
    "QRMatrix",
    "QRPlacement",
    "TextLine",
    "check_skip_slots",
    "iter_pdf",
    "layout_for",
    "parse_format",
    "qr_matrix",
    "render",
    "render_pdf",
    "render_png",
    "sticker_slots",
    "write_pdf",
]


def render(spec_or_specs: PosterSpec | Iterable[PosterSpec], fmt: PosterFormat | str) -> bytes:
    """Render one spec or several in ``fmt`` (a :class:`PosterFormat` or its value).

    A PNG holds one poster, so it takes exactly one spec.
    """
    fmt = PosterFormat(fmt)
    specs = [spec_or_specs] if isinstance(spec_or_specs, PosterSpec) else list(spec_or_specs)
    if fmt is PosterFormat.PNG:
        if len(specs) != 1:
            raise ValueError(f"a PNG holds one poster, not {len(specs)}")
        return render_png(specs[0])
    return render_pdf(specs, fmt)
