"""The QR symbol of a payload: computed once, cached, and shared by the PDF and PNG renderers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import qrcode
from qrcode import constants, util

#: ISO/IEC 18004 asks for 4 light modules around the symbol; the renderers add them.
QUIET_ZONE = 4

_LEVELS = {
    "L": constants.ERROR_CORRECT_L,
    "M": constants.ERROR_CORRECT_M,
    "Q": constants.ERROR_CORRECT_Q,
    "H": constants.ERROR_CORRECT_H,
}


@dataclass(frozen=True)
class QRMatrix:
    """A QR symbol without its quiet zone.

    ``rows[r]`` is a bit set: bit ``c`` is set when the module at row ``r``, column ``c`` is
    dark. ``rectangles`` covers exactly the dark modules with ``(col, row, width, height)``
    boxes in module units, so a renderer draws a few hundred boxes instead of one per module.
    """

    payload: str
    error_correction: str
    version: int
    rows: tuple[int, ...]
    # Four bytes per box (a side is at most 177 modules): 1 kB instead of 20 kB of tuples,
    # which is what lets the cache below hold a market's worth of codes.
    packed_rectangles: bytes

    @property
    def rectangles(self) -> tuple[tuple[int, int, int, int], ...]:
        """The ``(col, row, width, height)`` boxes covering the dark modules, top to bottom."""
        values = iter(self.packed_rectangles)
        return tuple(zip(values, values, values, values))

    @property
    def size(self) -> int:
        """Modules per side (21 for version 1, +4 per version)."""
        return len(self.rows)

    @property
    def size_with_quiet_zone(self) -> int:
        """Modules per side once the renderers add the quiet zone."""
        return self.size + 2 * QUIET_ZONE

    def is_dark(self, row: int, col: int) -> bool:
        """Whether the module at ``row``, ``col`` is dark."""
        return bool(self.rows[row] >> col & 1)

    def as_bools(self) -> tuple[tuple[bool, ...], ...]:
        """The matrix as rows of booleans (dark = True), for callers that want it plain."""
        return tuple(tuple(bool(bits >> c & 1) for c in range(self.size)) for bits in self.rows)


@lru_cache(maxsize=512)
def qr_matrix(payload: str, *, error_correction: str = "M") -> QRMatrix:
    """Encode ``payload`` as a QR symbol at the given error-correction level ("L", "M", "Q", "H").

    Cached, so the PDF and the PNG of one stall, or a reprint, encode once.
    """
    level = _LEVELS.get(error_correction)
    if level is None:
        raise ValueError(f"error correction must be one of L, M, Q, H, not {error_correction!r}")
    code = _FastMaskQRCode(error_correction=level, border=0)
    code.add_data(payload)
    code.make(fit=True)
    rows = tuple(_bits(row) for row in code.modules)
    return QRMatrix(payload, error_correction, code.version, rows, _rectangles(rows))


class _FastMaskQRCode(qrcode.QRCode):
    """qrcode's encoder with the mask choice scored on bit sets.

    qrcode redraws and rescans the whole symbol in Python for each of the 8 masks, which is
    ~70 % of its 6 ms per code; a batch of 500 posters cannot afford that. Here the symbol is
    drawn once, packed into one integer (rows, then columns), each mask is applied by XOR and
    the ISO/IEC 18004 §7.8.3 penalties are counted with shifts: the scores equal qrcode's own
    ``util.lost_point``. The final symbol is still drawn by qrcode.
    """

    def map_data(self, data: bytes, mask_pattern: int) -> None:
        """Place the data bits, remembering which modules are data (the ones a mask flips)."""
        self._data_cells = [[module is None for module in row] for row in self.modules]
        super().map_data(data, mask_pattern)

    def best_mask_pattern(self) -> int:
        """The mask with the lowest penalty score (the first one on a tie, like qrcode)."""
        self.makeImpl(True, 0)
        grid = _Grid.of(self.modules_count)
        rows, cols = _pack(self.modules), _pack(list(zip(*self.modules)))
        data_rows, data_cols = _pack(self._data_cells), _pack(list(zip(*self._data_cells)))
        scores = [
            grid.penalty(rows ^ (data_rows & flip_rows), cols ^ (data_cols & flip_cols))
            for flip_rows, flip_cols in grid.flips
        ]
        return scores.index(min(scores))


_BINARY_DIGITS = bytes.maketrans(b"\x00\x01", b"01")


def _bits(row: Sequence[bool]) -> int:
    """Pack a row of booleans into an int, column 0 in bit 0."""
    return int(bytes(row[::-1]).translate(_BINARY_DIGITS), 2)


def _pack(lines: Sequence[Sequence[bool]]) -> int:
    """Pack lines of modules into one int, each line followed by one always-clear guard bit.

    The guard is neither dark nor light, so no run or pattern counted below spans two lines.
    """
    flat: list[bool] = []
    for line in lines:
        flat.extend(line)
        flat.append(False)
    return _bits(flat)


@dataclass(frozen=True)
class _Grid:
    """Constants of one symbol size for scoring packed symbols."""

    size: int
    modules: int  # every real module set, guards clear
    blocks: int  # top-left corners of the 2×2 blocks
    flips: tuple[tuple[int, int], ...]  # per mask k: where it differs from mask 0 (rows, cols)

    @staticmethod
    @lru_cache(maxsize=None)
    def of(n: int) -> _Grid:
        """The grid for ``n`` modules per side (cached: there are only 40 sizes)."""
        funcs = [util.mask_func(k) for k in range(8)]
        flips = []
        for func in funcs:
            diff = [[func(r, c) != funcs[0](r, c) for c in range(n)] for r in range(n)]
            flips.append((_pack(diff), _pack(list(zip(*diff)))))
        modules = _pack([[True] * n] * n)
        blocks = _pack([[c < n - 1 for c in range(n)]] * (n - 1))
        return _Grid(n, modules, blocks, tuple(flips))

    def penalty(self, rows: int, cols: int) -> int:
        """ISO/IEC 18004 §7.8.3 penalty of a packed symbol (lower is better)."""
        score = self._line_penalty(rows) + self._line_penalty(cols)
        # N2: 3 per 2×2 block of one colour (the line below is one stride further).
        stride = self.size + 1
        same_vertical = ~(rows ^ rows >> stride)
        same_block = same_vertical & same_vertical >> 1 & ~(rows ^ rows >> 1) & self.blocks
        score += 3 * same_block.bit_count()
        # N4: 10 per 5 % the dark share strays from 50 %.
        total = self.size * self.size
        score += 10 * (abs(rows.bit_count() * 20 - total * 10) // total)
        return score

    def _line_penalty(self, dark: int) -> int:
        """N1 (runs of 5+ of one colour) and N3 (1:1:3:1:1 finder look-alikes with 4 light)."""
        light = ~dark & self.modules
        score = 0
        for bits in (dark, light):
            run5 = bits & bits >> 1 & bits >> 2 & bits >> 3 & bits >> 4
            # A run of length L has L-4 five-wide windows and scores 3 + (L-5).
            score += run5.bit_count() + 2 * (run5 & ~(run5 << 1)).bit_count()
        core = dark & light >> 1 & dark >> 2 & dark >> 3 & dark >> 4 & light >> 5 & dark >> 6
        light4 = light & light >> 1 & light >> 2 & light >> 3
        score += 40 * ((core & light4 >> 7).bit_count() + (light4 & core >> 4).bit_count())
        return score


def _rectangles(rows: tuple[int, ...]) -> bytes:
    """Cover the dark modules with boxes: horizontal runs, stacked while rows repeat them."""
    open_runs: dict[tuple[int, int], int] = {}
    boxes = []
    for r, bits in enumerate((*rows, 0)):
        runs = set(_runs(bits))
        for run in [run for run in open_runs if run not in runs]:
            start_row = open_runs.pop(run)
            boxes.append((run[0], start_row, run[1], r - start_row))
        for run in runs:
            open_runs.setdefault(run, r)
    boxes.sort(key=lambda box: (box[1], box[0]))
    return bytes(value for box in boxes for value in box)


def _runs(bits: int) -> list[tuple[int, int]]:
    """The ``(start, length)`` runs of set bits."""
    runs = []
    col = 0
    while bits:
        skip = (bits & -bits).bit_length() - 1
        bits >>= skip
        col += skip
        length = (~bits & (bits + 1)).bit_length() - 1
        runs.append((col, length))
        bits >>= length
        col += length
    return runs
