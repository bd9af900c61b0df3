"""The Khmer fonts the posters ship are the package's variable font at the posters' weights,
and the service never instances a variable font itself (it cost the first Khmer request of
every process seconds: a manager's settings form timed out behind it in CI)."""

from __future__ import annotations

import importlib.util
import io
import subprocess
import sys
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from merchant_onboard.domain.poster.fonts import Face, Weight, vendored_path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "vendor_khmer_font.py"


def _script():
    spec = importlib.util.spec_from_file_location("vendor_khmer_font", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _outlines(font: TTFont) -> dict[str, tuple]:
    """Each glyph's points and advance, as stored (a font saved rounds them to integers)."""
    buffer = io.BytesIO()
    font.save(buffer)
    font = TTFont(buffer)
    glyf = font["glyf"]
    return {name: (tuple(glyf[name].getCoordinates(glyf)[0]), font["hmtx"][name])
            for name in font.getGlyphOrder()}


def _differing(one: dict, other: dict) -> list[str]:
    # Named, not compared whole: pytest's diff of 700 glyphs' points takes minutes.
    return sorted(name for name in one.keys() | other.keys() if one.get(name) != other.get(name))


@pytest.mark.parametrize("weight", list(Weight))
def test_each_shipped_khmer_weight_is_the_packages_font_at_that_weight(weight):
    shipped = TTFont(str(vendored_path(Face.KHMER, weight)))
    made = _script().instance(weight.css_weight)
    assert "fvar" not in shipped and "gvar" not in shipped  # static: reportlab can read it
    assert shipped["OS/2"].usWeightClass == weight.css_weight
    assert shipped["name"].getDebugName(6) == f"NotoSansKhmer-{weight.value}"
    assert shipped.getBestCmap() == made.getBestCmap()
    assert shipped.getGlyphOrder() == made.getGlyphOrder()
    assert _differing(_outlines(shipped), _outlines(made)) == []


def test_the_weights_differ_and_the_licence_ships_beside_them():
    outlines = [_outlines(TTFont(str(vendored_path(Face.KHMER, w)))) for w in Weight]
    for one, other in ((0, 1), (1, 2), (0, 2)):
        assert len(_differing(outlines[one], outlines[other])) > 500
    licence = vendored_path(Face.KHMER, Weight.REGULAR).with_name("OFL-NotoSansKhmer.txt")
    assert "SIL Open Font License" in licence.read_text()


def test_printing_khmer_instances_no_font_in_the_process():
    # A fresh process, as a worker starts: checking and measuring a Khmer poster line must
    # read the shipped instances, not load fontTools' instancer to make them.
    code = (
        "import sys\n"
        "from merchant_onboard.domain.poster.second_line import clean_second_line\n"
        "from merchant_onboard.domain.poster.fonts import Face, Weight, pdf_font, pil_font\n"
        "assert clean_second_line('ស្កេនដើម្បីបង់ប្រាក់')\n"
        "for w in Weight: pdf_font(w, Face.KHMER); pil_font(w, 20, Face.KHMER)\n"
        "print('fontTools.varLib.instancer' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=120)
    assert result.stdout.strip() == "False"
