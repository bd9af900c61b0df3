"""Read QR codes from a picture or a PDF (zxing-cpp decodes, pypdfium2 renders PDF pages).

Uploads come from anyone (the public photo check), so every decode is bounded before the
expensive part starts: pixels from the image header, pages from the PDF's page tree, and the
time spent on harder passes by a per-file budget (issue 11: a 60-page PDF held a process-wide
lock for 75 s; a 13000 × 13000 PNG took 1 GB).
"""

from __future__ import annotations

import io
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import pypdfium2 as pdfium
import zxingcpp
from PIL import Image, ImageFilter, ImageOps

from merchant_onboard.domain.banks import BankRegistry
from merchant_onboard.domain.errors import N_, ValidationError
from merchant_onboard.domain.vietqr import ParsedQR, parse

#: Largest picture decoded, read from the header before any pixel is: a 12 MP phone photo
#: fits three times over; a 13000 × 13000 PNG (169 MP, 190 kB on disk) does not.
MAX_PIXELS = 40_000_000
#: Longest side scanned. A bigger photo is reduced first (JPEG while decoding, via
#: ``Image.draft``): a poster's QR still spans hundreds of pixels at this size.
SCAN_SIDE = 3200
#: Phone photos of a poster decode more reliably once brought down to this size.
PHOTO_SIDE = 1200
#: Pages read from an uploaded PDF: a poster or a screenshot of a banking app is one page.
MAX_PDF_PAGES = 2
#: Pixels a PDF page is rendered to at most (A4 at 150 dpi is 2.2 MP).
PDF_PAGE_PIXELS = 4_000_000
#: Seconds the harder passes may take for one file; the plain first pass always runs.
DECODE_SECONDS = 5.0
#: The found codes' share of the picture above which no other code can fit beside them.
FULL_SHARE = 0.5
# Pillow warns from 89 MP and refuses from 179 MP; MAX_PIXELS refuses earlier, with a message
# for the user, so the warning only adds noise (on the CLI's stderr, in the server's log). A
# filter, not ``catch_warnings``: that one swaps process-wide state and is not thread-safe.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
# PDFium is not thread-safe and the web server may serve several uploads at once: the lock is
# held for one call into PDFium at a time (open, render one page, close), never across pages.
_PDFIUM_LOCK = threading.Lock()


@dataclass(frozen=True)
class Decoded:
    """One QR code found in a file: its page (PDF only, from 1), its text and how it parses."""

    page: int | None
    payload: str
    parsed: ParsedQR
    #: The error-correction level zxing-cpp read from the symbol ("L", "M", "Q", "H").
    ec_level: str = ""


@dataclass(frozen=True)
class _Found:
    text: str
    ec_level: str


class _Budget:
    """The time left for harder passes on one file."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def left(self) -> bool:
        return time.monotonic() < self.deadline


def _read(image: Image.Image, binarizer: zxingcpp.Binarizer) -> tuple[list[_Found], float]:
    """The codes zxing-cpp finds and the share of the picture their bounding boxes cover."""
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode,
                                   text_mode=zxingcpp.TextMode.Plain, binarizer=binarizer)
    covered = 0.0
    for barcode in found:
        corners = (barcode.position.top_left, barcode.position.top_right,
                   barcode.position.bottom_right, barcode.position.bottom_left)
        xs, ys = [p.x for p in corners], [p.y for p in corners]
        covered += (max(xs) - min(xs)) * (max(ys) - min(ys))
    share = covered / max(image.width * image.height, 1)
    return [_Found(b.text, b.ec_level) for b in found], share


def _flatten(image: Image.Image) -> Image.Image:
    """Grey on white: a transparent PNG's background would otherwise turn black."""
    if "A" in image.getbands() or "transparency" in image.info:
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, "white")
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        image = canvas
    # zxing-cpp reads luminance only: grey now holds a third of the memory of RGB.
    return image if image.mode == "L" else image.convert("L")


