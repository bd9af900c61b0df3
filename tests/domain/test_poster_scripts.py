"""Issue 12: Chinese and Khmer names print on every format (fallback faces, Khmer shaped),
found in the PDF text layer, drawn in the PNG, and the QR code still scans."""

from __future__ import annotations

import io

import pytest
import pypdfium2 as pdfium
from PIL import Image, ImageChops, ImageDraw, ImageFont
from reportlab.pdfgen.canvas import Canvas

from merchant_onboard.domain.errors import ValidationError
from merchant_onboard.domain.poster import PosterFormat, layout_for, qr_matrix, render, render_pdf
from merchant_onboard.domain.poster.fonts import (
    Face,
    PngMetrics,
    Weight,
    font_data,
    missing_glyphs,
    runs,
)
from merchant_onboard.domain.poster.geometry import TextLine
from merchant_onboard.domain.poster.pdf import draw_layout
from merchant_onboard.domain.poster.second_line import SECOND_LINE_MAX, clean_second_line
from tests.domain.conftest_poster import (
    assert_scans_with_quiet_zone,
    decode,
    make_spec,
    pdf_text,
    rasterize,
    save_artifact,
)

CHINESE = "陳記雜貨 鴻發"
#: "Srey Peou's grocery": subscript consonants after a coeng (ស្រី), a vowel written
#: before its consonant (ពៅ, ទេ), a sign above (ំ): what breaks without shaping.
KHMER = "ហាងលក់ទំនិញ ស្រីពៅ"
NAMES = {"chinese": f"Tiệm thuốc bắc {CHINESE}", "khmer": KHMER}
PDF_FORMATS = [PosterFormat.A6, PosterFormat.A5, PosterFormat.A4, PosterFormat.STICKER]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_chinese_and_khmer_fall_back_to_their_faces_and_emoji_have_none():
    assert [(r.face, r.text) for r in runs(f"Bà Ba {CHINESE} {KHMER}")] == [
        (Face.MAIN, "Bà Ba "), (Face.CJK, "陳記雜貨"), (Face.MAIN, " "), (Face.CJK, "鴻發"),
        (Face.MAIN, " "), (Face.KHMER, "ហាងលក់ទំនិញ"), (Face.MAIN, " "),
        (Face.KHMER, "ស្រីពៅ"),
    ]
    assert missing_glyphs(f"{CHINESE} {KHMER} Đặng Thị Ốc") == []
    assert missing_glyphs("Bún 😀 ☃ 𠀀") == ["😀", "☃", "𠀀"]


@pytest.mark.parametrize("name", ["潮州粿條 Hủ tiếu Cô Mai", "陳記米舖", "客家粄", "麻糬",
                                  "老友記燒臘 靚嘢", "焗豬扒飯", "炆牛腩"])
def test_the_hanzi_of_hoa_shop_signs_print(name):
    """粿 (the Teochew kway of hủ tiếu stalls) and 舖 ("shop") are in neither GB 2312 nor Big5
    level 1: such names were refused at registration."""
    assert missing_glyphs(name) == []
    (text,) = pdf_text(render_pdf([make_spec(shop_name=name)], PosterFormat.A6))
    assert name in _flat(text)


@pytest.mark.parametrize("fmt", PDF_FORMATS, ids=str)
@pytest.mark.parametrize("script", NAMES)
def test_the_name_is_in_the_pdf_text_layer_and_the_code_scans(fmt, script):
    spec = make_spec(shop_name=NAMES[script])
    pdf = render_pdf([spec], fmt)
    (text,) = pdf_text(pdf)
    assert NAMES[script] in _flat(text)
    (page,) = rasterize(pdf)
    save_artifact(page, f"{fmt.value}-{script}")
    (code,) = decode(page)
    level = "M" if fmt is PosterFormat.STICKER else "Q"
    assert code.ec_level == level
    assert_scans_with_quiet_zone(page, code, spec.payload,
                                 qr_matrix(spec.payload, error_correction=level).size)


def test_a_batch_prints_each_stalls_name_on_its_own_page():
    specs = [make_spec(shop_name=name, account_number=f"10{i:011d}", stall_code=f"B-{i}")
             for i, name in enumerate([NAMES["chinese"], KHMER, "Bún riêu Đặng Thị Hồng"])]
    pages = pdf_text(render_pdf(specs, PosterFormat.A5))
    assert [spec.shop_name in _flat(page) for spec, page in zip(specs, pages)] == [True] * 3
    sheet = _flat(pdf_text(render_pdf(specs, PosterFormat.STICKER))[0])
    assert all(spec.shop_name in sheet for spec in specs)


