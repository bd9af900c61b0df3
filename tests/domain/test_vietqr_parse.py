"""Parsing: every error the parser names, unknown tags, and input that is not a QR payload."""

import json

import pytest

from merchant_onboard.domain.banks import BankRegistry
from merchant_onboard.domain.vietqr import ERROR_MESSAGES, WARNING_MESSAGES, ParsedQR, parse

CANONICAL = ("00020101021138570010A00000072701270006970403011300110123456780208QRIBFTTA"
             "53037045802VN63049E6F")


def test_to_dict_is_json_ready_with_the_documented_keys():
    result = parse(CANONICAL).to_dict()
    assert list(result) == ["valid", "kind", "bin", "bank", "bank_name", "account", "service",
                            "amount", "purpose", "initiation", "errors", "warnings"]
    assert json.loads(json.dumps(result)) == result
    assert result["bank_name"] == "Ngân hàng TMCP Sài Gòn Thương Tín"


def test_raw_top_level_tags_are_kept():
    tags = parse(CANONICAL).tags
    assert list(tags) == ["00", "01", "38", "53", "58", "63"]
    assert tags["63"] == "9E6F"


@pytest.mark.parametrize("text", ["", "hello", "https://chovithanh.gov.vn/momo.vn", "0", "000",
                                  "1234567890", "\x00\x00", "ĐĐĐĐ", " " + CANONICAL,
                                  "https://momo.vn.example.com/pay", "http://[::1", "2|98|x"])
def test_text_that_is_not_an_emv_payload(text):
    result = parse(text)
    assert (result.valid, result.kind, result.errors) == (False, "not_emv", ("not_emv",))


@pytest.mark.parametrize("text", [
    "2|99|0901234567|NGUYEN VAN A||0|0|0||transfer_myqr",  # MoMo's personal QR
    "https://nhantien.momo.vn/0901234567", "https://me.momo.vn/abc", "HTTPS://ME.MOMO.VN/x",
    "https://social.zalopay.vn/mt-gateway/v1/private-qr?data=x", "momo://app?action=pay",
    "https://qr.zalopay.com.vn/x", "https://shopeepay.vn/u/x", "  https://momo.vn/pay  ",
])
def test_an_e_wallets_payment_code_is_named_a_wallets_not_plain_text(text):
    """A MoMo or ZaloPay code takes money outside EMVCo: the fraud check called one stuck
    beside a stall's poster "a website" and the poster "the right account"."""
    result = parse(text)
    assert (result.valid, result.kind, result.errors) == (False, "wallet", ("not_emv",))
    assert parse(text + "x" * 4300).kind == "not_emv", "judged within a QR's bound only"


@pytest.mark.parametrize("value", [None, 42, b"000201"])
def test_non_strings_do_not_raise(value):
    assert parse(value).kind == "not_emv"


def test_crc_is_compared_case_insensitively():
    assert parse(CANONICAL[:-4] + "9e6f").valid


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        (CANONICAL[:-1] + "E", "crc_mismatch"),
        (CANONICAL[:-4] + "ZZZZ", "crc_mismatch"),
        (CANONICAL[:-4] + "+E6F", "crc_mismatch"),
        (CANONICAL[:-8], "missing_crc"),
        (CANONICAL[:-8] + "6303E6F", "bad_crc"),
        (CANONICAL[:-2], "truncated_tlv"),
        (CANONICAL[:30], "truncated_tlv"),
        (CANONICAL + "\n", "truncated_tlv"),
        ("0002", "truncated_tlv"),
        ("000201010211xx04", "bad_tag"),
        ("00020101021138005802VN", "bad_length"),
        ("00020101021138x1abc", "bad_length"),
    ],
)
def test_structural_damage_is_named(payload, error):
    result = parse(payload)
    assert not result.valid
    assert error in result.errors


def test_crc_not_last(seal, napas_38):
    payload = seal("000201010211" + napas_38() + "53037045802VN") + "6002HN"
    assert "crc_not_last" in parse(payload).errors


