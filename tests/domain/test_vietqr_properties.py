"""Properties: build → parse round-trips; parse never raises; a damaged payload never passes."""

import string

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from merchant_onboard.domain.banks import default_registry
from merchant_onboard.domain.text import fold_holder_name
from merchant_onboard.domain.vietqr import build_payload, parse

SETTINGS = settings(max_examples=300, deadline=None)
BANKS = list(default_registry())

bank_and_query = st.sampled_from(BANKS).flatmap(
    lambda b: st.tuples(st.just(b), st.sampled_from([b.bin, b.code, b.short_name,
                                                     b.short_name.lower()]))
)
accounts = st.text(string.digits + string.ascii_uppercase, min_size=1, max_size=19)
cards = st.text(string.digits, min_size=16, max_size=19)
amounts = st.none() | st.integers(1, 10**13 - 1)
purposes = st.none() | st.text(max_size=40).filter(lambda p: len(fold_holder_name(p)) <= 25)


@st.composite
def transfers(draw) -> dict:
    """Any valid input to build_payload, with the fields a parse must give back."""
    bank, query = draw(bank_and_query)
    card = draw(st.booleans())
    account = draw(cards if card else accounts)
    amount = draw(amounts)
    purpose = draw(purposes)
    return {
        "kwargs": {"bank": query, "account": account, "card": card, "amount": amount,
                   "purpose": purpose},
        "expected": {
            "bin": bank.bin, "bank": bank, "account": account,
            "kind": "vietqr_card" if card else "vietqr_account",
            "service": "QRIBFTTC" if card else "QRIBFTTA",
            "amount": amount, "purpose": (fold_holder_name(purpose) or None) if purpose else None,
            "initiation": "dynamic" if amount else "static",
        },
    }


def fields(result) -> dict:
    return {k: getattr(result, k) for k in ("bin", "bank", "account", "kind", "service", "amount",
                                            "purpose", "initiation")}


@given(transfers())
@SETTINGS
def test_build_then_parse_round_trips(case):
    result = parse(build_payload(**case["kwargs"]))
    assert result.valid, result.errors
    assert fields(result) == case["expected"]


@given(st.text(max_size=300))
@SETTINGS
@example("000201")
@example("00020101021138")
@example("0002010102113899" + "0" * 200)
def test_parse_never_raises_on_text(text):
    result = parse(text)
    assert result.valid == (not result.errors)


@given(st.binary(max_size=300))
@SETTINGS
def test_parse_never_raises_on_random_bytes(data):
    parse(data.decode("latin-1"))
    parse(b"000201".decode() + data.decode("latin-1"))


@given(st.text(string.digits + string.ascii_uppercase + " ", max_size=200))
@SETTINGS
def test_parse_never_raises_on_emv_like_text(tail):
    parse("000201" + tail)


mutation_chars = st.characters(codec="utf-8") | st.sampled_from(string.hexdigits + "VNQRIBFT")


@st.composite
def mutations(draw) -> tuple[str, str]:
    """A valid payload and a copy with one character substituted, inserted or deleted."""
    original = build_payload(**draw(transfers())["kwargs"])
    index = draw(st.integers(0, len(original) - 1))
    char = draw(mutation_chars)
    operation = draw(st.sampled_from(["substitute", "insert", "delete"]))
    if operation == "substitute":
        mutated = original[:index] + char + original[index + 1:]
    elif operation == "insert":
        mutated = original[:index] + char + original[index:]
    else:
        mutated = original[:index] + original[index + 1:]
    return original, mutated


@given(mutations())
@settings(max_examples=600, deadline=None)
def test_a_mutation_is_never_valid_with_the_original_fields(pair):
    original, mutated = pair
    # Changing the case of a CRC hex digit is the same payload: parsers accept lowercase.
    assume(mutated[:-4] != original[:-4] or mutated[-4:].upper() != original[-4:].upper())
    result = parse(mutated)
    assert not (result.valid and fields(result) == fields(parse(original)))
