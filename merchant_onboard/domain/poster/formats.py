"""Poster formats: what a caller can ask for, with the paper sizes and file types behind them."""

from __future__ import annotations

from enum import StrEnum

from reportlab.lib.pagesizes import A4, A5, A6
from reportlab.lib.units import mm

from merchant_onboard.domain.errors import N_, ValidationError

#: Width and height of the PNG poster in pixels: 1080 wide (what Zalo keeps without
#: downscaling) and the A-series ratio, so it prints like the PDFs.
PNG_SIZE = (1080, 1527)

#: The A4 sticker sheet: a 3 × 3 grid inside a margin the printers can reach
#: (office printers leave 4–5 mm unprinted at the edges).
STICKER_COLUMNS = 3
STICKER_ROWS = 3
STICKER_PAGE_MARGIN = 6 * mm


class PosterFormat(StrEnum):
    """A poster format as the web layer and the CLI name it."""

    A6 = "a6"
    A5 = "a5"
    A4 = "a4"
    STICKER = "sticker"
    PNG = "png"

    @property
    def media_type(self) -> str:
        """The HTTP content type of the rendered file."""
        return "image/png" if self is PosterFormat.PNG else "application/pdf"

    @property
    def extension(self) -> str:
        """The file name extension, without the dot."""
        return "png" if self is PosterFormat.PNG else "pdf"

    @property
    def is_pdf(self) -> bool:
        """Whether this format renders to PDF (every format but PNG)."""
        return self is not PosterFormat.PNG

    @property
    def page_size(self) -> tuple[float, float]:
        """The PDF page size in points (PNG: the image size in pixels)."""
        if self is PosterFormat.PNG:
            return PNG_SIZE
        return {"a6": A6, "a5": A5, "a4": A4, "sticker": A4}[self.value]

    @property
    def slots_per_page(self) -> int:
        """How many posters one page holds (9 stickers, otherwise 1)."""
        return STICKER_COLUMNS * STICKER_ROWS if self is PosterFormat.STICKER else 1


#: The refusal of a format the app does not print, wherever one is named (a download, a print
#: recorded by the web form or the API).
UNKNOWN_FORMAT = N_("Khổ poster không hợp lệ (a6, a5, a4, sticker, png).")


def parse_format(value: object, *, default: str = "a6") -> PosterFormat:
    """The format ``value`` names, in any case (``default`` when empty), or a ValidationError."""
    try:
        return PosterFormat(str(value or default).lower())
    except ValueError:
        raise ValidationError(UNKNOWN_FORMAT, field="format") from None
