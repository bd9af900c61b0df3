"""Decoding QR codes from images and PDFs with a real scanner library (zxing-cpp)."""

import io
import random

import pytest
import qrcode
from PIL import Image, ImageEnhance, ImageFilter

from merchant_onboard.domain.decode import Decoded, decode_bytes, decode_image, decode_pdf
from merchant_onboard.domain.errors import ValidationError
from merchant_onboard.domain.vietqr import build_payload

STATIC = build_payload(bank="970403", account="0011012345678")
DYNAMIC = build_payload(bank="MBBank", account="0868123456789", amount=25000, purpose="Tiền rau")
BACKGROUND = (200, 190, 170)


def qr_image(payload: str, box_size: int = 6) -> Image.Image:
    return qrcode.make(payload, box_size=box_size, border=4).get_image().convert("RGB")


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def photo(payload: str, *, scale: float, angle: float, blur: float, contrast: float = 1.0,
          noise: float = 0.0, size: int = 1600, seed: int = 0) -> Image.Image:
    """A QR on a counter as a phone sees it: scaled, turned, out of focus, dim, grainy."""
    scene = Image.new("RGB", (size, size * 3 // 4), BACKGROUND)
    code = qr_image(payload)
    code = code.resize((int(code.width * scale), int(code.height * scale)), Image.BILINEAR)
    scene.paste(code, (size // 4, size // 8))
    scene = scene.rotate(angle, resample=Image.BICUBIC, fillcolor=BACKGROUND)
    scene = ImageEnhance.Contrast(scene).enhance(contrast).filter(ImageFilter.GaussianBlur(blur))
    if noise:
        grain = random.Random(seed).randbytes(scene.width * scene.height)
        scene = Image.blend(scene, Image.frombytes("L", scene.size, grain).convert("RGB"), noise)
    return scene


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "BMP", "GIF"])
def test_a_rendered_qr_decodes_back_to_its_payload(fmt):
    assert decode_image(encode(qr_image(STATIC), fmt)) == [STATIC]


def test_decode_bytes_parses_what_it_finds():
    [found] = decode_bytes(encode(qr_image(DYNAMIC), "PNG"))
    assert isinstance(found, Decoded)
    assert (found.page, found.payload) == (None, DYNAMIC)
    assert found.parsed.valid
    assert (found.parsed.bank.short_name, found.parsed.amount, found.parsed.purpose) == (
        "MBBank", 25000, "TIEN RAU")


def test_a_transparent_png_decodes():
    code = qr_image(STATIC).convert("L")
    transparent = Image.new("RGBA", code.size, (0, 0, 0, 0))
    transparent.paste((0, 0, 0, 255), mask=code.point(lambda v: 255 if v < 128 else 0))
    assert decode_image(encode(transparent, "PNG")) == [STATIC]


def test_a_photo_of_a_poster_decodes():
    shot = photo(STATIC, scale=2.3, angle=4, blur=1.5, contrast=0.6)
    assert decode_image(encode(shot, "JPEG", quality=70)) == [STATIC]


def test_a_blurred_dim_grainy_photo_still_decodes():
    # Measured: a single plain zxing-cpp read of this photo finds nothing.
    shot = photo(DYNAMIC, scale=3, angle=5, blur=8, contrast=0.3, noise=0.15, size=3000, seed=1)
    assert decode_image(encode(shot, "JPEG", quality=85)) == [DYNAMIC]


@pytest.mark.parametrize("angle", [90, 180, 270])
def test_a_photo_taken_sideways_or_upside_down_decodes(angle):
    shot = qr_image(STATIC).rotate(angle, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6  # phones record "rotate to view" in EXIF and leave the pixels turned
    assert decode_image(encode(shot, "JPEG", exif=exif)) == [STATIC]


def test_several_codes_in_one_image_are_all_found_once():
    sheet = Image.new("RGB", (1400, 500), "white")
    sheet.paste(qr_image(STATIC), (20, 20))
    sheet.paste(qr_image(DYNAMIC), (480, 20))
    sheet.paste(qr_image(STATIC), (960, 20))
    assert sorted(decode_image(encode(sheet, "PNG"))) == sorted([STATIC, DYNAMIC])


def test_an_image_without_a_qr_gives_nothing():
    assert decode_image(encode(Image.new("RGB", (300, 300), "white"), "PNG")) == []


def test_every_page_of_a_pdf_is_read_with_its_page_number():
    pages = [qr_image(STATIC), Image.new("RGB", (400, 400), "white"), qr_image(DYNAMIC)]
    pdf = encode(pages[0], "PDF", save_all=True, append_images=pages[1:], resolution=72)
    assert decode_pdf(pdf, max_pages=None) == [(1, STATIC), (3, DYNAMIC)]
    assert [(d.page, d.payload, d.parsed.valid) for d in decode_bytes(pdf, max_pages=None)] == [
        (1, STATIC, True), (3, DYNAMIC, True)]


@pytest.mark.parametrize(
    "data",
    [b"", b"hello", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, encode(qr_image(STATIC), "PNG")[:300],
     b"%PDF-1.7\n garbage", b"GIF89a\x01\x00"],
    ids=["empty", "text", "png-header-only", "truncated-png", "broken-pdf", "broken-gif"],
)
def test_unreadable_files_raise_a_validation_error_on_file(data):
    with pytest.raises(ValidationError) as info:
        decode_bytes(data)
    assert info.value.field == "file"
