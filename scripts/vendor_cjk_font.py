"""Make the Chinese fallback font the posters ship: a subset of Noto Sans CJK SC as TrueType.

Run once when (re)vendoring, not at build or run time. No Python package on PyPI ships a CJK
font, and the full one is 19 MB per weight in CFF outlines, which reportlab cannot embed
(its TrueType reader takes ``glyf`` outlines only). So this script:

1. takes Debian's ``fonts-noto-cjk`` collections (``apt-get download fonts-noto-cjk`` then
   ``dpkg-deb -x``: ``usr/share/fonts/opentype/noto/NotoSansCJK-{Regular,Bold}.ttc``);
2. keeps the Simplified Chinese face (its cmap covers Traditional characters too);
3. subsets it to the characters shop names use: every hanzi of GB 2312 (6,763 simplified),
   the frequent hanzi of Big5 (level 1, 5,401 traditional: Hoa signs in the Mekong delta are
   written in traditional characters), the sign and menu characters both lack
   (``SHOP_SIGN_EXTRAS``), CJK punctuation and full-width forms;
4. converts the cubic CFF outlines to quadratic ``glyf`` ones (fontTools' cu2qu);
5. renames the family (a modified version under the OFL keeps the licence and says so).

Characters outside the subset are refused at registration with a message naming them
(``merchant_onboard.domain.poster.fonts.missing_glyphs``), never printed blank.

Usage::

    python scripts/vendor_cjk_font.py /path/to/usr/share/fonts/opentype/noto

The licence (SIL OFL 1.1) is ``merchant_onboard/domain/poster/fontfiles/OFL-NotoSansCJK.txt``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

OUT = Path(__file__).resolve().parent.parent / "merchant_onboard/domain/poster/fontfiles"
SC_FACE = "Noto Sans CJK SC"
WEIGHTS = ("Regular", "Bold")
#: Maximum distance, in em units, of the quadratic curves from the cubic ones: well under a
#: printer dot at poster sizes.
MAX_ERR = 1.0


def charset() -> set[int]:
    """Code points kept: GB 2312 hanzi, Big5 level-1 hanzi, CJK punctuation, full-width forms."""
    chars: set[int] = set()
    for hi in range(0xB0, 0xF8):  # GB 2312 rows 16-87: the hanzi
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes((hi, lo)).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    for hi in range(0xA4, 0xC7):  # Big5 A440-C67E: level-1 (frequent) hanzi
        for lo in [*range(0x40, 0x7F), *range(0xA1, 0xFF)]:
            code = (hi << 8) | lo
            if 0xA440 <= code <= 0xC67E:
                try:
                    chars.add(ord(bytes((hi, lo)).decode("big5")))
                except UnicodeDecodeError:
                    pass
    chars |= set(range(0x3000, 0x3040))  # CJK symbols and punctuation
    chars |= set(range(0xFF01, 0xFF5F))  # full-width ASCII forms
    chars |= {ord(c) for c in SHOP_SIGN_EXTRAS}
    return chars


#: Characters of Hoa shop signs and menus that neither GB 2312 nor Big5 level 1 has: Teochew
#: 粿 (kway, as in 粿條 hủ tiếu) and Hakka 粄, 舖/舗/舘 (shop, hall), food words (焗 baked,
#: 炆 braised, 餸, 麪/麫, 糉, 糬, 膶, 脷, 䐁, 蔴, 韮, 鑊) and Cantonese words written on signs
#: (嘢 啲 冇 嘅 咁 喺 嚟 噉 㗎 咗 佢 哋 啱 靚 冚). Found missing by a review of real names.
SHOP_SIGN_EXTRAS = "粿粄舖舗舘焗炆餸麪麫糉糬膶脷䐁蔴韮鑊嘢啲冇嘅咁喺嚟噉㗎咗佢哋啱靚冚"


def sc_face(collection: Path) -> TTFont:
    for font in TTCollection(str(collection)).fonts:
        if font["name"].getDebugName(1) == SC_FACE:
            return font
    raise SystemExit(f"{SC_FACE} not found in {collection}")


def to_truetype(font: TTFont) -> None:
    """Replace the CFF table by glyf/loca (after fontTools' otf2ttf snippet)."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, MAX_ERR, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                 "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
                 "maxComponentElements"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["head"].indexToLocFormat = 0
    font["head"].glyphDataFormat = 0
    post = font["post"]
    post.formatType = 3.0  # no glyph names: smaller, and reportlab does not need them
    font.sfntVersion = "\x00\x01\x00\x00"
    font.recalcBBoxes = True


def rename(font: TTFont, weight: str) -> None:
    family = "Noto Sans CJK SC Subset MO"
    name = font["name"]
    for record in list(name.names):
        if record.nameID in (1, 3, 4, 6, 16, 17):
            name.removeNames(nameID=record.nameID)
    name.setName(family, 1, 3, 1, 0x409)
    name.setName(weight, 2, 3, 1, 0x409)
    name.setName(f"{family} {weight}; subset by merchant_onboard", 3, 3, 1, 0x409)
    name.setName(f"{family} {weight}", 4, 3, 1, 0x409)
    name.setName(f"NotoSansCJKSCSubsetMO-{weight}", 6, 3, 1, 0x409)


def main(source_dir: str) -> None:
    keep = charset()
    for weight in WEIGHTS:
        font = sc_face(Path(source_dir) / f"NotoSansCJK-{weight}.ttc")
        options = subset.Options()
        options.layout_features = ["*"]
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.hinting = False
        options.drop_tables += ["VORG", "vhea", "vmtx", "BASE", "GPOS", "GSUB"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=keep)
        subsetter.subset(font)
        to_truetype(font)
        rename(font, weight)
        target = OUT / f"NotoSansCJKSC-Subset-{weight}.ttf"
        font.save(str(target))
        print(f"{target.name}: {len(font.getBestCmap())} characters, "
              f"{target.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/opentype/noto")