def test_duplicate_tag(seal, napas_38):
    result = parse(seal("000201010211" + napas_38() + "530370453037045802VN"))
    assert result.errors == ("duplicate_tag",)  # the CRC itself is right


@pytest.mark.parametrize(
    ("middle", "error"),
    [
        ("53038405802VN", "wrong_currency"),
        ("5802VN", "missing_currency"),
        ("53037045802US", "wrong_country"),
        ("5303704", "missing_country"),
        ("53037045406100.505802VN", "bad_amount"),
        ("530370454010" + "5802VN", "bad_amount"),
        ("53037045414" + "1" * 14 + "5802VN", "bad_amount"),
        ("53037045802VN6205ABCDE", "bad_additional_data"),
    ],
)
def test_vnd_rules_are_checked(seal, napas_38, middle, error):
    result = parse(seal("000201010211" + napas_38() + middle))
    assert result.errors == (error,)
    assert result.kind == "vietqr_account"


@pytest.mark.parametrize(
    ("tag38", "error", "kind"),
    [
        ("0010A00000072701270006970403011300110123456780208QRIBFTTB", "unknown_service",
         "other_emv"),
        ("0010A0000007270127000697040301130011012345678", "missing_service", "vietqr_account"),
        ("0010A0000007270208QRIBFTTA", "missing_beneficiary", "vietqr_account"),
        ("0010A00000072701150113001101234567802" + "08QRIBFTTA", "missing_bin", "vietqr_account"),
        ("0010A00000072701100006970403" + "0208QRIBFTTA", "missing_account", "vietqr_account"),
        ("0010A00000072701270006ABCDEF011300110123456780208QRIBFTTA", "bad_bin",
         "vietqr_account"),
        ("0010A00000072701270006970403011300110-2345678" + "0208QRIBFTTA", "bad_account",
         "vietqr_account"),
        ("0010A0000007270134000697040301200011012345678901234567" + "0208QRIBFTTA",
         "bad_account", "vietqr_account"),
        ("0010A00000072701270006970403011300110123456780208QRIBFTTC", "bad_card_number",
         "vietqr_card"),
        ("0010A00000072801270006970403011300110123456780208QRIBFTTA", "bad_guid", "other_emv"),
        ("0010A0000007270115000697040301130" + "0208QRIBFTTA", "bad_beneficiary", "vietqr_account"),
        ("0010A00000072701270006970403011300110123456780208QRIBFTTA99", "bad_tag_38",
         "vietqr_account"),
    ],
)
def test_merchant_account_information_is_checked(seal, tlv, tag38, error, kind):
    result = parse(seal("000201010211" + tlv("38", tag38) + "53037045802VN"))
    assert error in result.errors
    assert not result.valid
    assert result.kind == kind


def test_unknown_bin_is_read_with_a_warning_and_no_bank_name(seal, napas_38):
    # A bank newer than the shipped list: refusing it would block a real registration.
    result = parse(seal("000201010211" + napas_38(bin="970499") + "53037045802VN"))
    assert (result.valid, result.bin, result.bank) == (True, "970499", None)
    assert (result.errors, result.warnings) == ((), ("unknown_bin",))


@pytest.mark.parametrize(("middle", "amount", "purpose", "warning"), [
    ("53037045405500005802VN", 50000, None, None),
    ("5303704540650000.5802VN", 50000, None, "amount_trailing_dot"),
    ("53037045802VN62300826" + "A" * 26, None, "A" * 26, "purpose_too_long"),
])
def test_what_bank_apps_print_is_read_with_a_warning(seal, napas_38, middle, amount, purpose,
                                                     warning):
    result = parse(seal("000201010212" + napas_38() + middle))
    assert result.valid and result.errors == ()
    assert (result.amount, result.purpose) == (amount, purpose)
    assert result.warnings == ((warning,) if warning else ())
    assert result.to_dict()["warnings"] == list(result.warnings)


