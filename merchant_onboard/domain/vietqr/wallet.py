"""E-wallet payment codes: QR codes that take money outside the EMVCo standard.

MoMo, ZaloPay, ShopeePay, Viettel Money and VNPT Money print their own codes beside the
banks' VietQR: a transfer link on the wallet's site, or MoMo's older ``2|99|<phone>|…`` text.
To the fraud check they are payment codes the registry cannot vouch for, never "a website":
a scammer's MoMo code stuck beside a stall's poster takes the customer's money as surely as a
foreign VietQR. Recognised by their form only (the wallet's domain, MoMo's prefix); the
codes themselves are the wallets' and are not checked further.
"""

from __future__ import annotations

from urllib.parse import urlsplit

#: The wallets' domains: a link to one of them (or a subdomain: nhantien.momo.vn,
#: social.zalopay.vn) is a payment link.
WALLET_DOMAINS = ("momo.vn", "zalopay.vn", "zalopay.com.vn", "shopeepay.vn",
                  "viettelmoney.vn", "viettelpay.vn", "vnptmoney.vn", "vnptpay.vn")
#: The wallets' app links ("momo://…"), which open the payment in the app.
WALLET_SCHEMES = ("momo", "zalopay", "shopeepay", "viettelmoney", "viettelpay", "vnptmoney")
#: MoMo's personal QR text: ``2|99|<phone>|<name>|<email>|0|0|<amount>|<message>|…``.
MOMO_TEXT_PREFIX = "2|99|"


def is_wallet_payment(text: str) -> bool:
    """True when ``text`` (a QR's content, already bounded by the caller) is a wallet's
    payment code or payment link."""
    text = text.strip()
    if text.startswith(MOMO_TEXT_PREFIX):
        return True
    try:
        url = urlsplit(text)
        host = (url.hostname or "").rstrip(".")
    except ValueError:  # an unclosed IPv6 bracket, a port out of range: no link at all
        return False
    scheme = url.scheme.lower()
    if scheme in WALLET_SCHEMES:
        return True
    return scheme in ("http", "https") and any(
        host == domain or host.endswith("." + domain) for domain in WALLET_DOMAINS)
