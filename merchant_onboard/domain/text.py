"""Text helpers: Unicode normalisation, name and search folding, account and phone numbers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from merchant_onboard.domain.errors import N_, ValidationError


#: Characters outside Unicode's Cf category that draw nothing either (Unicode's
#: Default_Ignorable_Code_Point, less Cf, plus the braille blank): the Hangul fillers and the
#: braille blank are what "invisible name" generators copy, the combining grapheme joiner,
#: Khmer's inherent vowels and the Mongolian and tag selectors only modify what they follow.
_BLANK_RANGES = ((0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180D),
                 (0x180F, 0x180F), (0x2800, 0x2800), (0x3164, 0x3164), (0xFFA0, 0xFFA0),
                 (0xE0000, 0xE0FFF))
#: Variation selectors choose how the character before them is drawn (U+FE0F after an emoji:
#: its colour form). Nothing alone, but kept after what they select.
_SELECTOR_RANGES = ((0xFE00, 0xFE0F), (0xE0100, 0xE01EF))


def _in(ranges: tuple[tuple[int, int], ...], ch: str) -> bool:
    code = ord(ch)
    return any(low <= code <= high for low, high in ranges)


def _selector(ch: str) -> bool:
    return _in(_SELECTOR_RANGES, ch)


def _invisible(ch: str) -> bool:
    """A character that draws nothing: a format character (Unicode Cf: zero-width space,
    joiners, soft hyphen, BOM, direction marks), a blank letter or symbol (Hangul filler,
    braille blank) or a selector. A name of only these prints blank, and a search typed or
    copied with one in it finds nothing."""
    return (unicodedata.category(ch) == "Cf" or _in(_BLANK_RANGES, ch)
            or _in(_SELECTOR_RANGES, ch))


class _MarkStripper(dict):
    """A ``str.translate`` table that deletes combining marks and format characters, filled
    in as characters appear.

    One C-level translate instead of a Python loop over the characters.
    """

    def __missing__(self, code: int) -> int | None:
        ch = chr(code)
        value = None if unicodedata.combining(ch) or _invisible(ch) else code
        if code < 0x2000:  # cache Latin and the combining marks; leave the rest uncached
            self[code] = value
        return value


# Đ/đ (U+0110/U+0111) have no Unicode decomposition, so NFD alone leaves them in place;
# Vietnamese banks print them as D.
# Ð (eth, U+00D0) and Ɖ (African D, U+0189) look the same and come from some keyboards and
# copied text: read as Đ, not dropped.
_STRIP_MARKS = _MarkStripper({ord("Đ"): "D", ord("đ"): "d", ord("Ð"): "D", ord("ð"): "d",
                              ord("Ɖ"): "D", ord("ɖ"): "d"})
_NON_ALNUM_RUN = re.compile(r"[^A-Z0-9]+")
_SPACE_RUN = re.compile(r"\s+")
# Separators people type inside account numbers: spaces (incl. NBSP), dots and the dash family
# that phone keyboards substitute for "-".
ACCOUNT_SEPARATOR = r"[\s.\-\u2010-\u2015\u2212_]"
PHONE_SEPARATOR = r"[\s.\-\u2010-\u2015\u2212()/]"
_ACCOUNT_SEPARATORS = re.compile(ACCOUNT_SEPARATOR + "+")
_PHONE_SEPARATORS = re.compile(PHONE_SEPARATOR + "+")
#: What :func:`normalize_phone` may accept, as a pattern (ECMA 262 and Python alike) for the
#: API document: 10 to 14 digits (a national number, or one behind +84, 84 or 0084, perhaps
#: with the trunk 0 kept) among separators, or nothing. The prefixes are the function's to judge.
PHONE_PATTERN = r"^(?:S*\+?S*(?:[0-9]S*){10,14})?$".replace("S", PHONE_SEPARATOR)
_DIGIT_RUN = re.compile(r"([0-9]+)")
# Vietnamese mobile prefixes since the 2018 renumbering; landlines are 02x with 11 digits.
_MOBILE_PREFIXES = frozenset("35789")
_NATURAL_PAD = 10


def nfc(s: str) -> str:
    """``s`` in Unicode NFC without surrounding whitespace or format characters: the form
    everything is stored in.

    Characters that draw nothing go only at the ends, as spaces do (a selector only at the
    start: at the end it selects the character before it): a name of nothing else is empty
    (it printed blank on the poster), but inside a name they stay, where scripts need them (Khmer
    separates words with a zero-width space, the poster wraps there; Indic scripts use the
    joiners)."""
    text = unicodedata.normalize("NFC", s)
    start, end = 0, len(text)
    while start < end and (text[start].isspace() or _invisible(text[start])):
        start += 1
    while end > start and (text[end - 1].isspace()
                           or (_invisible(text[end - 1]) and not _selector(text[end - 1]))):
        end -= 1
    return text[start:end]


#: C0 and C1 control characters (and DEL): never part of a name, a code or a note. PostgreSQL
#: refuses NUL in text, spreadsheets refuse most of the others. With them the direction
#: embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): they reorder what follows
#: them on the line, so a name could read backwards beside its role on the team and audit
#: pages, or a shop name on the public verification page show what it is not.
_DIRECTION_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_CONTROLS = re.compile(f"[\x00-\x1f\x7f-\x9f{_DIRECTION_CONTROLS}]")
_CONTROLS_BUT_LINES = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_DIRECTION_CONTROLS}]")


def clean_text(value: object, *, field: str, max_length: int, multiline: bool = False,
               required: bool = False) -> str:
    """``value`` as text fit to store, in NFC and stripped, or a ValidationError on ``field``.

    Refused: an unpaired surrogate (JSON's ``"\\ud800"``: not a character, no encoding holds
    it), control characters (tab and newline only where ``multiline`` text such as a note
    allows them), and anything longer than ``max_length``, the column's size.
    """
    text = nfc(str(value if value is not None else "")).replace("\r\n", "\n")
    if not multiline:
        text = text.replace("\t", " ")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(N_("Có ký tự không hợp lệ."), field=field) from None
    if (_CONTROLS_BUT_LINES if multiline else _CONTROLS).search(text):
        raise ValidationError(N_("Có ký tự điều khiển không được phép."), field=field)
    if required and not text:
        raise ValidationError(N_("Trường này bắt buộc."), field=field)
    if len(text) > max_length:
        raise ValidationError(N_("Tối đa %(n)s ký tự."), field=field, n=max_length)
    return text


def _strip_marks(s: str) -> str:
    """Map Đ/đ to D/d and drop every combining mark (tones, breve, circumflex, horn) and
    format character."""
    if s.isascii():
        return s
    return unicodedata.normalize("NFD", s).translate(_STRIP_MARKS)


def fold_holder_name(s: str) -> str:
    """Fold a name to what a Vietnamese bank shows: uppercase ASCII A–Z, 0–9 and single spaces.

    "Nguyễn Thị Đào" → "NGUYEN THI DAO". Characters with no ASCII base letter are dropped
    and punctuation becomes a space, so the result only holds what a bank can print.
    """
    ascii_only = _strip_marks(s).upper().encode("ascii", "ignore").decode("ascii")
    return _NON_ALNUM_RUN.sub(" ", ascii_only).strip()


def fold_search(s: str) -> str:
    """Fold text for case- and accent-insensitive search: lowercase, no marks, no format
    characters, đ → d, one space."""
    return _SPACE_RUN.sub(" ", _strip_marks(s).casefold()).strip()


#: A syllable whose one vowel is the "y" that ends it, after its consonant: "mỹ", "lý", "kỳ",
#: "quý", "ty", "thy". Vietnamese writes these with "i" as well ("mĩ", "lí", "kì", "quí"),
#: one word either way. Not "uy", "ay", "ây" (other vowels), nor a "y" inside a word or alone.
_I_WRITTEN_Y = re.compile(r"\b(qu|th|[bcdhklmnrstvx])y\b", re.ASCII)


def search_spelling(folded: str) -> str:
    """``fold_search``'s text with such a "y" as "i": what stall search compares, so a census
    sheet's "Nguyễn Thị Mĩ" is found by "my" and "Lý" by "li"."""
    return _I_WRITTEN_Y.sub(r"\1i", folded) if "y" in folded else folded


