"""The overlay-fraud verdict: every code read at a stall counts, the strongest warning wins."""

from __future__ import annotations

import pytest

from merchant_onboard.domain.decode import decode_bytes
from merchant_onboard.domain.recheck import Verdict, judge
from merchant_onboard.domain.vietqr import build_payload, parse
from merchant_onboard.domain.vietqr.emv import crc_hex, tlv
from tests.photoset import FOREIGN, MERCHANT_QR, fraud_scenes

OWN = build_payload(bank="970436", account="0011012345678")
OLD = build_payload(bank="970422", account="0868123456789")
CURRENT = ("970436", "0011012345678")
PAST = {("970422", "0868123456789")}
WEBSITE = "https://example.com/menu"


def payment_code(*fields: str) -> str:
    """An EMV payment code made of ``fields`` (TLVs), with its CRC: codes no builder makes."""
    body = "".join(fields) + "6304"
    return body + crc_hex(body)


def napas(beneficiary: str, service: str | None) -> str:
    """Tag 38 for a NAPAS code: the GUID, the beneficiary and, if given, the service."""
    return tlv("38", tlv("00", "A000000727") + tlv("01", beneficiary)
               + (tlv("02", service) if service else ""))


BENEFICIARY = tlv("00", "970422") + tlv("01", "0999888777666")
#: Transfers to another account that break one rule of the standard. A banking app may still
#: pay them: the account, not the code's tidiness, says where the money goes.
FOREIGN_SLOPPY = {
    "no_service": payment_code(tlv("00", "01"), tlv("01", "11"), napas(BENEFICIARY, None),
                               tlv("53", "704"), tlv("58", "VN")),
    "decimal_amount": payment_code(tlv("00", "01"), tlv("01", "12"),
                                   napas(BENEFICIARY, "QRIBFTTA"), tlv("53", "704"),
                                   tlv("54", "50000.00"), tlv("58", "VN")),
    "no_initiation": payment_code(tlv("00", "01"), napas(BENEFICIARY, "QRIBFTTA"),
                                  tlv("53", "704"), tlv("58", "VN")),
}
#: A NAPAS merchant code (QR Push through an acquirer): it takes money, not to the stall's account.
QRPUSH = payment_code(tlv("00", "01"), tlv("01", "11"),
                      napas(tlv("00", "970422") + tlv("01", "SCAMMERCH01"), "QRPUSH"),
                      tlv("53", "704"), tlv("58", "VN"))
#: Another country's scheme (Thai PromptPay): a payment code the registry knows nothing of.
PROMPTPAY = payment_code(tlv("00", "01"), tlv("01", "11"),
                         tlv("29", tlv("00", "A000000677010111") + tlv("01", "0066812345678")),
                         tlv("53", "764"), tlv("58", "TH"))


def verdict(*payloads: str, revoked: bool = False):
    return judge([parse(p) for p in payloads], current=CURRENT, old=PAST,
                 poster_revoked=revoked)


@pytest.mark.parametrize(("payloads", "expected"), [
    ((OWN,), Verdict.MATCH),
    ((FOREIGN,), Verdict.FOREIGN),
    ((OWN, FOREIGN), Verdict.FOREIGN),
    ((FOREIGN, OWN), Verdict.FOREIGN),
    ((OWN, OLD), Verdict.OLD_ACCOUNT),
    ((OLD, FOREIGN), Verdict.FOREIGN),
    ((OWN, WEBSITE), Verdict.MATCH),
    ((WEBSITE,), Verdict.NOT_TRANSFER),
    ((), Verdict.NO_QR),
    ((OWN, MERCHANT_QR), Verdict.OTHER_PAYMENT),
    ((MERCHANT_QR, OWN, WEBSITE), Verdict.OTHER_PAYMENT),
    ((OWN, QRPUSH), Verdict.OTHER_PAYMENT),
    ((OWN, PROMPTPAY), Verdict.OTHER_PAYMENT),
    ((MERCHANT_QR,), Verdict.OTHER_PAYMENT),
    ((OWN, MERCHANT_QR, FOREIGN), Verdict.FOREIGN),
    ((OWN, MERCHANT_QR, OLD), Verdict.OLD_ACCOUNT),
])
def test_any_transfer_code_that_is_not_the_current_account_decides(payloads, expected):
    assert verdict(*payloads).result is expected


@pytest.mark.parametrize("name", sorted(FOREIGN_SLOPPY))
def test_a_transfer_to_another_account_warns_though_it_breaks_a_rule(name):
    parsed = parse(FOREIGN_SLOPPY[name])
    assert not parsed.valid and parsed.account == "0999888777666"  # what makes it a trap
    found = verdict(OWN, FOREIGN_SLOPPY[name])
    assert found.result is Verdict.FOREIGN and found.warning
    assert [c.account_masked for c in found.suspects] == ["•••• 7666"]


