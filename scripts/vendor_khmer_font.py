"""Make the Khmer fallback fonts the posters ship: Noto Sans Khmer at the posters' three weights.

Run once when (re)vendoring, not at build or run time. ``fontpkg-noto-sans-khmer`` ships one
variable font; reportlab reads static TrueType only, so a static instance per weight is
needed. Made in the service, the three instances cost a process 0.6 s on a quiet machine and
several seconds on a busy one, paid by whichever request first printed or checked Khmer (a
manager saving a Khmer poster line waited on it, and a browser test timed out behind it).
Made here once, they are 105 KB each.

Each instance is the variable font at ``wght`` 400, 600 or 700 and normal width, renamed for
its weight ("Noto Sans Khmer SemiBold"): reportlab keeps one face per name inside a PDF, and
instances left with the variable font's name drew every weight in whichever one a process
registered first. Timestamps are kept from the source, so running it twice writes the same
bytes. ``tests/domain/test_poster_fonts_vendored.py`` checks the files against the package.

Usage (``fontpkg-noto-sans-khmer`` comes with the test extra)::

    .venv/bin/python scripts/vendor_khmer_font.py

The licence (SIL OFL 1.1) is ``merchant_onboard/domain/poster/fontfiles/OFL-NotoSansKhmer.txt``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import fontpkg_noto_sans_khmer
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer

OUT = Path(__file__).resolve().parent.parent / "merchant_onboard/domain/poster/fontfiles"
SOURCE = fontpkg_noto_sans_khmer.ROOT / "files" / "NotoSansKhmer[wdth,wght].ttf"
#: The posters' weights (``fonts.Weight``) and their ``wght`` values.
WEIGHTS = {"Regular": 400, "SemiBold": 600, "Bold": 700}


def instance(weight: int) -> TTFont:
    """The variable font fixed at ``weight`` and normal width, named for its weight."""
    font = TTFont(str(SOURCE), recalcTimestamp=False)
    return instancer.instantiateVariableFont(font, {"wght": weight, "wdth": 100},
                                             updateFontNames=True)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, weight in WEIGHTS.items():
        target = OUT / f"NotoSansKhmer-{name}.ttf"
        instance(weight).save(str(target))
        print(f"{target.name}: {target.stat().st_size:,} bytes")
    shutil.copyfile(fontpkg_noto_sans_khmer.ROOT / "LICENSE", OUT / "OFL-NotoSansKhmer.txt")


if __name__ == "__main__":
    main()
