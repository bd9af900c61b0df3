"""The poster's verification code: random, short enough to type, read back unambiguously.

The test-payment memo is built from it (``event_data.memo_code``).
"""

from __future__ import annotations

import secrets
import unicodedata

# Crockford's base 32: no I, L, O or U, so a code read off a poster is typed back unambiguously.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})

#: 8 symbols = 40 bits: far too many to guess by walking /v/…, short enough to type.
PUBLIC_CODE_LENGTH = 8


def new_public_code() -> str:
    """A fresh random verification code, stored without separators."""
    return "".join(secrets.choice(ALPHABET) for _ in range(PUBLIC_CODE_LENGTH))


def format_public_code(code: str) -> str:
    """Show a code in two groups for reading aloud: ``K7P2-QX9M``."""
    return f"{code[:4]}-{code[4:]}" if len(code) == PUBLIC_CODE_LENGTH else code


def normalize_public_code(typed: str) -> str:
    """Turn what a person typed (lowercase, dashes, O for 0, a phone keyboard's full-width
    "９３") into the stored form."""
    cleaned = "".join(ch for ch in unicodedata.normalize("NFKC", typed).upper() if ch.isalnum())
    return cleaned.translate(_READ_AS)