def zone_key(zone: str) -> str:
    """A zone as filters compare it and lists sort it: one key for one zone, in Vietnamese
    alphabetical order (``vietnamese_order``), so "Khu Đông" comes before "Khu Z" and "Dãy 2"
    before "Dãy 10". Provinces and wards compare alike.

    One zone: "KHU CHỢ CÁ", "khu chợ cá" and its NFD form (accents are kept: "Khu Cá" and
    "Khu Ca" may be two), "Khánh Hoà" and "Khánh Hòa" (where a tone sits,
    ``_TONE_ON_EITHER``), "Khu A – Rau" and "Khu A-Rau" (``_DASH``). The offline app's
    ``zoneKey`` compares zones as ``zone_spelling`` does, which is the same equality.
    A stall without a zone comes after every zone (``NO_ZONE``).
    """
    spelled = zone_spelling(zone)
    return vietnamese_order(spelled) if spelled else NO_ZONE


#: The key of a stall without a zone: the highest character there is, so that a list read
#: zone by zone (the printed batch a volunteer walks with) ends with the stalls no zone was
#: typed for, rather than opening with them.
NO_ZONE = "\U0010ffff"


#: Names in a list (markets, provinces, people) sort as zones do: case and form aside, in
#: Vietnamese alphabetical order.
name_key = zone_key


