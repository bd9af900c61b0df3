"""Print check (DESIGN §5): every format is rendered, rasterised, decoded by zxing-cpp, and
must give back the payload with a clear quiet zone; the PDF text layer carries the names."""

from __future__ import annotations

import io
import unicodedata

import pytest
import pypdfium2 as pdfium
from PIL import Image

from merchant_onboard.domain.errors import ValidationError
from merchant_onboard.domain.poster import (
    PosterFormat,
    iter_pdf,
    qr_matrix,
    render,
    render_pdf,
    render_png,
    sticker_slots,
    write_pdf,
)
from tests.domain.conftest_poster import (
    DPI,
    LONG_SHOP_NAME,
    assert_scans_with_quiet_zone,
    decode,
    make_spec,
    numbered_specs,
    pdf_text,
    rasterize,
    save_artifact,
)

PDF_FORMATS = [PosterFormat.A6, PosterFormat.A5, PosterFormat.A4, PosterFormat.STICKER]


@pytest.mark.parametrize("fmt", PDF_FORMATS, ids=str)
def test_pdf_poster_scans_back_to_its_payload(fmt):
    spec = make_spec(shop_name="Bún riêu Đặng Thị Hồng", holder_name="DANG THI HONG")
    pdf = render_pdf([spec], fmt)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    (page,) = rasterize(pdf)
    save_artifact(page, fmt.value)
    (code,) = decode(page)
    # Issue 12: Q on the standees (dirt and tape), M on the small sticker (≥ 1 mm modules).
    level = "M" if fmt is PosterFormat.STICKER else "Q"
    assert code.ec_level == level
    assert_scans_with_quiet_zone(page, code, spec.payload,
                                 qr_matrix(spec.payload, error_correction=level).size)


def test_png_poster_scans_back_to_its_payload():
    spec = make_spec()
    image = Image.open(io.BytesIO(render_png(spec)))
    assert image.format == "PNG"
    assert image.width == 1080 and image.height > image.width  # portrait, Zalo's full width
    save_artifact(image, "png")
    (code,) = decode(image)
    assert code.ec_level == "Q"
    assert_scans_with_quiet_zone(image, code, spec.payload,
                                 qr_matrix(spec.payload, error_correction="Q").size)


@pytest.mark.parametrize("fmt", [PosterFormat.A6, PosterFormat.STICKER, PosterFormat.PNG], ids=str)
def test_sixty_character_shop_name_still_scans(fmt):
    spec = make_spec(shop_name=LONG_SHOP_NAME,
                     holder_name="NGUYEN THI HONG NHUNG UONG VAN PHONG PHAM",
                     account_number="1234567890123456789")
    data = render(spec, fmt)
    page = Image.open(io.BytesIO(data)) if fmt is PosterFormat.PNG else rasterize(data)[0]
    save_artifact(page, f"{fmt.value}-long-name")
    (code,) = decode(page)
    level = "M" if fmt is PosterFormat.STICKER else "Q"
    assert code.ec_level == level
    assert_scans_with_quiet_zone(page, code, spec.payload,
                                 qr_matrix(spec.payload, error_correction=level).size)


def test_a_forced_error_correction_level_wins_over_the_formats():
    spec = make_spec(error_correction="Q")
    (page,) = rasterize(render_pdf([spec], PosterFormat.STICKER))
    (code,) = decode(page)
    assert code.ec_level == "Q"
    modules = qr_matrix(spec.payload, error_correction="Q").size
    assert_scans_with_quiet_zone(page, code, spec.payload, modules)


def test_pdf_text_layer_has_the_shop_and_holder_names_in_nfc():
    decomposed = unicodedata.normalize("NFD", "Bún riêu Đặng Thị Hồng")
    spec = make_spec(shop_name=decomposed, holder_name="Dang Thi Hong")
    (text,) = pdf_text(render_pdf([spec], PosterFormat.A6))
    assert "Bún riêu Đặng Thị Hồng" in text  # composed, as the spec stores it
    assert decomposed not in text
    assert "DANG THI HONG" in text  # uppercase, as the payer's bank app shows it
    assert "0011 0123 4567 8" in text
    assert "Mã xác minh: K7P2-QX9M · https://onboard.example.vn/v/K7P2QX9M" in text
    assert "Quét mã bằng ứng dụng ngân hàng để thanh toán" in text
    assert "Kiểm tra tên người nhận trước khi chuyển" in text
    assert text == unicodedata.normalize("NFC", text)


def test_long_shop_name_is_wrapped_not_cut():
    spec = make_spec(shop_name=LONG_SHOP_NAME)
    for fmt in (PosterFormat.A6, PosterFormat.STICKER):
        (text,) = pdf_text(render_pdf([spec], fmt))
        assert " ".join(text.split()).count(LONG_SHOP_NAME) == 1


def test_batch_prints_one_poster_per_page_in_the_given_order():
    specs = numbered_specs(4)
    pdf = render_pdf(specs, PosterFormat.A6)
    pages = rasterize(pdf)
    assert len(pages) == 4
    for page, spec, text in zip(pages, specs, pdf_text(pdf)):
        (code,) = decode(page)
        assert code.text == spec.payload
        assert spec.shop_name in text


