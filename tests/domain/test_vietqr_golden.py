"""Golden vectors: NAPAS spec examples and the QR shapes a volunteer meets in a market.

Every CRC below was computed with vietnam-qr-pay's own CRC table (an implementation independent
of ours) and frozen here. Two of them are published values that anchor the CRC itself: the NAPAS
dynamic example ends in 2E2E and the widely cited Thai PromptPay example ends in 8956.

Bank and wallet vectors reproduce the layouts those apps emit (MoMo and ZaloPay transfer to
Bản Việt virtual accounts, MoMo adds 62/05 and tag 80, VNPAY-QR uses tag 26); account numbers
are made up.
"""

import pytest

from merchant_onboard.domain.vietqr import (
    build_payload,
    crc16_ccitt_false,
    is_transfer,
    parse,
)

CANONICAL = ("00020101021138570010A00000072701270006970403011300110123456780208QRIBFTTA"
             "53037045802VN63049E6F")

#: (name, payload, expected fields); fields not listed must be None.
GOLDEN = [
    # NAPAS: static transfer to an account (DESIGN.md §4, the poster's canonical form).
    ("napas_static_account", CANONICAL,
     {"kind": "vietqr_account", "bin": "970403", "bank": "Sacombank", "account": "0011012345678",
      "service": "QRIBFTTA", "initiation": "static"}),
    # NAPAS: dynamic transfer with amount, bill number (62/01) and a lowercase purpose.
    ("napas_dynamic_account",
     "00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA5303704540618"
     "00005802VN62340107NPS68690819thanh toan don hang63042E2E",
     {"kind": "vietqr_account", "bin": "970403", "bank": "Sacombank", "account": "0011012345678",
      "service": "QRIBFTTA", "amount": 180000, "purpose": "thanh toan don hang",
      "initiation": "dynamic"}),
    # NAPAS: static transfer to a card (QRIBFTTC, 16-digit card number).
    ("napas_static_card",
     "00020101021138600010A00000072701300006970403011697040311012345670208QRIBFTTC53037045802VN"
     "63044F52",
     {"kind": "vietqr_card", "bin": "970403", "bank": "Sacombank", "account": "9704031101234567",
      "service": "QRIBFTTC", "initiation": "static"}),
    # Vietcombank app, 10-digit account; CRC 0x0729 needs its zero pad.
    ("vietcombank_crc_below_0x1000",
     "00020101021138540010A00000072701240006970436011010123456120208QRIBFTTA53037045802VN"
     "63040729",
     {"kind": "vietqr_account", "bin": "970436", "bank": "Vietcombank", "account": "1012345612",
      "service": "QRIBFTTA", "initiation": "static"}),
    # Some bank apps write the CRC in lowercase hex.
    ("mbbank_lowercase_crc",
     "00020101021138570010A00000072701270006970422011308681234567890208QRIBFTTA53037045802VN"
     "6304aeeb",
     {"kind": "vietqr_account", "bin": "970422", "bank": "MBBank", "account": "0868123456789",
      "service": "QRIBFTTA", "initiation": "static"}),
    ("acb_dynamic_with_purpose",
     "00020101021238520010A000000727012200069704160108123456780208QRIBFTTA53037045405500005802VN"
     "62110807MUA RAU630450FC",
     {"kind": "vietqr_account", "bin": "970416", "bank": "ACB", "account": "12345678",
      "service": "QRIBFTTA", "amount": 50000, "purpose": "MUA RAU", "initiation": "dynamic"}),
    ("agribank_static_with_purpose",
     "00020101021138570010A00000072701270006970405011315002051234560208QRIBFTTA53037045802VN"
     "62200816TIEN CHO THANG 56304DEED",
     {"kind": "vietqr_account", "bin": "970405", "bank": "Agribank", "account": "1500205123456",
      "service": "QRIBFTTA", "purpose": "TIEN CHO THANG 5", "initiation": "static"}),
    # Merchant name and city (59/60) are optional extras some apps add.
    ("techcombank_with_name_and_city",
     "00020101021138580010A000000727012800069704070114190365123450170208QRIBFTTA53037045802VN"
     "5912NGUYEN VAN A6006HA NOI6304B403",
     {"kind": "vietqr_account", "bin": "970407", "bank": "Techcombank",
      "account": "19036512345017", "service": "QRIBFTTA", "initiation": "static"}),
    # MoMo: alphanumeric virtual account at Bản Việt, reference in 62/05 and an extra tag 80.
    ("momo_wallet",
     "00020101021138620010A00000072701320006970454011899MM24013M489775960208QRIBFTTA53037045802VN"
     "62190515MOMOW2W4897759680030466304A927",
     {"kind": "vietqr_account", "bin": "970454", "bank": "VietCapitalBank",
      "account": "99MM24013M48977596", "service": "QRIBFTTA", "initiation": "static"}),
    ("zalopay_wallet_dynamic",
     "00020101021238620010A00000072701320006970454011899ZP24118M478912340208QRIBFTTA530370454052"
     "50005802VN62200816ZaloPay transfer63042677",
     {"kind": "vietqr_account", "bin": "970454", "bank": "VietCapitalBank",
      "account": "99ZP24118M47891234", "service": "QRIBFTTA", "amount": 25000,
      "purpose": "ZaloPay transfer", "initiation": "dynamic"}),
    # VNPAY-QR: merchant payment in tag 26, not a transfer to a person.
    ("vnpay_merchant",
     "00020101021126280010A0000007750110010531231452045411530370454061500005802VN5910CELLPHONES"
     "6005HANOI62140303CPS0703T0163041387",
     {"kind": "vnpay", "amount": 150000, "initiation": "static"}),
    # NAPAS QR Push (merchant payment via an acquirer); CRC 0x00B4 needs two zeros of pad.
    ("napas_qrpush_merchant",
     "00020101021138560010A000000727012800069704180114MCH123456789010206QRPUSH5204549953037045802VN"
     "5910PHO HA NOI6006HA NOI62090705POS01630400B4",
     {"kind": "napas_qrpush", "bin": "970418", "bank": "BIDV", "account": "MCH12345678901",
      "service": "QRPUSH", "initiation": "static"}),
    ("napas_qrcash_atm",
     "00020101021238500010A000000727012200069704360108ATM000120206QRCASH530370454065000005802VN"
     "62120708ATM0001263043A51",
     {"kind": "napas_qrcash", "bin": "970436", "bank": "Vietcombank", "account": "ATM00012",
      "service": "QRCASH", "amount": 500000, "initiation": "dynamic"}),
    # Thai PromptPay: a well-formed EMV QR of another scheme.
    ("promptpay_other_emv",
     "00020101021129370016A000000677010111011300660000000005802TH530376463048956",
     {"kind": "other_emv", "initiation": "static"}),
]

