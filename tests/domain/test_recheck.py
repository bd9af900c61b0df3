"""The overlay-fraud verdict: every code read at a stall counts, the strongest warning wins."""

from __future__ import annotations

import pytest

from merchant_onboard.domain.decode import decode_bytes
from merchant_onboard.domain.recheck import Verdict, judge
from merchant_onboard.domain.vietqr import build_payload, parse
from tests.photoset import FOREIGN, fraud_scenes

OWN = build_payload(bank="970436", account="0011012345678")
OLD = build_payload(bank="970422", account="0868123456789")
CURRENT = ("970436", "0011012345678")
PAST = {("970422", "0868123456789")}
WEBSITE = "https://example.com/menu"


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
])
def test_any_transfer_code_that_is_not_the_current_account_decides(payloads, expected):
    assert verdict(*payloads).result is expected


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
