"""Write the page fonts as WOFF2 subset to Latin + Vietnamese (run when vendoring, commit the output).

The TTFs of the ``fontpkg-be-vietnam-pro`` package weigh 133 KB each, most of it scripts a
market page never shows; a phone on one bar of signal pays for every byte before the text
appears. The subset keeps what Google Fonts serves as its "latin" and "vietnamese" ranges
(15 KB per weight); a character outside them falls back to the system font.

    .venv/bin/pip install -e ".[test]" && .venv/bin/python static/subset_fonts.py
"""

from __future__ import annotations

import shutil
from pathlib import Path

import fontpkg_be_vietnam_pro
import fontpkg_noto_sans_khmer
from fontTools import subset
from fontTools.ttLib import TTFont

FONTS = Path(__file__).resolve().parent / "fonts"
WEIGHTS = ("Regular", "SemiBold")

#: Google Fonts' "latin" and "vietnamese" unicode-range (the đồng sign ₫ is U+20AB).
UNICODES = (
    "U+0000-00FF,U+0131,U+0152-0153,U+02BB-02BC,U+02C6,U+02DA,U+02DC,U+0304,U+0308,U+0329,"
    "U+2000-206F,U+20AC,U+2122,U+2191,U+2193,U+2212,U+2215,U+FEFF,U+FFFD,"
    "U+0102-0103,U+0110-0111,U+0128-0129,U+0168-0169,U+01A0-01A1,U+01AF-01B0,U+0300-0301,"
    "U+0303-0304,U+0308-0309,U+0323,U+1EA0-1EF9,U+20AB"
)

#: The Khmer blocks, the zero-width space and joiners Khmer text carries, and the dotted circle
#: a shaper shows under a misplaced mark. templates/base.html repeats it as the unicode-range.
KHMER_UNICODES = "U+1780-17FF,U+19E0-19FF,U+200B-200D,U+25CC"
KHMER_SOURCE = fontpkg_noto_sans_khmer.ROOT / "files" / "NotoSansKhmer[wdth,wght].ttf"


def main() -> None:
    FONTS.mkdir(exist_ok=True)
    source = fontpkg_be_vietnam_pro.ROOT / "files"
    options = subset.Options()
    options.flavor = "woff2"
    # Screens render these sizes well unhinted, and the hinting is a third of the file.
    options.hinting = False
    options.name_IDs = ["*"]  # the copyright and licence notices stay inside the font (OFL §2)
    for weight in WEIGHTS:
        font = subset.load_font(str(source / f"BeVietnamPro-{weight}.ttf"), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=subset.parse_unicodes(UNICODES))
        subsetter.subset(font)
        subset.save_font(font, str(FONTS / f"BeVietnamPro-{weight}.woff2"), options)
    shutil.copyfile(fontpkg_be_vietnam_pro.ROOT / "LICENSE", FONTS / "OFL.txt")
    khmer_font()


def khmer_font() -> None:
    """Noto Sans Khmer for Khmer shop names and the markets' Khmer poster line (issue 12):
    desktop systems often have no Khmer font, and the page would show blanks. One weight
    (regular, instanced from the package's variable font); templates/base.html declares it
    with a unicode-range, so a browser downloads it only for a page that shows Khmer."""
    from fontTools.varLib import instancer  # noqa: PLC0415

    options = subset.Options()
    options.flavor = "woff2"
    options.hinting = False
    options.name_IDs = ["*"]
    options.layout_features = ["*"]  # Khmer needs its shaping features (subscripts, reordering)
    font = instancer.instantiateVariableFont(TTFont(str(KHMER_SOURCE)),
                                             {"wght": 400, "wdth": 100})
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=subset.parse_unicodes(KHMER_UNICODES))
    subsetter.subset(font)
    subset.save_font(font, str(FONTS / "NotoSansKhmer-Regular.woff2"), options)
    shutil.copyfile(fontpkg_noto_sans_khmer.ROOT / "LICENSE", FONTS / "OFL-NotoSansKhmer.txt")


if __name__ == "__main__":
    main()