def test_sticker_sheet_fills_slots_in_order_after_the_skipped_ones():
    specs = numbered_specs(11)
    pdf = render_pdf(specs, PosterFormat.STICKER, skip_slots=2)
    first, second = rasterize(pdf)
    save_artifact(first, "sticker-sheet-skip-2")
    scale = DPI / 72
    slots = sticker_slots()

    def slot_of(code) -> int:
        x, y = code.position.top_left.x / scale, code.position.top_left.y / scale
        return next(i for i, s in enumerate(slots) if s.x <= x < s.right and s.y <= y < s.bottom)

    first_codes, second_codes = decode(first), decode(second)
    assert [slot_of(code) for code in first_codes] == list(range(2, 9))
    assert [slot_of(code) for code in second_codes] == list(range(0, 4))
    assert [code.text for code in first_codes + second_codes] == [s.payload for s in specs]
    modules = qr_matrix(specs[0].payload).size
    for page, codes in ((first, first_codes), (second, second_codes)):
        for code, spec in zip(codes, specs):
            assert_scans_with_quiet_zone(page, code, code.text, modules)


def test_iter_pdf_streams_a_chunk_per_page_and_matches_write_pdf():
    specs = numbered_specs(3)
    chunks = list(iter_pdf(specs, PosterFormat.A5))
    assert len(chunks) == 4  # header + page 1, page 2, page 3, then fonts and trailer
    assert chunks[0].startswith(b"%PDF-")
    out = io.BytesIO()
    assert write_pdf(specs, PosterFormat.A5, out) == 3
    streamed = b"".join(chunks)
    assert len(rasterize(streamed)) == len(rasterize(out.getvalue())) == 3
    assert [decode(p)[0].text for p in rasterize(streamed)] == [s.payload for s in specs]


def test_stickers_count_pages_written():
    assert write_pdf(numbered_specs(10), PosterFormat.STICKER, io.BytesIO(), skip_slots=8) == 2


def test_an_abandoned_stream_leaves_no_state_behind():
    stream = iter_pdf(numbered_specs(3), PosterFormat.A6)
    next(stream)
    stream.close()
    # A new document starts clean: glyphs assigned by the abandoned one are not carried over.
    (text,) = pdf_text(render_pdf([make_spec()], PosterFormat.A6))
    assert "Tạp hoá Cô Ba" in text


def test_render_dispatches_on_format():
    spec = make_spec()
    assert render(spec, "png").startswith(b"\x89PNG")
    assert render([spec, spec], PosterFormat.A4).startswith(b"%PDF-")
    with pytest.raises(ValueError):
        render([spec, spec], PosterFormat.PNG)


@pytest.mark.parametrize(
    ("fmt", "skip"),
    [(PosterFormat.A6, 1), (PosterFormat.STICKER, 9), (PosterFormat.STICKER, -1)],
)
def test_impossible_skip_slots_is_refused_before_any_output(fmt, skip):
    with pytest.raises(ValidationError) as caught:
        iter_pdf([make_spec()], fmt, skip_slots=skip)
    assert caught.value.field == "skip"


def test_an_empty_batch_is_refused():
    with pytest.raises(ValidationError):
        iter_pdf([], PosterFormat.A6)


def test_media_types_and_extensions():
    assert PosterFormat.PNG.media_type == "image/png"
    assert PosterFormat.PNG.extension == "png"
    for fmt in PDF_FORMATS:
        assert fmt.media_type == "application/pdf"
        assert fmt.extension == "pdf"


def _char_sizes(pdf: bytes) -> list[tuple[str, float]]:
    """Every printed character of ``pdf`` with its font size in points, from the text layer."""
    document = pdfium.PdfDocument(pdf)
    try:
        out = []
        for page in document:
            textpage = page.get_textpage()
            for index in range(textpage.count_chars()):
                char = chr(pdfium.raw.FPDFText_GetUnicode(textpage, index))
                if not char.isspace():
                    out.append((char, pdfium.raw.FPDFText_GetFontSize(textpage, index)))
        return out
    finally:
        document.close()


@pytest.mark.parametrize("spec", [
    make_spec(),
    make_spec(shop_name=LONG_SHOP_NAME + " và các con", market_name="Chợ Bến Thành, Phường "
              "Bến Thành, Quận 1, Thành phố Hồ Chí Minh", campaign_title="Chợ 4.0 – Thanh toán "
              "không dùng tiền mặt, vì một thành phố văn minh, hiện đại, nghĩa tình"),
    make_spec(verify_url="https://xacminh.doanthanhnien-haugiang.gov.vn/v/K7P2QX9M"),
], ids=["plain", "long-names", "long-address"])
def test_sticker_text_is_at_least_6_pt_measured_from_the_pdf(spec):
    pdf = render_pdf([spec], PosterFormat.STICKER)
    sizes = _char_sizes(pdf)
    assert sizes and min(size for _, size in sizes) >= 6 - 0.01
    text = pdf_text(pdf)[0].replace("\r", "")
    # The address breaks only before "/v/": the code a customer types is never split.
    base, _, code = spec.verify_url.rpartition("/v/")
    assert f"/v/{code}" in text.replace("\n", "")
    assert spec.verify_url in text or (base in text and f"/v/{code}" in text.splitlines())