def _photo_variants(gray: Image.Image) -> Iterator[tuple[Image.Image, zxingcpp.Binarizer]]:
    """Harder versions of a phone photo, tried one by one.

    Measured on blurred, noisy, low-contrast photos: a plain read misses some that a downscale
    (it averages noise away), a median filter (sensor speckle) or the global-histogram
    binarizer (even lighting) recovers. A dim, grainy second code beside a sharp poster is
    one of them: the plain read finds the poster only.
    """
    gray = ImageOps.autocontrast(gray, cutoff=1)
    small = gray.copy()
    small.thumbnail((PHOTO_SIDE, PHOTO_SIDE))
    smaller = gray.copy()
    smaller.thumbnail((PHOTO_SIDE * 2 // 3, PHOTO_SIDE * 2 // 3))
    for candidate in (gray, small, small.filter(ImageFilter.MedianFilter(3)), smaller):
        for binarizer in (zxingcpp.Binarizer.LocalAverage, zxingcpp.Binarizer.GlobalHistogram):
            yield candidate, binarizer


def _decode_photo(image: Image.Image, budget: _Budget) -> list[_Found]:
    """Every code in a photo: the harder passes run whenever another code could still fit.

    A fraud check must see the scammer's sticker beside the stall's poster, so finding one
    code is no reason to stop; only codes filling the picture are.
    """
    gray = _flatten(image)
    found, share = _read(gray, zxingcpp.Binarizer.LocalAverage)
    if share < FULL_SHARE:
        for variant, binarizer in _photo_variants(gray):
            if not budget.left():
                break
            found.extend(_read(variant, binarizer)[0])
    return _distinct(found)


def _distinct(found: list[_Found]) -> list[_Found]:
    """Each text once, where it was first found."""
    first: dict[str, _Found] = {}
    for code in found:
        first.setdefault(code.text, code)
    return list(first.values())


def _unreadable() -> ValidationError:
    return ValidationError(
        N_("Không đọc được tệp: hãy gửi ảnh (PNG, JPEG) hoặc tệp PDF."), field="file"
    )


def _unreadable_pdf() -> ValidationError:
    return ValidationError(N_("Không đọc được tệp PDF (hỏng hoặc có mật khẩu)."), field="file")


def _too_large() -> ValidationError:
    return ValidationError(
        N_("Ảnh quá lớn: tối đa %(max)s triệu điểm ảnh. Hãy chụp lại hoặc thu nhỏ ảnh."),
        field="file", max=MAX_PIXELS // 1_000_000)


def _open_bounded(data: bytes) -> Image.Image:
    """The picture in ``data``, refused from its header when too large, reduced to SCAN_SIDE."""
    try:
        image = Image.open(io.BytesIO(data))  # reads the header only
    except Image.DecompressionBombError as exc:
        raise _too_large() from exc
    except Exception as exc:  # Pillow raises many types on malformed files; all mean "unreadable"
        raise _unreadable() from exc
    if image.width * image.height > MAX_PIXELS:
        raise _too_large()
    # JPEG decodes straight to a reduced size (DCT scaling): an 8× smaller photo costs 64×
    # less memory. Other formats are decoded whole (within MAX_PIXELS), then reduced.
    image.draft("L", (SCAN_SIDE, SCAN_SIDE))
    try:
        image.load()
    except Exception as exc:
        raise _unreadable() from exc
    factor = max(image.size) // SCAN_SIDE + (max(image.size) % SCAN_SIDE > 0)
    if factor > 1:
        image = _flatten(image).reduce(factor)
    return image


def decode_image(data: bytes, *, seconds: float = DECODE_SECONDS) -> list[str]:
    """Every distinct QR text in an image (PNG, JPEG, a phone photo…), in reading order."""
    return [f.text for f in _decode_image(data, _Budget(seconds))]


def _decode_image(data: bytes, budget: _Budget) -> list[_Found]:
    # No EXIF transpose needed: zxing-cpp finds codes turned by 90° steps by itself.
    return _decode_photo(_open_bounded(data), budget)


def decode_pdf(data: bytes, dpi: int = 150,
               max_pages: int | None = MAX_PDF_PAGES) -> list[tuple[int, str]]:
    """Every QR text on the pages of a PDF as (page number from 1, text).

    A PDF with more than ``max_pages`` pages is refused (None: read them all, for the
    project's own batch files checked by the CLI).
    """
    return [(page, f.text) for page, f in _decode_pdf(data, dpi, max_pages)]


def _decode_pdf(data: bytes, dpi: int, max_pages: int | None) -> list[tuple[int, _Found]]:
    with _PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
            pages = len(pdf)
        except pdfium.PdfiumError as exc:
            raise _unreadable_pdf() from exc
    found: list[tuple[int, _Found]] = []
    try:
        if max_pages is not None and pages > max_pages:
            raise ValidationError(N_("Tệp PDF có %(pages)s trang; chỉ đọc được tệp tối đa "
                                     "%(max)s trang. Hãy gửi riêng trang có mã QR."),
                                  field="file", pages=pages, max=max_pages)
        for index in range(pages):
            with _PDFIUM_LOCK:
                # The page count comes from the page tree's /Count, which a broken or hostile
                # file may contradict (a page it names is missing, or a /Kids loop): such a
                # page fails only when it is loaded.
                try:
                    image = _render_page(pdf, index, dpi)
                except pdfium.PdfiumError as exc:
                    raise _unreadable_pdf() from exc
            # A rendered page is clean: the plain read is all it needs, outside the lock.
            codes, _ = _read(image, zxingcpp.Binarizer.LocalAverage)
            found.extend((index + 1, code) for code in _distinct(codes))
    finally:
        with _PDFIUM_LOCK:
            pdf.close()
    return found


def _render_page(pdf: pdfium.PdfDocument, index: int, dpi: int) -> Image.Image:
    """Page ``index`` in grey, at ``dpi`` or within PDF_PAGE_PIXELS (the caller holds the lock)."""
    page = pdf[index]
    try:
        width, height = page.get_size()
        scale = min(dpi / 72, (PDF_PAGE_PIXELS / max(width * height, 1.0)) ** 0.5)
        return page.render(scale=scale, grayscale=True).to_pil()
    finally:
        page.close()


def decode_bytes(data: bytes, registry: BankRegistry | None = None, *,
                 max_pages: int | None = MAX_PDF_PAGES) -> list[Decoded]:
    """Decode a PDF or an image (sniffed from its content) and parse every QR text found.

    Raises :class:`ValidationError` on field ``file`` when the file is neither, or too big.
    """
    if not data:
        raise _unreadable()
    # PDF: "%PDF-" within the first 1024 bytes (ISO 32000 tolerates leading junk).
    if b"%PDF-" in data[:1024]:
        return [Decoded(page, f.text, parse(f.text, registry), f.ec_level)
                for page, f in _decode_pdf(data, 150, max_pages)]
    return [Decoded(None, f.text, parse(f.text, registry), f.ec_level)
            for f in _decode_image(data, _Budget(DECODE_SECONDS))]
