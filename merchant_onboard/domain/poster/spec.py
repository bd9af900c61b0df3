"""What goes on a poster: the values a caller hands to the renderers, already translated."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from merchant_onboard.domain.codes import format_public_code
from merchant_onboard.domain.poster.formats import PosterFormat
from merchant_onboard.domain.text import group_account, nfc

#: The QR error-correction level of each format (issue 12). Posters hang in markets: dirt,
#: tape and glare cover part of the code. Measured on the A6 with the same tape placement,
#: decoded by zxing-cpp from simulated phone photos:
#:
#: | QR covered | decoded at M | decoded at Q |
#: |------------|--------------|--------------|
#: | 5 %        | 78 %         | 84 %         |
#: | 10 %       | 46 %         | 74 %         |
#:
#: Q costs one symbol size (module 1.47 → 1.34 mm on A6), which showed no loss under blur.
#: The sticker keeps M: its cell is small, and "≥ 1 mm per module" (DESIGN §5) comes first.
#: ``bench/bench_posters.py`` measures the cover figures again on every run.
ERROR_CORRECTION = {
    PosterFormat.A6: "Q",
    PosterFormat.A5: "Q",
    PosterFormat.A4: "Q",
    PosterFormat.PNG: "Q",
    PosterFormat.STICKER: "M",
}


@dataclass(frozen=True)
class PosterLabels:
    """The fixed sentences of a poster, in the language it is printed in."""

    scan_hint: str
    check_name_hint: str
    verify_label: str
    account_label: str
    stall_label: str

    @classmethod
    def vietnamese(cls) -> PosterLabels:
        """The Vietnamese texts of DESIGN §5 (the default: posters hang in Vietnamese markets)."""
        return cls(
            scan_hint="Quét mã bằng ứng dụng ngân hàng để thanh toán",
            check_name_hint="Kiểm tra tên người nhận trước khi chuyển",
            verify_label="Mã xác minh",
            account_label="Số tài khoản",
            stall_label="Quầy",
        )

    def __post_init__(self) -> None:
        _normalize_text_fields(self)


@dataclass(frozen=True)
class PosterSpec:
    """One stall's poster.

    Text is normalised to NFC on creation: decomposed input from some keyboards would otherwise
    draw its tone marks beside the letters. ``account_number`` is raw; the poster groups it.
    ``verify_code`` is the stored code without separators; the poster shows it as ``K7P2-QX9M``.
    """

    campaign_title: str
    market_name: str
    shop_name: str
    stall_code: str
    bank_short_name: str
    holder_name: str
    account_number: str
    payload: str
    verify_code: str
    verify_url: str
    labels: PosterLabels = field(default_factory=PosterLabels.vietnamese)
    #: None: the format's level (:data:`ERROR_CORRECTION`); "L", "M", "Q" or "H" to force one.
    error_correction: str | None = None
    #: The market's line in a second language (Khmer, English) under the Vietnamese
    #: instructions; "" prints nothing (see ``poster.second_line``).
    second_line: str = ""

    def __post_init__(self) -> None:
        _normalize_text_fields(self)

    def error_correction_for(self, fmt: PosterFormat) -> str:
        """The error-correction level this poster is printed with in ``fmt``."""
        return self.error_correction or ERROR_CORRECTION[fmt]

    @property
    def holder_line(self) -> str:
        """The holder name as printed: uppercase, as the payer's banking app shows it."""
        return self.holder_name.upper()

    @property
    def stall_line(self) -> str:
        """The stall code with its label: "Quầy A-12"."""
        return f"{self.labels.stall_label} {self.stall_code}"

    @property
    def account_line(self) -> str:
        """The account number grouped for reading aloud: "Số tài khoản: 0011 0123 4567 8"."""
        return f"{self.labels.account_label}: {group_account(self.account_number)}"

    @property
    def verify_code_line(self) -> str:
        """The code to type on the public page: "Mã xác minh: K7P2-QX9M"."""
        return f"{self.labels.verify_label}: {format_public_code(self.verify_code)}"

    @property
    def verify_line(self) -> str:
        """Where to check the poster: "Mã xác minh: K7P2-QX9M · https://host/v/K7P2QX9M"."""
        return f"{self.verify_code_line} · {self.verify_url}"


def _normalize_text_fields(instance: object) -> None:
    """Store every ``str`` field of a frozen dataclass in NFC without surrounding spaces."""
    for item in fields(instance):  # type: ignore[arg-type]
        value = getattr(instance, item.name)
        if isinstance(value, str):
            object.__setattr__(instance, item.name, nfc(value))
