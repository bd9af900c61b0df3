"""Hostile uploads (issue 11): bombs are refused from their headers, in bounded time."""

from __future__ import annotations

import io
import struct
import threading
import time
import zlib

import pytest
import qrcode
from PIL import Image

from merchant_onboard.domain import decode
from merchant_onboard.domain.decode import decode_bytes
from merchant_onboard.domain.errors import ValidationError
from merchant_onboard.domain.vietqr import build_payload

STATIC = build_payload(bank="970403", account="0011012345678")

# Each bomb is refused or read in moments; the bound here only stops a regression from hanging
# the run. How fast, and in how much memory, is measured by bench/bench_decode.py.
pytestmark = pytest.mark.timeout(60)


def png_bomb(side: int) -> bytes:
    """A ``side`` × ``side`` all-white greyscale PNG: a few hundred kB that inflate to side²."""
    row = b"\x00" + b"\xff" * side
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data)
            + chunk(b"IEND", b""))


def pdf_of_pages(count: int, qr_on_first: bool = False) -> bytes:
    """A PDF of ``count`` small pages, the first holding a QR code when asked."""
    first = qrcode.make(STATIC, box_size=4).get_image().convert("RGB") if qr_on_first else \
        Image.new("RGB", (200, 200), "white")
    rest = [Image.new("RGB", (50, 50), "white") for _ in range(count - 1)]
    out = io.BytesIO()
    first.save(out, "PDF", save_all=True, append_images=rest, resolution=72)
    return out.getvalue()


def outcome(call):
    """What ``call`` returns, or the ValidationError it raises."""
    try:
        return call()
    except ValidationError as error:
        return error


# Pillow warns from the header alone: that is the point at which the file is refused.
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_13000_pixel_square_png_is_refused_from_its_header_in_a_moment():
    bomb = png_bomb(13000)
    assert len(bomb) < 400_000
    error = outcome(lambda: decode_bytes(bomb))
    assert isinstance(error, ValidationError) and error.field == "file"
    assert "quá lớn" in error.message and error.params["max"] == 40


def test_a_png_just_under_the_pixel_limit_is_still_read():
    code = qrcode.make(STATIC, box_size=40).get_image().convert("L")
    canvas = Image.new("L", (6000, 6000), 255)
    canvas.paste(code, (100, 100))
    out = io.BytesIO()
    canvas.save(out, "PNG")
    assert [d.payload for d in decode_bytes(out.getvalue())] == [STATIC]


def test_a_big_jpeg_is_decoded_reduced():
    code = qrcode.make(STATIC, box_size=60).get_image().convert("RGB")
    canvas = Image.new("RGB", (7000, 5000), "white")
    canvas.paste(code, (500, 500))
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=90)
    found = outcome(lambda: decode_bytes(out.getvalue()))
    assert [d.payload for d in found] == [STATIC]


def test_a_60_page_pdf_is_refused_before_any_page_is_rendered():
    error = outcome(lambda: decode_bytes(pdf_of_pages(60)))
    assert isinstance(error, ValidationError) and error.field == "file"
    assert error.params == {"pages": 60, "max": 2}


def test_a_two_page_pdf_is_read():
    assert [(d.page, d.payload) for d in decode_bytes(pdf_of_pages(2, qr_on_first=True))] == [
        (1, STATIC)]


def pdf_with_page_tree(kids: bytes, count: int) -> bytes:
    """A PDF whose page tree (object 2) lists ``kids`` and declares ``count`` pages; object 3
    is its one real page."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids " + kids + b" /Count %d >>" % count,
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
               b"<< /Length 0 >>\nstream\n\nendstream"]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return out


@pytest.mark.parametrize("max_pages", [2, None], ids=["upload", "cli"])
@pytest.mark.parametrize(("kids", "count"), [
    (b"[3 0 R]", 2), (b"[3 0 R 9 0 R]", 2), (b"[2 0 R]", 1)],
    ids=["count-says-two", "kid-missing", "kids-loop"])
def test_a_pdf_whose_page_tree_names_a_page_that_cannot_be_loaded_is_unreadable(
        kids, count, max_pages):
    error = outcome(lambda: decode_bytes(pdf_with_page_tree(kids, count), max_pages=max_pages))
    assert isinstance(error, ValidationError) and error.field == "file"
    assert error.message == "Không đọc được tệp PDF (hỏng hoặc có mật khẩu)."


def test_a_page_with_huge_declared_dimensions_renders_within_the_pixel_budget():
    # 14400 pt is the largest page size PDF allows: 200 inches, 30000 px at 150 dpi.
    huge = Image.new("RGB", (14400, 200), "white")
    out = io.BytesIO()
    huge.save(out, "PDF", resolution=72)
    outcome(lambda: decode_bytes(out.getvalue()))


def test_pdfium_is_not_locked_across_pages(monkeypatch):
    """Another request renders between two pages of a slow PDF: the lock covers one call."""
    entered = []
    real_read = decode._read

    def slow_read(image, binarizer):
        entered.append(decode._PDFIUM_LOCK.locked())
        time.sleep(0.3)
        return real_read(image, binarizer)

    monkeypatch.setattr(decode, "_read", slow_read)
    finished: list[str] = []
    worker = threading.Thread(target=lambda: (
        decode_bytes(pdf_of_pages(1, qr_on_first=True)), finished.append("other")))
    slow = threading.Thread(target=lambda: (
        decode_bytes(pdf_of_pages(2, qr_on_first=True)), finished.append("slow")))
    slow.start()
    time.sleep(0.1)
    worker.start()
    worker.join()
    slow.join()
    assert entered and not any(entered), "a page was scanned while holding the PDFium lock"
    # The other request, started while the slow one was between pages, did not wait for it.
    assert finished == ["other", "slow"]


def test_harder_passes_stop_at_the_time_budget(monkeypatch):
    """Once the budget is spent no harder pass starts: with none left, only the plain read."""
    noise = Image.effect_noise((1200, 1200), 80)  # no code: every pass would run
    out = io.BytesIO()
    noise.save(out, "PNG")
    reads = []
    real_read = decode._read
    monkeypatch.setattr(decode, "_read", lambda *a: reads.append(1) or real_read(*a))
    monkeypatch.setattr(decode, "DECODE_SECONDS", 0.0)
    assert decode_bytes(out.getvalue()) == [] and len(reads) == 1
    reads.clear()
    monkeypatch.setattr(decode, "DECODE_SECONDS", 60.0)
    assert decode_bytes(out.getvalue()) == [] and len(reads) == 9  # plain + 8 harder passes


@pytest.mark.parametrize("side", [9000, 20000])
def test_other_formats_over_the_limit_are_refused_too(side):
    # A BMP whose header declares side × side, with a few bytes of pixels: nothing is decoded.
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, "BMP")
    data = bytearray(out.getvalue())
    data[18:26] = struct.pack("<ii", side, side)
    error = outcome(lambda: decode_bytes(bytes(data)))
    assert isinstance(error, ValidationError) and "quá lớn" in error.message