@pytest.mark.parametrize("amount", ["50000..", ".", "5.0", "0.", "1" * 13 + "."])
def test_other_dotted_amounts_stay_errors(seal, napas_38, amount):
    middle = "530370454" + f"{len(amount):02d}" + amount + "5802VN"
    assert parse(seal("000201010212" + napas_38() + middle)).errors == ("bad_amount",)


def test_a_bin_known_to_a_newer_registry_is_accepted(seal, napas_38):
    registry = BankRegistry.from_text("bin,code,short_name,name\n970499,NEW,NewBank,Mới\n")
    result = parse(seal("000201010211" + napas_38(bin="970499") + "53037045802VN"), registry)
    assert result.valid and result.bank.short_name == "NewBank"


def test_initiation_is_named_and_checked(seal, napas_38):
    assert parse(seal("000201010212" + napas_38() + "53037045802VN")).initiation == "dynamic"
    result = parse(seal("000201010213" + napas_38() + "53037045802VN"))
    assert (result.initiation, result.errors) == (None, ("bad_initiation",))
    assert parse(seal("000201" + napas_38() + "53037045802VN")).errors == ("missing_initiation",)


def test_payload_format_indicator_must_be_01(seal, napas_38):
    assert "bad_payload_format" in parse(seal("000202010211" + napas_38() + "53037045802VN")).errors


def test_unknown_tags_are_kept_and_not_fatal(seal, napas_38, tlv):
    payload = seal("000201010211" + napas_38() + "53037045802VN" + tlv("64", "0002VI")
                   + tlv("62", tlv("05", "REF123") + tlv("50", "X")) + tlv("80", "ABC")
                   + tlv("99", "zz"))
    result = parse(payload)
    assert result.valid, result.errors
    assert (result.tags["80"], result.tags["99"], result.tags["64"]) == ("ABC", "zz", "0002VI")


def test_emv_qr_without_any_merchant_account_lacks_tag_38(seal):
    result = parse(seal("00020101021153037045802VN"))
    assert (result.kind, result.errors) == ("other_emv", ("missing_tag_38",))


def test_other_schemes_are_other_emv_and_not_checked_for_vnd(seal, tlv):
    result = parse(seal("000201010211" + tlv("02", "4111111111111111") + "53038405802US"))
    assert result.valid and result.kind == "other_emv"


def test_vnpay_outside_tag_26_is_still_recognised(seal, tlv):
    payload = seal("000201010211" + tlv("27", "0010A000000775" + tlv("01", "MID1"))
                   + "53037045802VN")
    assert parse(payload).kind == "vnpay"


def test_more_than_a_qr_code_can_hold_is_not_read():
    result = parse("000201" + "0101A" * 200_000)
    assert (result.valid, result.errors) == (False, ("too_long",))


def test_many_elements_are_walked_without_recursion(seal, napas_38):
    result = parse(seal("000201010211" + napas_38() + "53037045802VN" + "6401A" * 800))
    assert result.errors == ("duplicate_tag", "too_long")


def test_a_payload_of_non_ascii_characters_is_parsed_by_characters(seal, napas_38, tlv):
    memo = tlv("62", tlv("08", "Tiền"))
    result = parse(seal("000201010211" + napas_38() + "53037045802VN" + memo))
    assert result.valid and result.purpose == "Tiền"


def test_lone_surrogates_do_not_raise():
    assert not parse("000201" + "\udcff" * 10).valid


def test_every_error_code_has_a_vietnamese_message():
    assert all(ERROR_MESSAGES.values())
    codes = {"not_emv", "crc_mismatch", "bad_length", "truncated_tlv", "wrong_currency",
             "missing_tag_38"}
    assert codes <= set(ERROR_MESSAGES)
    assert set(WARNING_MESSAGES) == {"unknown_bin", "purpose_too_long", "amount_trailing_dot"}
    assert all(WARNING_MESSAGES.values())


def test_parsed_qr_is_immutable():
    result = parse(CANONICAL)
    assert isinstance(result, ParsedQR)
    with pytest.raises(AttributeError):
        result.valid = False  # type: ignore[misc]
