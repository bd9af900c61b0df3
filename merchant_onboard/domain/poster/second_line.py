"""A market's optional second language line, printed under the poster's Vietnamese
instructions ("Quét mã … để thanh toán"): for markets with Khmer customers (more than a third
of Sóc Trăng's people are Khmer) or foreign visitors, e.g. "ស្កេនដើម្បីបង់ប្រាក់" or
"Scan to pay with any banking app".

One short line: it must fit on one line of the smallest format, the sticker, at 6 pt (about
55 Latin letters; "Quét mã bằng ứng dụng ngân hàng để thanh toán" fits too), so it never costs
the QR code its room and is never cut short. Cleaned here, where the coverage data lives,
so the form, the API and the CLI refuse the same things with the same message.
"""

from __future__ import annotations

import re

from merchant_onboard.domain.errors import N_, ValidationError
from merchant_onboard.domain.poster.design import fits_sticker_line
from merchant_onboard.domain.poster.fonts import require_printable
from merchant_onboard.domain.text import clean_text

#: Characters stored; what is printed is limited by its width (:func:`fits_sticker_line`).
#: "Scan to pay with any banking app" is 32, its Khmer translation about 40 code points.
SECOND_LINE_MAX = 80
FIELD = "poster_second_line"


def clean_second_line(value: object) -> str:
    """The line as it is stored and printed: NFC, one line, single spaces, at most
    :data:`SECOND_LINE_MAX` characters, every character drawable by a poster face; "" for none.
    """
    text = re.sub(r"\s+", " ", clean_text(value, field=FIELD, max_length=SECOND_LINE_MAX))
    text = require_printable(text, field=FIELD).strip()
    if not fits_sticker_line(text):
        raise ValidationError(N_("Dòng này quá dài để in trên tem dán, khổ nhỏ nhất: hãy viết "
                                 "ngắn hơn."), field=FIELD)
    return text