def zone_spelling(zone: str) -> str:
    """The one spelling of a zone that ``zone_key`` orders: "Khu A – Tạp Hoà" is
    "khu a - tạp hoà", and "Dãy 02" is "dãy 2" (a census's zeros, a volunteer's none: one row,
    as ``code_key`` reads stall codes)."""
    decomposed = unicodedata.normalize("NFD", nfc(zone).casefold())
    placed = _TONE_ON_EITHER.sub(_tone_on_second, decomposed)
    dashed = _DASH.sub(" - ", placed)
    unpadded = _LEADING_ZEROS.sub("", dashed)
    return unicodedata.normalize("NFC", " ".join(unpadded.split()))


#: The zeros a number starts with, its last digit aside ("007" is "7", "00" is "0").
_LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")


def vietnamese_order(spelled: str) -> str:
    """A key whose plain order (code point by code point, as SQLite and PostgreSQL's "C"
    collation compare) is the Vietnamese alphabetical order of ``spelled``, lowercase text.

    Three parts, each deciding only where the ones before it tie, as a dictionary sorts:
    - the letters: Ă and Â come after A, Đ after D, Ê after E, Ô and Ơ after O, Ư after U
      (letters of their own, ``_OWN_LETTERS``), and a number by its value ("2" before
      "10"; "02" is "2" here);
    - the tones, letter by letter: none, huyền, hỏi, ngã, sắc, nặng (``_TONE_ORDER``, as
      Unicode's Vietnamese collation has it);
    - the spelling itself, so that two spellings never share a key (other scripts' marks,
      "02" and "2").
    Stored in ``Stall.zone_key``: a byte-wise sort needs no database collation, and the
    column's index serves the lists as it did the plain spelling.
    """
    if not spelled:
        return ""
    letters: list[str] = []
    tones: list[str] = []
    for number, base, marks in _SORT_UNIT.findall(unicodedata.normalize("NFD", spelled)):
        if number:
            # Its length first, so that numbers compare by value; before any letter ("0").
            value = number.lstrip("0")
            letters.append("0" + chr(ord("0") + len(value)) + value)
            continue
        own = tone = None
        for mark in marks:  # rarely more than two
            own = own or _OWN_LETTERS.get((base, mark))
            tone = tone or _TONE_ORDER.get(mark)
        letters.append(own or _OWN_LETTERS.get((base, ""), base + "0"))
        tones.append(tone or "0")
    return f"{''.join(letters)}{_PART}{''.join(tones)}{_PART}{spelled}"


