"""Real payloads made by other software (banks' and wallets' apps, other VietQR libraries),
as published in public code and documentation: our parser must read each one exactly.

Unlike the constructed vectors of test_vietqr_golden.py, nothing here was computed by us: the
CRCs (two of them lowercase, as some generators write them) are the originals.
"""

import pytest

from merchant_onboard.domain.vietqr import is_transfer, parse

VECTORS = [
    # MB Bank, static, lowercase CRC.
    ("00020101021138540010A00000072701240006970422011008129452690208QRIBFTTA53037045802VN"
     "6304d5f3",
     {"kind": "vietqr_account", "bin": "970422", "account": "0812945269", "amount": None,
      "initiation": "static"}),
    ("00020101021138540010A00000072701240006970422011099999991480208QRIBFTTA53037045802VN"
     "63047b49",
     {"kind": "vietqr_account", "bin": "970422", "account": "9999999148"}),
    # MB Bank virtual account with an amount and a memo, from a shop's checkout screen.
    ("00020101021238570010A000000727012700069704220113VQRQACLNP26800208QRIBFTTA530370454061000"
     "005802VN62270823Thanh toan don hang ABC6304CE4C",
     {"kind": "vietqr_account", "bin": "970422", "account": "VQRQACLNP2680", "amount": 100000,
      "purpose": "Thanh toan don hang ABC", "initiation": "dynamic"}),
    # BIDV virtual account issued by a payment collector, dynamic.
    ("00020101021238590010A000000727012900069704180115V3CAS62627239240208QRIBFTTA530370454063750"
     "005802VN62250821CSPZKHEL6A2 NTK O000463044729",
     {"kind": "vietqr_account", "bin": "970418", "account": "V3CAS6262723924", "amount": 375000,
      "purpose": "CSPZKHEL6A2 NTK O0004"}),
    # Techcombank, with a lowercase, slash-bearing memo.
    ("00020101021138510010A00000072701210006970407010797968680208QRIBFTTA53037045802VN62240820"
     "gen by sunary/vietqr6304BE74",
     {"kind": "vietqr_account", "bin": "970407", "account": "9796868",
      "purpose": "gen by sunary/vietqr"}),
    # MoMo wallets: transfers to BVBank virtual accounts, with 62/05 and sometimes tag 80.
    ("00020101021138620010A00000072701320006970454011899MM24196M872565990208QRIBFTTA53037045802VN"
     "62190515MOMOW2W8725659963045CFA",
     {"kind": "vietqr_account", "bin": "970454", "account": "99MM24196M87256599",
      "initiation": "static"}),
    # A "static" MoMo code that still carries an amount, as MoMo's app makes them.
    ("00020101021138620010A00000072701320006970454011899MM23327M586673350208QRIBFTTA530370454064"
     "660005802VN62190515MOMOW2W5866733580036866304DA1C",
     {"kind": "vietqr_account", "account": "99MM23327M58667335", "amount": 466000,
      "initiation": "static"}),
    # A MoMo merchant code: tag 26 "vn.momo" beside the NAPAS tag 38.
    ("00020101021226110007vn.momo38620010A00000072701320006970454011899MM25121O000000420208QRIBFT"
     "TA5303704540410005802VN62450515MMT5VjsnYzj97QR0822Thanh toan hop dong 196304EE49",
     {"kind": "vietqr_account", "account": "99MM25121O00000042", "amount": 1000,
      "purpose": "Thanh toan hop dong 19", "initiation": "dynamic"}),
    # ZaloPay: plain, and with its own tag 26 "vn.zalopay" and a merchant category.
    ("00020101021138620010A00000072701320006970454011899ZP24009M072482670208QRIBFTTA53037045802VN"
     "6304073C",
     {"kind": "vietqr_account", "bin": "970454", "account": "99ZP24009M07248267"}),
    ("00020101021126400010vn.zalopay0115rN4omo4IIXVKkVF020300238620010A00000072701320006970454011"
     "899ZP23356M058497860208QRIBFTTA5204739953037045802VN63046DF0",
     {"kind": "vietqr_account", "account": "99ZP23356M05849786"}),
    ("00020101021226520010vn.zalopay0106180005020300103178469866709256937538620010A0000007270132"
     "0006970454011899ZP24189O004232140208QRIBFTTA5204739953037045405500005802VN630411D4",
     {"kind": "vietqr_account", "account": "99ZP24189O00423214", "amount": 50000,
      "initiation": "dynamic"}),
    # VNPAY-QR merchant codes (tag 26): payments to an acquirer, not transfers to a person.
    ("00020101021226280010A000000775011003144389655204421453037045405150005802VN5906ILOGIC6003HCM"
     "6240010439670316ILOGIC OFFLINE 10708ILOGIC016304549C",
     {"kind": "vnpay", "amount": 15000, "initiation": "dynamic"}),
    ("00020101021126280010A000000775011001087990425204597753037045802VN5909MYPHAMHER6005HANOI"
     "62260311MY PHAM HER0707MPHER0163041C50",
     {"kind": "vnpay", "amount": None, "initiation": "static"}),
]


@pytest.mark.parametrize(("payload", "expected"), VECTORS)
def test_real_payload_reads_exactly(payload, expected):
    result = parse(payload)
    assert result.valid, result.errors
    assert result.errors == ()
    for name, value in expected.items():
        assert getattr(result, name) == value, name


@pytest.mark.parametrize(("payload", "expected"), VECTORS)
def test_only_bank_and_wallet_transfers_are_transfers(payload, expected):
    assert is_transfer(parse(payload)) == (expected["kind"] == "vietqr_account")
