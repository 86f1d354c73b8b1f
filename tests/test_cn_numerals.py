"""Chinese and Roman numerals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.core.numerals import cn_to_int, int_to_cn, int_to_roman, is_roman, parse_number, roman_to_int


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一", 1),
        ("十", 10),
        ("十一", 11),
        ("二十", 20),
        ("四十六", 46),
        ("八十", 80),
        ("一百", 100),
        ("一百零五", 105),
        ("一百一十", 110),
        ("一百二十三", 123),
        ("两百", 200),
        ("一千零一", 1001),
        ("一万零一十", 10010),
        ("〇", 0),
        ("零", 0),
        ("二〇二四", 2024),  # digit-by-digit, as years are written
        ("46", 46),
        ("４６", 46),  # full-width digits
        ("叁拾", 30),  # financial numerals
    ],
)
def test_cn_to_int(text: str, value: int) -> None:
    assert cn_to_int(text) == value


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1, "一"),
        (10, "十"),
        (11, "十一"),
        (20, "二十"),
        (46, "四十六"),
        (100, "一百"),
        (105, "一百零五"),
        (110, "一百一十"),
    ],
)
def test_int_to_cn(value: int, text: str) -> None:
    assert int_to_cn(value) == text


@given(st.integers(min_value=0, max_value=999_999_999))
def test_chinese_round_trip(n: int) -> None:
    assert cn_to_int(int_to_cn(n)) == n


@pytest.mark.parametrize("bad", ["", "章", "四十六条", "abc", "1.5"])
def test_cn_to_int_rejects_other_text(bad: str) -> None:
    with pytest.raises(ValueError):
        cn_to_int(bad)


@pytest.mark.parametrize(
    ("text", "value"), [("I", 1), ("IV", 4), ("ix", 9), ("XIV", 14), ("XXV", 25), ("MCMXCIX", 1999)]
)
def test_roman_to_int(text: str, value: int) -> None:
    assert roman_to_int(text) == value
    assert int_to_roman(value) == text.upper()


@given(st.integers(min_value=1, max_value=3999))
def test_roman_round_trip(n: int) -> None:
    assert roman_to_int(int_to_roman(n)) == n
    assert roman_to_int(int_to_roman(n).lower()) == n


@pytest.mark.parametrize("bad", ["IIII", "VX", "IC", "", "ABC", "iV"])
def test_malformed_roman_is_rejected(bad: str) -> None:
    assert not is_roman(bad)


def test_parse_number_accepts_every_spelling() -> None:
    assert parse_number("46") == parse_number("四十六") == parse_number("XLVI") == 46
    assert parse_number("soil") is None
