"""The edges of the VietQR reader and builder: the ends of each range the standard sets (tags
26–51 for a VNPAY template, 16–19 digits for a card, a one-digit amount printed with a dot),
templates missing a part, and input of the wrong type. Found by mutation testing
(tests/MUTATION.md)."""

from __future__ import annotations

import pytest

from merchant_onboard.domain.vietqr import build_payload, build_reporting, parse


@pytest.mark.parametrize(("tag", "kind"), [("25", "other_emv"), ("26", "vnpay"), ("51", "vnpay"),
                                         ("52", "other_emv")])
def test_a_vnpay_template_is_read_in_tags_26_to_51(seal, tlv, tag, kind):
    payload = seal("000201010211" + tlv(tag, "0010A000000775" + tlv("01", "MID1"))
                   + "53037045802VN")
    assert parse(payload).kind == kind


def test_a_merchant_template_without_an_identifier_is_other_emv(seal, tlv):
    """A template (26) that names no scheme (no sub-tag 00) is read, not a crash."""
    result = parse(seal("000201010211" + tlv("26", tlv("01", "MID1")) + "53037045802VN"))
    assert (result.valid, result.kind) == (True, "other_emv")


@pytest.mark.parametrize(("digits", "valid"), [(15, False), (16, True), (19, True), (20, False)])
def test_a_card_number_is_16_to_19_digits(seal, napas_38, digits, valid):
    result = parse(seal("000201010211" + napas_38(account="9" * digits, service="QRIBFTTC")
                        + "53037045802VN"))
    assert result.valid is valid
    assert result.errors == (() if valid else ("bad_card_number",))


def test_a_one_digit_amount_with_a_dot_is_read_with_a_warning(seal, napas_38):
    result = parse(seal("000201010212" + napas_38() + "53037045402" + "5." + "5802VN"))
    assert (result.valid, result.amount, result.warnings) == (True, 5,
                                                              ("amount_trailing_dot",))


@pytest.mark.parametrize("purpose", [12345, 3.5, ["TIEN RAU"]])
def test_a_purpose_that_is_not_text_is_left_out(purpose):
    built = build_reporting(bank="970403", account="0011012345678", purpose=purpose)
    assert built.payload == build_payload(bank="970403", account="0011012345678")
    assert built.changes == ()


@pytest.mark.parametrize("bin_", ["97040", "9704030", "97O403"])
def test_a_bin_is_exactly_six_digits(seal, napas_38, bin_):
    result = parse(seal("000201010211" + napas_38(bin=bin_) + "53037045802VN"))
    assert (result.valid, result.errors, result.bin) == (False, ("bad_bin",), bin_)
    # A malformed BIN is an error, not a bank newer than the list.
    assert result.warnings == ()


@pytest.mark.parametrize(("purpose", "warnings"), [
    ("TIEN RAU", ()), ("A" * 25, ()), ("A" * 26, ("purpose_too_long",))])
def test_a_transfer_memo_over_25_characters_is_read_with_a_warning(seal, napas_38, tlv,
                                                                   purpose, warnings):
    result = parse(seal("000201010212" + napas_38() + "53037045802VN"
                        + tlv("62", tlv("08", purpose))))
    assert (result.valid, result.purpose, result.warnings) == (True, purpose, warnings)


def test_a_long_memo_of_a_foreign_scheme_is_none_of_napas_business(seal, tlv):
    result = parse(seal("000201010211" + tlv("02", "4111111111111111") + "53038405802US"
                        + tlv("62", tlv("08", "A" * 40))))
    assert (result.kind, result.purpose, result.warnings) == ("other_emv", "A" * 40, ())


@pytest.mark.parametrize(("templates", "errors"), [
    (("02",), ()), (("51",), ()), ((), ("missing_tag_38",))])
def test_a_merchant_account_template_is_any_of_tags_02_to_51(seal, tlv, templates, errors):
    """EMVCo MPM: a payload needs one merchant account template, 02–51 (38 for VietQR)."""
    foreign = "".join(tlv(tag, "0010A000000999" + tlv("01", "MID1")) for tag in templates)
    result = parse(seal("000201010211" + foreign + "53037045802VN"))
    assert (result.kind, result.errors) == ("other_emv", errors)


@pytest.mark.parametrize(("length", "read"), [(4296, True), (4297, False)])
def test_text_up_to_what_a_qr_code_holds_is_read_through(seal, napas_38, length, read):
    """4,296 characters is the most a QR code holds (version 40, alphanumeric): such a text
    is read and told too long; anything longer is not read at all."""
    head = "000201010211" + napas_38() + "53037045802VN"
    filler = "6401A" * ((length - len(head) - 8) // 5)
    payload = seal(head + filler + "X" * ((length - len(head) - 8) % 5))
    assert len(payload) == length
    result = parse(payload)
    if read:
        assert (result.kind, result.bin) == ("vietqr_account", "970403")
        assert "too_long" in result.errors and len(result.errors) > 1
    else:
        assert (result.valid, result.kind, result.bin, result.errors) == \
            (False, "other_emv", None, ("too_long",))


@pytest.mark.parametrize(("tag38", "error"), [
    ("ZZZZ", "bad_tag_38"),  # not TLV at all: nothing to name a scheme by
    ("0010A00000072", "bad_tag_38"),  # the identifier itself cut short
    ("0010A000000999", "bad_guid"),  # well formed, another scheme's identifier
])
def test_a_broken_napas_template_is_told_from_a_foreign_one(seal, tlv, tag38, error):
    result = parse(seal("000201010211" + tlv("38", tag38) + "53037045802VN"))
    assert (result.kind, result.errors) == ("other_emv", (error,))


@pytest.mark.parametrize("cut", ["0002", "00020"])
def test_a_payload_cut_inside_its_format_tag_is_said_cut_not_of_another_format(cut):
    assert parse(cut).errors == ("truncated_tlv", "missing_crc", "missing_tag_38")


@pytest.mark.parametrize(("length", "too_long"), [(512, False), (513, True)])
def test_a_payload_may_be_512_characters_long(seal, napas_38, tlv, length, too_long):
    """EMVCo MPM's limit, counted with the CRC; unknown templates (80–99) fill it up."""
    head = "000201010211" + napas_38() + "53037045802VN"
    filler, room = "", length - len(head) - 8  # 8: "6304" and the CRC
    for tag in ("80", "81", "82", "83", "84", "85"):
        if room >= 5:
            value = "X" * min(99, room - 4)
            filler, room = filler + tlv(tag, value), room - 4 - len(value)
    payload = seal(head + filler)
    assert len(payload) == length
    result = parse(payload)
    assert result.errors == (("too_long",) if too_long else ())


def test_text_with_a_lone_surrogate_is_read_and_its_crc_checked(napas_38, tlv):
    """Bytes a decoder could not read as UTF-8 reach the parser as lone surrogates
    (``surrogateescape``): the CRC is computed over them too, and a wrong one is said, not
    raised."""
    body = ("000201010212" + napas_38() + "53037045802VN" + tlv("62", tlv("08", "TIEN\udc80RAU"))
            + "6304")
    result = parse(body + "0000")
    assert (result.kind, result.purpose, result.errors) == \
        ("vietqr_account", "TIEN\udc80RAU", ("crc_mismatch",))