def _ink(image: Image.Image, box: tuple[float, float, float, float]) -> int:
    """Dark pixels of ``image`` inside ``box``."""
    grey = image.convert("L").crop(tuple(round(v) for v in box))
    return sum(grey.histogram()[:128])


@pytest.mark.parametrize("script", NAMES)
def test_the_png_draws_every_run_of_the_name_and_still_scans(script):
    spec = make_spec(shop_name=NAMES[script])
    image = Image.open(io.BytesIO(render(spec, PosterFormat.PNG)))
    save_artifact(image, f"png-{script}")
    layout = layout_for(spec, PosterFormat.PNG)
    (line,) = [t for t in layout.texts if t.text == spec.shop_name]
    # Each run's stretch of the line has ink: a face without the glyphs would leave it blank.
    metrics, x = PngMetrics(), line.x
    ink = line.ink_box
    for run in runs(line.text):
        width = metrics.width(run.text, line.weight, line.size)
        if not run.text.isspace():
            assert _ink(image, (x, ink.y, x + width, ink.bottom)) > 0.05 * width * line.size, \
                run.text
        x += width
    (code,) = decode(image)
    assert code.ec_level == "Q"
    assert_scans_with_quiet_zone(image, code, spec.payload,
                                 qr_matrix(spec.payload, error_correction="Q").size)


def _pdf_line(text: str, size: float = 40, weight: Weight = Weight.BOLD) -> Image.Image:
    """``text`` drawn by the PDF renderer alone, rasterised at 1 px per point."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(600, 100))
    line = TextLine(text, weight, size, 10, 70, 0, (0, 0, 0))
    # A layout needs a QR code: the A6's, which lies below this 100 pt page, out of sight.
    layout = layout_for(make_spec(), PosterFormat.A6)
    assert layout.qr.box.y > 100
    draw_layout(canvas, type(layout)(600, 100, (), layout.qr, (line,)), 100)
    canvas.save()
    page = pdfium.PdfDocument(out.getvalue())[0]
    return page.render(scale=1).to_pil().convert("L")


def _pillow_line(text: str, *, shaped: bool, size: float = 40) -> Image.Image:
    """``text`` in the Khmer face drawn by Pillow, with HarfBuzz (Raqm) or without."""
    layout = ImageFont.Layout.RAQM if shaped else ImageFont.Layout.BASIC
    font = ImageFont.truetype(io.BytesIO(font_data(Face.KHMER, Weight.BOLD)), size,
                              layout_engine=layout)
    image = Image.new("L", (600, 100), 255)
    ImageDraw.Draw(image).text((10, 70), text, font=font, fill=0, anchor="ls")
    return image


def _difference(a: Image.Image, b: Image.Image) -> float:
    """Share of the inked pixels of either image that the other does not ink."""
    dark_a, dark_b = (im.point(lambda v: 255 if v < 128 else 0) for im in (a, b))
    union = sum(ImageChops.lighter(dark_a, dark_b).histogram()[255:])
    apart = sum(ImageChops.difference(dark_a, dark_b).histogram()[255:])
    return apart / union


def test_khmer_in_the_pdf_is_shaped_as_harfbuzz_shapes_it():
    # Two independent shapers agree: reportlab's HarfBuzz positions in the PDF, and Pillow's
    # Raqm layout. Unshaped, the subscript and the reordered vowel land elsewhere.
    word = "ស្រីពៅ"
    pdf = _pdf_line(word)
    save_artifact(Image.merge("RGB", (pdf, pdf, pdf)), "khmer-shaped-word")
    assert _difference(pdf, _pillow_line(word, shaped=True)) < 0.15
    assert _difference(pdf, _pillow_line(word, shaped=False)) > 0.3


def test_khmer_prints_each_weight_in_its_own_face():
    """Both Khmer weights are instanced from one variable font, and both instances were named
    "NotoSansKhmer-Regular" inside; reportlab keeps one face per such name, so a process drew
    every Khmer weight in whichever it drew first: a poster's bold Khmer shop name came out
    regular after a market's Khmer second line (regular) had printed."""
    inked = {weight: sum(_pdf_line("ស្រីពៅ", weight=weight).point(
        lambda v: 1 if v < 128 else 0).histogram()[1:])
        for weight in (Weight.REGULAR, Weight.BOLD)}
    assert inked[Weight.BOLD] > 1.2 * inked[Weight.REGULAR], inked