#: What separates ``vietnamese_order``'s parts: below every character text may hold (control
#: characters are refused by ``clean_text``), so a shorter name sorts before a longer one.
_PART = "\x01"
#: A number, or a character with the combining marks after it (decomposed).
_SORT_UNIT = re.compile(r"([0-9]+)|(.)([\u0300-\u036f]*)", re.DOTALL)
#: A Vietnamese letter written with a breve, circumflex or horn, and Đ: its base letter and
#: its place after it; every other character is itself and "0".
_OWN_LETTERS = {
    ("a", "\u0306"): "a1", ("a", "\u0302"): "a2", ("đ", ""): "d1", ("e", "\u0302"): "e1",
    ("o", "\u0302"): "o1", ("o", "\u031b"): "o2", ("u", "\u031b"): "u1",
}
#: The five tones in dictionary order (grave, hook above, tilde, acute, dot below).
_TONE_ORDER = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}


#: A dash between a zone's parts, however drawn (hyphen, the Unicode hyphens and dashes, minus)
#: and spaced: a census sheet's "Khu A – Rau củ" is a phone's "Khu A - Rau củ".
_DASH = re.compile(r"\s*[-\u2010-\u2015\u2212]\s*")


#: The five tone marks (decomposed): grave, acute, tilde, hook above, dot below.
_TONES = "\u0300\u0301\u0303\u0309\u0323"
#: An open "oa", "oe" or "uy" (nothing after it in the word, no circumflex, breve or horn on
#: either vowel): its tone is written on the first vowel by some ("hòa", "thủy", "khỏe") and
#: on the second by others ("hoà", "thuỷ", "khoẻ"), one word either way. Closed syllables
#: ("hoàng") and triphthongs ("khuya") are written one way only and are left alone.
_TONE_ON_EITHER = re.compile(
    rf"(?=o[{_TONES}]?[ae]|u[{_TONES}]?y)([ou])([{_TONES}]?)([aey])([{_TONES}]?)"
    r"(?![\w\u0300-\u036f])")


def _tone_on_second(match: re.Match[str]) -> str:
    first, tone_one, second, tone_two = match.groups()
    if tone_one and tone_two:  # two tones: a typing slip, not a style
        return match.group(0)
    return first + second + (tone_one or tone_two)


def spellings_of(name: str, stored: Iterable[str]) -> list[str]:
    """The names of ``stored`` that ``name`` names, compared as ``zone_key`` compares: a
    filter matches all of them (a province typed "HẬU GIANG" is Hậu Giang). Compared by
    ``zone_spelling``, the same equality without the order's cost."""
    wanted = zone_spelling(name)
    return [spelling for spelling in stored if zone_spelling(spelling) == wanted]


def one_spelling_each(stored: Iterable[str]) -> list[str]:
    """One spelling (the first, in order) of each name of ``stored``, compared as
    ``zone_key`` compares: a filter's choices name "Khu A" once even if some say "khu a"."""
    choices: dict[str, str] = {}
    for spelling in stored:
        choices.setdefault(zone_spelling(spelling), spelling)
    return list(choices.values())


_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９．，", "0123456789.,")
#: A whole number as people type it: digits, or groups of three after one separator used
#: throughout ("1.433" and "2.000" in Vietnam, "2,000", "2 000", a no-break space as
#: spreadsheets copy it). ASCII digits only: "²" and "٢" are digits to str.isdigit, not to
#: int() or a bank.
_WHOLE_NUMBER = re.compile(r"[0-9]+|[0-9]{1,3}([., \u00a0\u202f])[0-9]{3}(?:\1[0-9]{3})*")


