"""The overlay-fraud verdict: every QR read at a stall, judged against the stall's accounts.

The scam is a second payment code stuck on or beside the stall's own, so the verdict looks at
every code found, not the first: one code that takes money and is not the stall's current
account is enough for a warning, whatever else the photo holds. That covers a VietQR to another
account, even one that breaks a rule of the standard (a banking app may still pay it: the
account says where the money goes), and any other payment code (VNPAY, a NAPAS merchant code,
an e-wallet's own code such as MoMo's, another scheme), which the registry cannot vouch for.
Only codes that are no payment at all (a website) are harmless. The stall's own account
matches in a code written loosely (a banking app's), but not in one altered or cut short (a
checksum gone wrong): no poster of this service, and vouching for it would clear a flagged
stall.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from merchant_onboard.domain.text import mask, normalize_account
from merchant_onboard.domain.vietqr import Kind, ParsedQR
from merchant_onboard.domain.vietqr.emv import DAMAGE_ERRORS, TRANSFER_KINDS


class Verdict(StrEnum):
    """What a re-check says; the values are the stable ``data-result`` and API names."""

    MATCH = "match"  # the stall's current account, on a poster still in force
    FOREIGN = "foreign"  # a transfer to an account the stall never registered
    OLD_ACCOUNT = "old_account"  # an account the stall used before: its posters are revoked
    REVOKED_POSTER = "revoked_poster"  # the current account, but the stall's poster is revoked
    OTHER_PAYMENT = "other_payment"  # a payment code the registry cannot vouch for (VNPAY…)
    NOT_TRANSFER = "not_transfer"  # QR codes, none a payment (a website, text)
    NO_QR = "no_qr"  # nothing readable


#: Verdicts that tell the payer not to pay, strongest first: the result is the first that
#: any code earns.
WARNINGS = (Verdict.FOREIGN, Verdict.OLD_ACCOUNT, Verdict.REVOKED_POSTER, Verdict.OTHER_PAYMENT)
#: The verdicts of codes a warning names: each is a code that takes money elsewhere.
SUSPECTS = (Verdict.FOREIGN, Verdict.OLD_ACCOUNT, Verdict.OTHER_PAYMENT)

#: (bank BIN, account number): how a transfer code names an account.
AccountKey = tuple[str, str]


@dataclass(frozen=True)
class FoundCode:
    """One code read at the stall, masked: bank and last digits only (DESIGN §9)."""

    verdict: Verdict
    kind: str
    bin: str | None = None
    bank_short_name: str = ""
    account_masked: str = ""

    @property
    def old_account(self) -> bool:
        return self.verdict is Verdict.OLD_ACCOUNT

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict.value, "kind": str(self.kind), "bin": self.bin,
                "bank": self.bank_short_name or None, "account": self.account_masked or None,
                "old_account": self.old_account}


@dataclass(frozen=True)
class Recheck:
    """The verdict on everything read at one stall, and each code behind it."""

    result: Verdict
    codes: tuple[FoundCode, ...]

    @property
    def warning(self) -> bool:
        return self.result in WARNINGS

    @property
    def conclusive(self) -> bool:
        """False when no code read takes money: the photo says nothing about the poster."""
        return self.result not in (Verdict.NOT_TRANSFER, Verdict.NO_QR)

    @property
    def suspects(self) -> tuple[FoundCode, ...]:
        """The payment codes that are not the stall's current account: what to name."""
        return tuple(c for c in self.codes if c.verdict in SUSPECTS)

    def to_dict(self) -> dict[str, Any]:
        return {"result": self.result.value, "warning": self.warning,
                "codes": [c.to_dict() for c in self.codes]}


def judge(found: Sequence[ParsedQR], *, current: AccountKey | None,
          old: Collection[AccountKey] = (), poster_revoked: bool = False) -> Recheck:
    """Judge every code in ``found`` against the stall's ``current`` and ``old`` accounts.

    ``poster_revoked`` says the registry no longer vouches for the stall's poster (its latest
    poster was revoked, or the stall closed): the current account then earns
    ``revoked_poster`` instead of ``match``.
    """
    codes = tuple(_judge_one(p, current, old, poster_revoked) for p in found)
    verdicts = {c.verdict for c in codes}
    for verdict in (*WARNINGS, Verdict.MATCH, Verdict.NOT_TRANSFER):
        if verdict in verdicts:
            return Recheck(verdict, codes)
    return Recheck(Verdict.NO_QR, codes)


def _judge_one(parsed: ParsedQR, current: AccountKey | None, old: Collection[AccountKey],
               poster_revoked: bool) -> FoundCode:
    if parsed.kind == Kind.NOT_EMV:
        return FoundCode(Verdict.NOT_TRANSFER, parsed.kind)
    if parsed.kind in TRANSFER_KINDS and parsed.bin and parsed.account:
        # Accounts are kept as registration writes them (letters in capitals).
        key = (parsed.bin, normalize_account(parsed.account))
        if key == current and DAMAGE_ERRORS.intersection(parsed.errors):
            verdict = Verdict.OTHER_PAYMENT
        elif key == current:
            verdict = Verdict.REVOKED_POSTER if poster_revoked else Verdict.MATCH
        elif key in old:
            verdict = Verdict.OLD_ACCOUNT
        else:
            verdict = Verdict.FOREIGN
    else:
        verdict = Verdict.OTHER_PAYMENT
    bank = parsed.bank.short_name if parsed.bank else (parsed.bin or "")
    return FoundCode(verdict, parsed.kind, parsed.bin, bank, mask(parsed.account))
