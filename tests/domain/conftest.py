"""Fixtures shared by the domain tests."""

from collections.abc import Callable

import pytest

from merchant_onboard.domain.banks import BankRegistry, default_registry


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE written out bit by bit (poly 0x1021, init 0xFFFF, no reflection):
    the tests seal payloads with their own CRC, not with the engine's they are testing."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1) & 0xFFFF
    return crc


def _tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


@pytest.fixture
def tlv() -> Callable[[str, str], str]:
    """Encode one EMVCo element: ``tlv("58", "VN") == "5802VN"``."""
    return _tlv


@pytest.fixture
def seal() -> Callable[[str], str]:
    """Append ``6304`` and the right CRC: for payloads that are wrong on purpose elsewhere."""

    def seal(body: str) -> str:
        body += "6304"
        return body + f"{crc16_ccitt_false(body.encode('utf-8')):04X}"

    return seal


@pytest.fixture
def napas_38() -> Callable[..., str]:
    """Tag 38 for a NAPAS transfer: GUID, beneficiary (BIN + account) and service."""

    def napas_38(bin: str = "970403", account: str = "0011012345678",
                 service: str = "QRIBFTTA") -> str:
        beneficiary = _tlv("00", bin) + _tlv("01", account)
        return _tlv("38", "0010A000000727" + _tlv("01", beneficiary) + _tlv("02", service))

    return napas_38


@pytest.fixture
def registry() -> BankRegistry:
    return default_registry()