def test_the_stalls_own_account_in_a_sloppy_code_is_still_its_account():
    own_sloppy = payment_code(tlv("00", "01"), tlv("01", "11"),
                              napas(tlv("00", "970436") + tlv("01", "0011012345678"), None),
                              tlv("53", "704"), tlv("58", "VN"))
    assert not parse(own_sloppy).valid
    assert verdict(own_sloppy).result is Verdict.MATCH


def test_the_stalls_own_account_in_a_code_altered_or_cut_short_is_no_match():
    """The poster's code with its checksum broken matched, and a re-check of it cleared the
    stall's flag: banking apps refuse such a code, and no poster of ours carries one."""
    broken = OWN[:-4] + "0000"
    assert parse(broken).errors == ("crc_mismatch",)
    for code in (broken, OWN[:-4] + "00", OWN.replace("6304", "6305")):
        found = verdict(code)
        assert found.result is Verdict.OTHER_PAYMENT and found.warning, code
        assert [c.account_masked for c in found.suspects] == ["•••• 5678"]
    assert verdict(OWN, broken).result is Verdict.OTHER_PAYMENT


@pytest.mark.parametrize("wallet", ["2|99|0901234567|NGUYEN VAN A||0|0|0||transfer_myqr",
                                    "https://nhantien.momo.vn/0901234567",
                                    "https://social.zalopay.vn/mt-gateway/v1/private-qr?d=1"])
def test_an_e_wallets_code_beside_the_poster_is_a_payment_code_to_warn_of(wallet):
    """A MoMo code stuck beside the poster read as "a website": the verdict said the right
    account, and a re-check with it cleared the stall's flag."""
    found = verdict(OWN, wallet)
    assert found.result is Verdict.OTHER_PAYMENT and found.warning
    assert [c.kind for c in found.suspects] == ["wallet"]
    assert verdict(wallet).result is Verdict.OTHER_PAYMENT
    assert verdict(OWN, WEBSITE).result is Verdict.MATCH


def test_a_payment_code_the_registry_cannot_vouch_for_is_a_warning_and_is_named():
    found = verdict(OWN, QRPUSH, MERCHANT_QR, WEBSITE)
    assert found.warning
    assert [c.to_dict() for c in found.suspects] == [
        {"verdict": "other_payment", "kind": "napas_qrpush", "bin": "970422", "bank": "MBBank",
         "account": "•••• CH01", "old_account": False},
        {"verdict": "other_payment", "kind": "vnpay", "bin": None, "bank": None,
         "account": None, "old_account": False}]


def test_the_owners_own_qr_in_lowercase_is_the_account_registered_in_capitals():
    # Registration keeps letters of an account in capitals (text.normalize_account); the
    # owner's banking app may show the same account in lowercase.
    lower = payment_code(tlv("00", "01"), tlv("01", "11"),
                         napas(tlv("00", "970422") + tlv("01", "vqrq0000abcd"), "QRIBFTTA"),
                         tlv("53", "704"), tlv("58", "VN"))
    assert parse(lower).valid
    assert parse(lower).account == "vqrq0000abcd"
    found = judge([parse(lower)], current=("970422", "VQRQ0000ABCD"))
    assert found.result is Verdict.MATCH
    assert judge([parse(lower)], current=CURRENT, old={("970422", "VQRQ0000ABCD")}
                 ).result is Verdict.OLD_ACCOUNT


def test_the_current_account_on_a_revoked_poster_is_a_warning_but_foreign_wins():
    assert verdict(OWN, revoked=True).result is Verdict.REVOKED_POSTER
    assert verdict(OWN, revoked=True).warning
    assert verdict(OWN, FOREIGN, revoked=True).result is Verdict.FOREIGN


def test_the_warning_names_bank_masked_account_and_whether_it_is_an_old_account():
    found = verdict(OWN, OLD, FOREIGN)
    assert [c.to_dict() for c in found.suspects] == [
        {"verdict": "old_account", "kind": "vietqr_account", "bin": "970422", "bank": "MBBank",
         "account": "•••• 6789", "old_account": True},
        {"verdict": "foreign", "kind": "vietqr_account", "bin": "970415", "bank": "VietinBank",
         "account": "•••• 3210", "old_account": False}]
    assert "0868123456789" not in str(found.to_dict())


@pytest.mark.parametrize("scene", list(fraud_scenes(OWN, OLD)), ids=lambda s: s.name)
def test_every_photo_of_the_set_gives_its_warning(scene):
    found = [d.parsed for d in decode_bytes(scene.jpeg)]
    assert judge(found, current=CURRENT, old=PAST).result.value == scene.expected
