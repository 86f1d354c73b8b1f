"""Chinese and Roman numerals, both ways.

Legal designations are written in Chinese numerals ("第四十六条", "第一百零五条") or Roman numerals
("Chapter IV"); aliases need the plain integer and the other spellings of the same number.
"""

from __future__ import annotations

_DIGITS: dict[str, int] = {
    "零": 0,
    "〇": 0,
    "○": 0,
    "一": 1,
    "壹": 1,
    "二": 2,
    "贰": 2,
    "两": 2,
    "三": 3,
    "叁": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}
_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG_UNITS: dict[str, int] = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")

#: Characters that may appear in a Chinese numeral (for building regular expressions).
CN_NUMERAL_CHARS = "".join(_DIGITS) + "".join(_UNITS) + "".join(_BIG_UNITS)

_CN_OUT = "零一二三四五六七八九"


def _small(s: str) -> int:
    """Value of a numeral below 10,000 (no 万/亿)."""
    total = 0
    digit: int | None = None
    for ch in s:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            # "十" alone means 1×10; "二十" means 2×10.
            total += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
        else:
            raise ValueError(f"not a Chinese numeral character: {ch!r}")
    return total + (digit or 0)


def cn_to_int(text: str) -> int:
    """Integer value of a Chinese numeral ("四十六" → 46, "一百零五" → 105, "二〇二四" → 2024).

    Arabic and full-width digits are accepted too ("４６" → 46). Raises ``ValueError`` for anything else.
    """
    s = text.strip().translate(_FULL_WIDTH)
    if not s:
        raise ValueError("empty numeral")
    if s.isdigit():
        return int(s)
    if any(ch not in _DIGITS and ch not in _UNITS and ch not in _BIG_UNITS for ch in s):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    if not any(ch in _UNITS or ch in _BIG_UNITS for ch in s):
        # Digit-by-digit form, as in years: 二〇二四.
        return int("".join(str(_DIGITS[ch]) for ch in s))
    total = 0
    section = ""
    for ch in s:
        if ch in _BIG_UNITS:
            total += (_small(section) if section else 1) * _BIG_UNITS[ch]
            section = ""
        else:
            section += ch
    return total + (_small(section) if section else 0)


def _int_to_cn_small(n: int, leading: bool) -> str:
    """0 < n < 10,000. ``leading`` says whether this group starts the number (so 10 → 十, not 一十)."""
    out = ""
    zero_pending = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // unit % 10
        if d == 0:
            if out:
                zero_pending = True
            continue
        if zero_pending:
            out += "零"
            zero_pending = False
        if unit == 10 and d == 1 and not out and leading:
            out += "十"
        else:
            out += _CN_OUT[d] + name
    return out


def int_to_cn(n: int) -> str:
    """Chinese numeral for a non-negative integer, as laws write it (46 → 四十六, 105 → 一百零五, 10 → 十)."""
    if n < 0:
        raise ValueError(f"negative numbers have no numeral here: {n}")
    if n == 0:
        return "零"
    parts: list[str] = []
    groups = [(n // 100_000_000, "亿"), (n // 10_000 % 10_000, "万"), (n % 10_000, "")]
    started = False
    need_zero = False
    for value, name in groups:
        if value == 0:
            if started:
                need_zero = True
            continue
        if started and (need_zero or value < 1000):
            parts.append("零")
        parts.append(_int_to_cn_small(value, leading=not started) + name)
        started = True
        need_zero = False
    return "".join(parts)


_ROMAN = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)


def int_to_roman(n: int) -> str:
    """Upper-case Roman numeral for 1..3999."""
    if not 0 < n < 4000:
        raise ValueError(f"no Roman numeral for {n}")
    out = ""
    for value, sym in _ROMAN:
        while n >= value:
            out += sym
            n -= value
    return out


def roman_to_int(text: str) -> int:
    """Value of a well-formed Roman numeral, either case ("IV" → 4, "xiv" → 14); ``ValueError`` otherwise."""
    s = text.strip().upper()
    if not s or any(ch not in "MDCLXVI" for ch in s):
        raise ValueError(f"not a Roman numeral: {text!r}")
    values = {"M": 1000, "D": 500, "C": 100, "L": 50, "X": 10, "V": 5, "I": 1}
    total = 0
    for i, ch in enumerate(s):
        v = values[ch]
        total += -v if i + 1 < len(s) and values[s[i + 1]] > v else v
    if total <= 0 or total >= 4000 or int_to_roman(total) != s:
        raise ValueError(f"not a well-formed Roman numeral: {text!r}")
    return total


def is_roman(text: str) -> bool:
    """True when ``text`` is a well-formed Roman numeral (either case, not mixed)."""
    if not (text.isupper() or text.islower()):
        return False
    try:
        roman_to_int(text)
    except ValueError:
        return False
    return True


def parse_number(text: str) -> int | None:
    """Arabic, full-width, Chinese or Roman numeral to int; None when it is none of them."""
    for fn in (cn_to_int, roman_to_int):
        try:
            return fn(text)
        except ValueError:
            continue
    return None
