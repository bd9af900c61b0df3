"""Photos a scammer's work leaves at a stall, generated: the poster beside or under a foreign QR.

Every scene is made of real renderings (the project's PNG poster, a ``qrcode`` VietQR like a
banking app shows) pasted on a counter-coloured background, then scaled and slightly blurred
as a phone would take it. Used by the domain, web and API tests of the overlay-fraud checks.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from dataclasses import dataclass

import qrcode
from PIL import Image, ImageEnhance, ImageFilter

from merchant_onboard.domain.poster import render_png
from merchant_onboard.domain.vietqr import build_payload
from tests.domain.conftest_poster import make_spec

COUNTER = (196, 184, 160)
#: A scammer's account: a real bank (VietinBank), an account no stall of the tests owns.
FOREIGN = build_payload(bank="970415", account="109876543210")
#: A VNPAY-QR merchant code (tag 26), as a payment terminal's sticker shows it: it takes money,
#: and the registry cannot say whose (the golden vector of tests/domain/test_vietqr_golden.py).
#: A MoMo wallet's personal QR (its own text format, not EMVCo): it takes money as surely.
MOMO = "2|99|0901234567|NGUYEN VAN A||0|0|0||transfer_myqr"
MERCHANT_QR = ("00020101021126280010A0000007750110010531231452045411530370454061500005802VN"
               "5910CELLPHONES6005HANOI62140303CPS0703T0163041387")


@dataclass(frozen=True)
class Scene:
    """One generated photo and what a correct check says about it."""

    name: str
    jpeg: bytes
    expected: str


def poster(payload: str) -> Image.Image:
    """The project's own PNG poster of ``payload`` (1080 px wide)."""
    return Image.open(io.BytesIO(render_png(make_spec(payload=payload)))).convert("RGB")


def sticker(payload: str, side: int) -> Image.Image:
    """A VietQR as a banking app prints it: the symbol with its quiet zone, ``side`` px wide."""
    code = qrcode.make(payload, box_size=10, border=4).get_image().convert("RGB")
    return code.resize((side, side), Image.NEAREST)


def shoot(scene: Image.Image, width: int = 1600, blur: float = 0.8) -> bytes:
    """The scene as a phone photo: scaled to ``width``, a little out of focus, as JPEG."""
    scene = scene.resize((width, round(scene.height * width / scene.width)), Image.LANCZOS)
    out = io.BytesIO()
    scene.filter(ImageFilter.GaussianBlur(blur)).save(out, "JPEG", quality=85)
    return out.getvalue()


def far_and_grainy(image: Image.Image) -> Image.Image:
    """A sticker further from the lens than the poster: out of focus, dim and grainy.

    Measured: beside a sharp poster in a 2400 px photo, zxing-cpp's plain read finds only the
    poster; the decoder's harder passes (a downscaled copy) find this one too.
    """
    image = ImageEnhance.Contrast(image).enhance(0.5).filter(ImageFilter.GaussianBlur(4))
    grain = random.Random(0).randbytes(image.width * image.height)
    return Image.blend(image, Image.frombytes("L", image.size, grain).convert("RGB"), 0.2)


def beside(own: Image.Image, other: Image.Image, *, where: str, gap: int = 60) -> Image.Image:
    """``own`` on the counter with ``other`` to its right (``where="right"``) or below it."""
    if where == "right":
        size = (own.width + other.width + 3 * gap, max(own.height, other.height) + 2 * gap)
        spot = (own.width + 2 * gap, gap + (own.height - other.height) // 3)
    else:
        size = (max(own.width, other.width) + 2 * gap, own.height + other.height + 3 * gap)
        spot = (gap + (own.width - other.width) // 2, own.height + 2 * gap)
    counter = Image.new("RGB", size, COUNTER)
    counter.paste(own, (gap, gap))
    counter.paste(other, spot)
    return counter


def stuck_over(own: Image.Image, other_payload: str) -> Image.Image:
    """The poster with a foreign QR glued over its own code (its quiet zone hides the code)."""
    scene = own.copy()
    # The PNG poster's symbol sits in the middle third; a 700 px sticker hides all of it.
    side = 700
    scene.paste(sticker(other_payload, side), ((own.width - side) // 2, 470))
    return scene


def fraud_scenes(own_payload: str, old_payload: str | None = None) -> Iterator[Scene]:
    """The issue's photo set for a stall whose current poster encodes ``own_payload``.

    A foreign VietQR beside the poster at several sizes and positions, one stuck over the
    poster, a merchant payment code (VNPAY) and an e-wallet's (MoMo) beside it, and, when
    ``old_payload`` is given, the poster beside a poster of an old account.
    """
    own = poster(own_payload)
    for side, where in ((700, "right"), (420, "right"), (300, "below"), (560, "below")):
        yield Scene(f"foreign-{where}-{side}", shoot(beside(own, sticker(FOREIGN, side),
                                                            where=where)), "foreign")
    yield Scene("foreign-far-grainy", shoot(beside(own, far_and_grainy(sticker(FOREIGN, 420)),
                                                   where="right"), width=2400, blur=0),
                "foreign")
    yield Scene("foreign-stuck-over", shoot(stuck_over(own, FOREIGN), width=1200), "foreign")
    yield Scene("merchant-qr-beside", shoot(beside(own, sticker(MERCHANT_QR, 560),
                                                   where="right")), "other_payment")
    yield Scene("momo-beside", shoot(beside(own, sticker(MOMO, 560), where="below")),
                "other_payment")
    if old_payload is not None:
        yield Scene("old-account-beside", shoot(beside(own, poster(old_payload), where="right"),
                                                width=2000), "old_account")