def whole_number(value: object) -> int | None:
    """``value`` as a whole number, or None: a fraction ("2.000,5", "1.5") is not one, nor is
    a number's grouping gone wrong ("5 0")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        # JSON has one number type: 2000.0 and 1e3 are whole numbers.
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        text = value.strip().translate(_FULLWIDTH_DIGITS)
        if _WHOLE_NUMBER.fullmatch(text):
            return int(re.sub("[^0-9]", "", text))
    return None


def normalize_account(s: str) -> str:
    """Strip the spaces, dots and dashes people type inside account numbers and uppercase the rest.

    No validation here: :func:`merchant_onboard.domain.vietqr.build_payload` decides what is valid.
    """
    return _ACCOUNT_SEPARATORS.sub("", unicodedata.normalize("NFKC", s)).upper()


def normalize_phone(s: str) -> str:
    """Return a Vietnamese phone number in its national form (leading 0).

    Accepts separators and the +84 / 84 / 0084 country prefixes. Mobiles are 10 digits starting
    03, 05, 07, 08 or 09; landlines are 11 digits starting 02. Anything else raises
    :class:`ValidationError` on field ``phone``.
    """
    digits = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", s))
    national = None
    if digits.startswith("+84"):
        national = digits[3:]
    elif digits.startswith("0084"):
        national = digits[4:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        # National numbers start with 0, so a leading 84 on 11/12 digits is the country code.
        national = digits[2:]
    if national is not None:
        # "+84 (0) 912 …": people often keep the trunk 0 after the country code.
        digits = "0" + national.removeprefix("0")
    if digits.isascii() and digits.isdigit() and digits.startswith("0"):
        if len(digits) == 10 and digits[1] in _MOBILE_PREFIXES:
            return digits
        if len(digits) == 11 and digits[1] == "2":
            return digits
    raise ValidationError(
        N_("Số điện thoại không hợp lệ: cần số di động 10 chữ số hoặc số cố định 11 chữ số."),
        field="phone",
    )


def natural_key(code: str) -> str:
    """Return a string whose plain ordering is the natural, case-insensitive order of ``code``.

    Digit runs are zero-padded to 10 so that "A-2" < "A-10" < "B-1" compares as strings and can
    be stored in a column and sorted by the database. Leading zeros do not matter ("A-02" and
    "A-2" get the same key); runs longer than 10 digits keep their length.
    """
    folded = fold_search(code)
    return _DIGIT_RUN.sub(lambda m: m.group(1).lstrip("0").rjust(_NATURAL_PAD, "0"), folded)


def code_key(code: str) -> str:
    """The stall code as people read it aloud, one key for every way of writing it.

    "B-3", "b3", "B 3", "b.3" and "B/03" are one stall: the letter runs and number runs in
    order, numbers without leading zeros, joined by "-" ("B-3"). What separates runs does not
    matter, but where a run ends does: "A-1-2" and "A-12" stay two stalls. Stored beside the
    code and unique per market, so the database itself refuses a second "A1" beside "A-1".
    """
    runs = _CODE_RUN.findall(code.upper())
    return "-".join(run.lstrip("0") or "0" if run.isdigit() else run for run in runs)


#: A letter run or a number run of a stall code (codes are ASCII: domain.registration).
_CODE_RUN = re.compile(r"[A-Z]+|[0-9]+")


def group_account(acc: str) -> str:
    """Group an account number in fours for reading aloud or on a poster: "0011 0123 4567 8"."""
    acc = normalize_account(acc)
    return " ".join(acc[i : i + 4] for i in range(0, len(acc), 4))


def mask(value: str | None, keep: int = 4) -> str:
    """Hide all but the last ``keep`` characters: ``•••• 5678`` (DESIGN §9)."""
    if not value:
        return ""
    return "•••• " + value[-keep:]