#: "Scan to pay" in Khmer: a coeng (ដ្ឋ-like stacks), pre-base vowels (េ), signs above.
SECOND_LINE = "ស្កេនដើម្បីបង់ប្រាក់"


def test_the_second_line_is_cleaned_limited_and_refused_when_unprintable():
    assert clean_second_line(f"  {SECOND_LINE}\u00a0 ") == SECOND_LINE
    assert clean_second_line("Scan  to\tpay") == "Scan to pay"
    assert clean_second_line(None) == ""
    assert clean_second_line("i" * SECOND_LINE_MAX) == "i" * SECOND_LINE_MAX  # narrow
    with pytest.raises(ValidationError) as too_long:
        clean_second_line("i" * (SECOND_LINE_MAX + 1))
    assert too_long.value.field == "poster_second_line"
    # What fits one sticker line at 6 pt, as wide as the Vietnamese it stands under, is taken;
    # wider is refused rather than cut short.
    assert clean_second_line("Quét mã bằng ứng dụng ngân hàng để thanh toán")
    wide = "Scan with any banking app to pay, then check the name"
    with pytest.raises(ValidationError) as too_wide:
        clean_second_line(wide + " before you pay")
    assert "quá dài" in too_wide.value.message
    assert clean_second_line(wide) == wide
    with pytest.raises(ValidationError) as emoji:
        clean_second_line("Scan to pay 📱")
    assert "không in được" in emoji.value.message and emoji.value.params["chars"] == "📱"
    with pytest.raises(ValidationError):
        clean_second_line("Scan\nto pay")


@pytest.mark.parametrize("fmt", list(PosterFormat), ids=str)
def test_the_second_line_prints_under_the_vietnamese_instructions(fmt):
    spec = make_spec(shop_name=KHMER, second_line=SECOND_LINE)
    layout = layout_for(spec, fmt)
    texts = [line.text for line in layout.texts]
    assert SECOND_LINE in texts
    assert texts.index(spec.labels.scan_hint) < texts.index(SECOND_LINE)
    assert texts.index(spec.labels.check_name_hint) < texts.index(SECOND_LINE)
    assert layout.qr.box.bottom < layout.texts[texts.index(SECOND_LINE)].ink_box.y
    data = render(spec, fmt)
    if fmt is PosterFormat.PNG:
        page = Image.open(io.BytesIO(data))
        (line,) = [t for t in layout.texts if t.text == SECOND_LINE]
        ink = line.ink_box
        assert _ink(page, (ink.x, ink.y, ink.right, ink.bottom)) > 0.05 * ink.w * line.size
    else:
        (text,) = pdf_text(data)
        assert SECOND_LINE in _flat(text) and KHMER in _flat(text)
        (page,) = rasterize(data)
    save_artifact(page, f"{fmt.value}-second-line")
    (code,) = decode(page)
    assert code.text == spec.payload


def test_no_second_line_prints_nothing_more():
    assert (layout_for(make_spec(), PosterFormat.A6).texts
            == layout_for(make_spec(second_line=""), PosterFormat.A6).texts)


@pytest.mark.parametrize("fmt", list(PosterFormat), ids=str)
@pytest.mark.parametrize("line", ["Scan with any banking app to pay, then check the name",
                                  "ស្កេនកូដដោយកម្មវិធីធនាគារ ដើម្បីបង់ប្រាក់ ហើយពិនិត្យឈ្មោះ"])
def test_the_widest_second_line_fits_beside_the_longest_everything(fmt, line):
    assert clean_second_line(line) == line
    spec = make_spec(
        shop_name="ហាងលក់គ្រឿងទេសនិងបន្លែស្រស់ស្អាតរបស់អ្នកស្រីស្រីពៅនៅផ្សារធំសុខ",
        second_line=line, account_number="ABCDEFGH12345678901",
        holder_name="NGUYEN THI HONG NHUNG UONG VAN PHONG PHAM TONG HOP")
    layout = layout_for(spec, fmt)
    assert line in [text.text for text in layout.texts]  # whole, on one line, never cut
    for text in layout.texts:
        assert not text.ink_box.intersects(layout.qr.box), text.text
