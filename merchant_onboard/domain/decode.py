"""Read QR codes from a picture or a PDF (zxing-cpp decodes, pypdfium2 renders PDF pages)."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pypdfium2 as pdfium
import zxingcpp
from PIL import Image, ImageFilter, ImageOps

from merchant_onboard.domain.banks import BankRegistry
from merchant_onboard.domain.errors import N_, ValidationError
from merchant_onboard.domain.vietqr import ParsedQR, parse

# A QR code scanned from a PDF page needs far fewer pixels than this; it bounds the memory a
# page with huge declared dimensions can take.
MAX_RENDER_SIDE = 5000
# Phone photos of a poster decode more reliably once brought down to this size.
PHOTO_SIDE = 1200
# PDFium is not thread-safe and the web server may serve several uploads at once.
_PDFIUM_LOCK = threading.Lock()


@dataclass(frozen=True)
class Decoded:
    """One QR code found in a file: its page (PDF only, from 1), its text and how it parses."""

    page: int | None
    payload: str
    parsed: ParsedQR


def _read(image: Image.Image, binarizer: zxingcpp.Binarizer) -> list[str]:
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode,
                                   text_mode=zxingcpp.TextMode.Plain, binarizer=binarizer)
    return [barcode.text for barcode in found]


def _flatten(image: Image.Image) -> Image.Image:
    """RGB or L on white: a transparent PNG's background would otherwise turn black."""
    if image.mode in ("L", "RGB"):
        return image
    if "A" in image.getbands() or "transparency" in image.info:
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, "white")
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return image.convert("RGB")


def _photo_variants(image: Image.Image) -> Iterator[tuple[Image.Image, zxingcpp.Binarizer]]:
    """Versions of a hard phone photo to try one by one until one decodes.

    Measured on blurred, noisy, low-contrast photos: a plain read misses some that a downscale
    (it averages noise away), a median filter (sensor speckle) or the global-histogram
    binarizer (even lighting) recovers.
    """
    gray = ImageOps.autocontrast(ImageOps.grayscale(image), cutoff=1)
    small = gray.copy()
    small.thumbnail((PHOTO_SIDE, PHOTO_SIDE))
    smaller = gray.copy()
    smaller.thumbnail((PHOTO_SIDE * 2 // 3, PHOTO_SIDE * 2 // 3))
    for candidate in (gray, small, small.filter(ImageFilter.MedianFilter(3)), smaller):
        for binarizer in (zxingcpp.Binarizer.LocalAverage, zxingcpp.Binarizer.GlobalHistogram):
            yield candidate, binarizer


def _decode_pil(image: Image.Image) -> list[str]:
    image = _flatten(image)
    texts = _read(image, zxingcpp.Binarizer.LocalAverage)
    if not texts:
        for variant, binarizer in _photo_variants(image):
            texts = _read(variant, binarizer)
            if texts:
                break
    return list(dict.fromkeys(texts))


def _unreadable() -> ValidationError:
    return ValidationError(
        N_("Không đọc được tệp: hãy gửi ảnh (PNG, JPEG) hoặc tệp PDF"), field="file"
    )


def decode_image(data: bytes) -> list[str]:
    """Every distinct QR text in an image (PNG, JPEG, a phone photo…), in reading order."""
    try:
        # No EXIF transpose needed: zxing-cpp finds codes turned by 90° steps by itself.
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as exc:  # Pillow raises many types on malformed files; all mean "unreadable"
        raise _unreadable() from exc
    return _decode_pil(image)


def decode_pdf(data: bytes, dpi: int = 150) -> list[tuple[int, str]]:
    """Every QR text on every page of a PDF as (page number from 1, text)."""
    found: list[tuple[int, str]] = []
    with _PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise ValidationError(N_("Không đọc được tệp PDF (hỏng hoặc có mật khẩu)"),
                                  field="file") from exc
        try:
            for index in range(len(pdf)):
                page = pdf[index]
                width, height = page.get_size()
                scale = min(dpi / 72, MAX_RENDER_SIDE / max(width, height, 1.0))
                image = page.render(scale=scale).to_pil()
                found.extend((index + 1, text) for text in _decode_pil(image))
        finally:
            pdf.close()
    return found


def decode_bytes(data: bytes, registry: BankRegistry | None = None) -> list[Decoded]:
    """Decode a PDF or an image (sniffed from its content) and parse every QR text found.

    Raises :class:`ValidationError` on field ``file`` when the file is neither.
    """
    if not data:
        raise _unreadable()
    # PDF: "%PDF-" within the first 1024 bytes (ISO 32000 tolerates leading junk).
    if b"%PDF-" in data[:1024]:
        return [Decoded(page, text, parse(text, registry)) for page, text in decode_pdf(data)]
    return [Decoded(None, text, parse(text, registry)) for text in decode_image(data)]
