"""The bank registry: the shipped list, look-ups by BIN, code and name, search, updatable CSV."""

import pytest

from merchant_onboard.domain import banks
from merchant_onboard.domain.banks import Bank, BankRegistry, default_registry


def test_shipped_list_has_every_napas_bank_with_a_six_digit_bin(registry):
    assert len(registry) == 66
    assert all(len(b.bin) == 6 and b.bin.isdigit() for b in registry)
    assert registry.by_bin("970436") == Bank(
        bin="970436", code="VCB", short_name="Vietcombank",
        name="Ngân hàng TMCP Ngoại Thương Việt Nam", aliases=("Ngoại Thương",),
    )


def test_names_are_stored_in_nfc(registry):
    import unicodedata

    assert all(unicodedata.is_normalized("NFC", b.name) for b in registry)


@pytest.mark.parametrize(
    ("query", "bin"),
    [
        ("970403", "970403"),
        ("STB", "970403"),
        ("sacombank", "970403"),
        ("  Sacombank ", "970403"),
        ("icb", "970415"),
        ("VietinBank", "970415"),
        ("ibk - hn", "970455"),
        ("IBKHN", "970455"),
        ("nhb hn", "801011"),
        ("MoMo", "971025"),
        ("ngân hàng tmcp á châu", "970416"),  # full name, accent- and case-insensitive
        ("NGAN HANG TMCP A CHAU", "970416"),
    ],
)
def test_lookup_resolves_bin_code_and_short_name(registry, query, bin):
    bank = registry.lookup(query)
    assert bank is not None and bank.bin == bin


@pytest.mark.parametrize("query", ["", "   ", "999999", "nobank", "9704"])
def test_lookup_unknown_is_none(registry, query):
    assert registry.lookup(query) is None


def test_bin_wins_over_a_code_that_collides():
    registry = BankRegistry.from_text(
        "bin,code,short_name,name\n"
        "970400,970401,Odd,Bank whose code looks like a BIN\n"
        "970401,REAL,Real,The bank with that BIN\n"
        "970402,DUP,First,First bank\n"
        "970403,DUP,Second,Second bank\n"
    )
    assert registry.lookup("970401").short_name == "Real"
    # Same code twice: a code never identifies a bank for sure; the first row is kept.
    assert registry.lookup("dup").short_name == "First"
    assert registry.lookup("second").bin == "970403"


def test_search_ranks_exact_then_prefix_then_substring(registry):
    found = registry.search("MB")
    assert [b.short_name for b in found[:2]] == ["MBBank", "MBV"]
    assert all("mb" in (b.code + b.short_name + b.name).lower() for b in found)
    assert len(registry.search("ngan hang", limit=5)) == 5
    assert {"970454", "963388"} <= {b.bin for b in registry.search("bản việt")}  # Timo by Ban Viet
    assert registry.search("zzzz") == []
    assert len(registry.search("")) == 10


def test_iteration_and_membership(registry):
    assert [b.bin for b in registry] == sorted(b.bin for b in registry)
    assert "970422" in registry and "000000" not in registry


def test_malformed_csv_is_a_loud_configuration_error():
    with pytest.raises(ValueError, match="BIN must be 6 digits"):
        BankRegistry.from_text("bin,code,short_name,name\n97040,X,X,X\n")
    with pytest.raises(ValueError, match="missing column"):
        BankRegistry.from_text("bin,code\n970403,STB\n")
    with pytest.raises(ValueError, match="duplicate BIN"):
        BankRegistry.from_text("bin,code,short_name,name\n970403,A,A,A\n970403,B,B,B\n")


def test_default_registry_reads_the_list_the_application_chose(tmp_path):
    newer = tmp_path / "banks.csv"
    newer.write_text("bin,code,short_name,name\n970499,NEWB,NewBank,Ngân hàng Mới\n",
                     encoding="utf-8")
    banks.use_bank_list(str(newer))
    try:
        registry = default_registry()
        assert len(registry) == 1 and registry.lookup("newbank").bin == "970499"
    finally:
        banks.use_bank_list(None)
    assert len(default_registry()) == 66


def test_default_registry_is_cached():
    assert default_registry() is default_registry()


@pytest.mark.parametrize(("typed", "bin_"), [
    ("BVBank", "970454"), ("Bản Việt", "970454"), ("ban viet", "970454"),
    ("LienVietPostBank", "970449"), ("DongA", "970406"), ("Đông Á", "970406"),
    # How people and census sheets name them: the brand without "Bank", a former name
    # (Maritime Bank, ViettelPay), the Vietnamese name's distinctive word.
    ("Shinhan", "970424"), ("Maritime Bank", "970426"), ("Hàng Hải", "970426"),
    ("ViettelPay", "971005"), ("Ngoại thương", "970436"), ("Công Thương", "970415"),
    # An alias never takes another bank's code: BVB is BaoVietBank's.
    ("BVB", "970438"),
])
def test_former_and_vietnamese_names_find_the_bank(typed, bin_):
    bank = default_registry().lookup(typed)
    assert bank is not None and bank.bin == bin_
    assert bin_ in [b.bin for b in default_registry().search(typed)]


@pytest.mark.parametrize(("typed", "short_name"), [
    ("vietin", "VietinBank"), ("Techcom", "Techcombank"), ("sacom", "Sacombank"),
    ("agri", "Agribank"), ("  SEAB ", "SeABank")])
def test_the_start_of_one_banks_name_is_that_bank(registry, typed, short_name):
    """"vietin", typed without picking the suggestion, was refused as no bank at all."""
    assert registry.by_prefix(typed).short_name == short_name


@pytest.mark.parametrize("typed", ["viet", "ng", "", "ngân hàng", "zzzz"])
def test_a_start_several_banks_share_or_none_has_is_no_bank(registry, typed):
    assert registry.by_prefix(typed) is None


def test_the_registration_takes_the_start_of_one_banks_name():
    from merchant_onboard.domain.registration import clean_account

    account = clean_account(bank="vietin", account_number="108002345678", owner_name="Lan")
    assert account.bank.short_name == "VietinBank"