FIELDS = ("kind", "bin", "bank", "account", "service", "amount", "purpose", "initiation")


@pytest.mark.parametrize(("name", "payload", "expected"), GOLDEN, ids=[g[0] for g in GOLDEN])
def test_golden_vector_parses_to_its_fields(name, payload, expected):
    result = parse(payload).to_dict()
    assert result["valid"] is True, result["errors"]
    assert result["errors"] == []
    assert {k: result[k] for k in FIELDS} == {k: expected.get(k) for k in FIELDS}


@pytest.mark.parametrize(("name", "payload", "expected"), GOLDEN, ids=[g[0] for g in GOLDEN])
def test_only_vietqr_transfers_count_as_transfers(name, payload, expected):
    assert is_transfer(parse(payload)) == (expected["kind"] in ("vietqr_account", "vietqr_card"))


def test_crc_is_ccitt_false_with_its_published_check_value():
    assert crc16_ccitt_false(b"123456789") == 0x29B1
    assert crc16_ccitt_false(b"") == 0xFFFF


def test_design_example_is_what_we_build():
    assert build_payload(bank="970403", account="0011012345678") == CANONICAL


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"bank": "970403", "account": "9704031101234567", "card": True}, "napas_static_card"),
        ({"bank": "VCB", "account": "1012345612"}, "vietcombank_crc_below_0x1000"),
        ({"bank": "ACB", "account": "12345678", "amount": 50000, "purpose": "Mua rau"},
         "acb_dynamic_with_purpose"),
        ({"bank": "Agribank", "account": "1500205123456", "purpose": "Tiền chợ tháng 5"},
         "agribank_static_with_purpose"),
    ],
)
def test_builder_reproduces_golden_vectors(kwargs, name):
    payload = next(p for n, p, _ in GOLDEN if n == name)
    assert build_payload(**kwargs) == payload


def test_spec_typo_service_nested_in_beneficiary_is_not_taken_for_a_transfer():
    """One NAPAS figure draws 02 (service) inside 01; the spec means a sibling of 01.

    Built as intended, the example is CANONICAL (valid above). The typo'd layout, CRC and all,
    must not be accepted as a transfer: banks reject it.
    """
    typo = ("00020101021138570010A00000072701390006970403011300110123456780208QRIBFTTA"
            "53037045802VN6304C6A8")
    result = parse(typo)
    assert not result.valid
    assert "missing_service" in result.errors
    assert (result.bin, result.account) == ("970403", "0011012345678")
