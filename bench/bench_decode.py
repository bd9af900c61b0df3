"""Memory and time of decoding hostile and ordinary uploads (issue 11).

Run: ``.venv/bin/python bench/bench_decode.py``. Each case runs in a fresh process so the
peak resident memory (``ru_maxrss``) it reports belongs to that one decode: the growth is the
peak after the decode minus the peak after a warm-up decode of a small QR. Goal (issue 11):
the 13000 × 13000 PNG grows the process by < 100 MB per request. Prints figures only.
"""

from __future__ import annotations

import io
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CASES = {
    "png-13000x13000 (bomb, 169 MP)": "png_bomb(13000)",
    "png-6300x6300 (40 MP, at the limit)": "png_bomb(6300)",
    "jpeg-4000x3000 (12 MP phone photo)": "jpeg_photo(4000, 3000)",
    "pdf-60-pages": "pdf_pages(60)",
    "pdf-2-pages": "pdf_pages(2)",
}


def png_bomb(side: int) -> bytes:
    from tests.domain.test_decode_bounds import png_bomb as make

    return make(side)


def jpeg_photo(width: int, height: int) -> bytes:
    import qrcode
    from PIL import Image

    scene = Image.new("RGB", (width, height), (196, 184, 160))
    code = qrcode.make("bench", box_size=max(2, width // 130)).get_image().convert("RGB")
    scene.paste(code, (width // 5, height // 5))
    out = io.BytesIO()
    scene.save(out, "JPEG", quality=90)
    return out.getvalue()


def pdf_pages(count: int) -> bytes:
    from tests.domain.test_decode_bounds import pdf_of_pages

    return pdf_of_pages(count, qr_on_first=True)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def run_case(path: str) -> dict[str, float | str]:
    from merchant_onboard.domain.decode import decode_bytes
    from merchant_onboard.domain.errors import ValidationError

    # Made by the parent process: building a test file must not count in this one's peak.
    data = Path(path).read_bytes()
    decode_bytes(Path(path + ".warm").read_bytes())  # warm-up: imports, zxing-cpp and Pillow's first allocations
    before = peak_mb()
    start = time.perf_counter()
    try:
        outcome = f"{len(decode_bytes(data))} code(s)"
    except ValidationError as error:
        outcome = f"refused: {error}"
    return {"seconds": time.perf_counter() - start, "growth_mb": peak_mb() - before,
            "size_kb": len(data) / 1024, "outcome": outcome}


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--case":
        print(json.dumps(run_case(sys.argv[2])))
        return
    print(f"{'case':40} {'file':>9} {'time':>8} {'peak growth':>12}  outcome")
    for name, expression in CASES.items():
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "upload"
            path.write_bytes(eval(expression))  # noqa: S307 - one of the CASES above
            Path(f"{path}.warm").write_bytes(jpeg_photo(400, 300))
            out = subprocess.run([sys.executable, __file__, "--case", str(path)], check=True,
                                 capture_output=True, text=True, cwd=ROOT).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(f"{name:40} {r['size_kb']:>7.0f}kB {r['seconds']:>7.2f}s "
              f"{r['growth_mb']:>9.1f} MB  {r['outcome'][:60]}")


if __name__ == "__main__":
    main()
