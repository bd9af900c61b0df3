"""The bank registry: NAPAS member banks by BIN, code and short name, read from a CSV."""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from merchant_onboard.domain.text import fold_search, nfc

#: Environment variable naming a newer bank list, so it can be updated without a code change.
_COLUMNS = ("bin", "code", "short_name", "name")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Bank:
    """One bank as NAPAS knows it; ``bin`` is its identity, the rest is for people."""

    bin: str
    code: str
    short_name: str
    name: str
    #: Other names people type: former names after a rebrand (LienVietPostBank → LPBank), the
    #: Vietnamese name (Bản Việt), a short form (BVBank). The CSV's optional ``aliases``
    #: column, separated by ";".
    aliases: tuple[str, ...] = ()


def _key(s: str) -> str:
    """Fold a bank code or name for matching: "IBK - HN", "ibk hn" and "IBKHN" are one key."""
    return _NON_ALNUM.sub("", fold_search(s))


class BankRegistry:
    """An immutable list of banks with look-ups by BIN, code, short name and free text."""

    def __init__(self, banks: list[Bank]) -> None:
        self._banks = tuple(banks)
        self._by_bin: dict[str, Bank] = {}
        for bank in self._banks:
            if bank.bin in self._by_bin:
                raise ValueError(f"duplicate BIN {bank.bin} in the bank list")
            self._by_bin[bank.bin] = bank
        # Codes and short names collide between sources (and may in a newer CSV); BIN is the
        # identity, so the look-up order is BIN, then code, then short name, then full name,
        # and within one level the first row (lowest BIN in the shipped list) wins.
        self._by_key: dict[str, Bank] = {}
        for attr in ("code", "short_name", "name"):
            for bank in self._banks:
                self._by_key.setdefault(_key(getattr(bank, attr)), bank)
        for bank in self._banks:
            for alias in bank.aliases:
                self._by_key.setdefault(_key(alias), bank)
        self._haystacks = tuple(
            (bank, fold_search(" ".join((bank.bin, bank.code, bank.short_name, bank.name,
                                         *bank.aliases))),
             _key(bank.code + " " + bank.short_name))
            for bank in self._banks
        )

    @classmethod
    def from_csv(cls, path: str | Path) -> BankRegistry:
        """Read a registry from a CSV with the columns bin, code, short_name, name (UTF-8)."""
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return cls.from_text(fh.read(), source=str(path))

    @classmethod
    def from_text(cls, text: str, *, source: str = "<banks>") -> BankRegistry:
        """Read a registry from CSV text; a malformed row is a configuration error (ValueError)."""
        reader = csv.DictReader(io.StringIO(text))
        missing = [c for c in _COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise ValueError(f"{source}: missing column(s) {', '.join(missing)}")
        banks = []
        for line, row in enumerate(reader, start=2):
            values = {c: nfc(row[c] or "") for c in _COLUMNS}
            # NAPAS: the bank identifier in tag 38/01/00 is a 6-digit BIN.
            bin_ = values["bin"]
            if not (len(bin_) == 6 and bin_.isascii() and bin_.isdigit()):
                raise ValueError(f"{source}:{line}: BIN must be 6 digits, got {values['bin']!r}")
            if not values["code"] or not values["short_name"]:
                raise ValueError(f"{source}:{line}: code and short_name are required")
            aliases = tuple(a.strip() for a in nfc(row.get("aliases") or "").split(";")
                            if a.strip())
            banks.append(Bank(**values, aliases=aliases))
        return cls(banks)

    def by_bin(self, bin: str) -> Bank | None:
        """Return the bank with this exact 6-digit BIN, or None."""
        return self._by_bin.get(bin)

    def lookup(self, query: str) -> Bank | None:
        """Resolve a BIN, code or short name (case- and accent-insensitive) to one bank.

        A full name matches too, as the last resort. None when nothing matches.
        """
        query = query.strip()
        bank = self._by_bin.get(query)
        if bank is not None:
            return bank
        return self._by_key.get(_key(query)) if query else None

    def by_prefix(self, query: str) -> Bank | None:
        """The one bank whose code or short name starts with ``query`` ("vietin" is
        VietinBank), or None when none or several do ("viet"), or ``query`` is under 3
        letters."""
        compact = _key(query)
        if len(compact) < 3:
            return None
        found = {bank.bin: bank for bank in self._banks
                 if _key(bank.code).startswith(compact)
                 or _key(bank.short_name).startswith(compact)}
        return next(iter(found.values())) if len(found) == 1 else None

    def search(self, query: str, limit: int = 10) -> list[Bank]:
        """Banks whose BIN, code, short name or full name contains ``query`` (folded).

        The exact :meth:`lookup` match comes first, then matches at the start of the code or
        short name, then the rest, each in list order.
        """
        folded = fold_search(query)
        if not folded:
            return list(self._banks[:limit])
        compact = _key(query)
        exact = self.lookup(query)
        ranked: list[tuple[int, int, Bank]] = []
        for index, (bank, haystack, code_short) in enumerate(self._haystacks):
            if bank is exact:
                rank = 0
            elif compact and (_key(bank.code).startswith(compact)
                              or _key(bank.short_name).startswith(compact)):
                rank = 1
            elif folded in haystack or (compact and compact in code_short):
                rank = 2
            else:
                continue
            ranked.append((rank, index, bank))
        ranked.sort(key=lambda item: (item[0], item[1]))
        return [bank for _, _, bank in ranked[:limit]]

    def __iter__(self) -> Iterator[Bank]:
        return iter(self._banks)

    def __len__(self) -> int:
        return len(self._banks)

    def __contains__(self, bin: object) -> bool:
        return bin in self._by_bin


#: The bank list the application chose (``use_bank_list``); None: the shipped one.
_chosen_list: Path | None = None


def use_bank_list(path: str | Path | None) -> None:
    """Make ``default_registry`` read the CSV at ``path`` (the shipped list's columns), or the
    shipped list when ``path`` is None. The application calls it at start with its
    ``BANKS_CSV`` setting: banks change without a new release.

    The list is read at once, so a missing file or a malformed list (OSError, ValueError) is
    found at start rather than by the first request needing a bank, and the list in use
    stays as it was.
    """
    global _chosen_list
    chosen = Path(path) if path else None
    _registry_for(chosen)
    _chosen_list = chosen


def default_registry() -> BankRegistry:
    """The registry the application uses: the list given to ``use_bank_list``, else the
    shipped one. Read once per path; edits to the same file are read at the next start."""
    return _registry_for(_chosen_list)


@functools.lru_cache(maxsize=4)
def _registry_for(path: Path | None) -> BankRegistry:
    if path is not None:
        return BankRegistry.from_csv(path)
    data = resources.files("merchant_onboard.domain").joinpath("data").joinpath("banks.csv")
    return BankRegistry.from_text(data.read_text(encoding="utf-8-sig"), source=str(data))
