"""Differential tests against vietnam-qr-pay, an independent VietQR implementation from PyPI."""

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merchant_onboard.domain.banks import default_registry
from merchant_onboard.domain.vietqr import build_payload, parse

peer = pytest.importorskip("vietnam_qr_pay")

SETTINGS = settings(max_examples=300, deadline=None)

bins = st.sampled_from([b.bin for b in default_registry()])
accounts = st.text(string.digits + string.ascii_uppercase, min_size=1, max_size=19)
cards = st.text(string.digits, min_size=16, max_size=19)
amounts = st.none() | st.integers(1, 10**13 - 1)
# Purposes already in NAPAS's form (A–Z, 0–9, single inner spaces) so both sides see the same text.
purposes = st.none() | st.from_regex(r"[A-Z0-9]{1,7}( [A-Z0-9]{1,7}){0,2}", fullmatch=True)


@st.composite
def transfers(draw) -> dict:
    card = draw(st.booleans())
    return {"bin": draw(bins), "account": draw(cards if card else accounts), "card": card,
            "amount": draw(amounts), "purpose": draw(purposes)}


def peer_build(case: dict) -> str:
    service = (peer.VietQRService.BY_CARD_NUMBER if case["card"]
               else peer.VietQRService.BY_ACCOUNT_NUMBER)
    qr = peer.QRPay.init_viet_qr(
        bank_bin=case["bin"], bank_number=case["account"], service=service,
        amount=None if case["amount"] is None else str(case["amount"]), purpose=case["purpose"],
    )
    return qr.build()


def ours_build(case: dict) -> str:
    return build_payload(bank=case["bin"], account=case["account"], card=case["card"],
                         amount=case["amount"], purpose=case["purpose"])


@given(transfers())
@SETTINGS
def test_peer_payloads_parse_to_the_same_fields_in_ours(case):
    result = parse(peer_build(case))
    assert result.valid, result.errors
    assert (result.bin, result.account, result.amount, result.purpose) == (
        case["bin"], case["account"], case["amount"], case["purpose"])
    assert result.service == ("QRIBFTTC" if case["card"] else "QRIBFTTA")


@given(transfers())
@SETTINGS
def test_our_payloads_parse_to_the_same_fields_in_the_peer(case):
    theirs = peer.QRPay(ours_build(case))
    assert theirs.is_valid
    assert (theirs.consumer.bank_bin, theirs.consumer.bank_number, theirs.provider.service) == (
        case["bin"], case["account"], "QRIBFTTC" if case["card"] else "QRIBFTTA")
    assert theirs.amount == (None if case["amount"] is None else str(case["amount"]))
    assert theirs.additional_data.purpose == case["purpose"]
    assert theirs.init_method == ("12" if case["amount"] else "11")


@given(transfers())
@SETTINGS
def test_both_build_the_same_string(case):
    assert ours_build(case) == peer_build(case)


@given(transfers(), st.integers(0, 200), st.sampled_from(string.digits + string.ascii_letters))
@settings(max_examples=200, deadline=None)
def test_a_corrupted_payload_is_rejected_by_both(case, index, char):
    payload = ours_build(case)
    index %= len(payload) - 4  # damage the body, where both check the CRC the same way
    corrupted = payload[:index] + char + payload[index + 1:]
    if corrupted == payload:
        return
    assert not parse(corrupted).valid
    try:
        theirs_valid = peer.QRPay(corrupted).is_valid
    except (ValueError, RecursionError):  # the peer raises on some damaged input; that is a no
        theirs_valid = False
    assert not theirs_valid
