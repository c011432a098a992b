import pytest

from shorten import truncate, truncate_words


@pytest.mark.parametrize("text", ["a", "abc", "hello"])
def test_short_inputs_unchanged(text):
    assert truncate(text, 10) == text


def test_exact_fit_is_not_cut():
    assert truncate("hello", 5) == "hello"


def test_negative_width_rejected():
    with pytest.raises(ValueError):
        truncate("hello", -1)


def test_truncate_words_keeps_whole_words():
    assert truncate_words("the quick brown fox", 12) == "the quick"


def test_truncate_words_single_long_word():
    assert truncate_words("abcdefghij", 4) == "abcd"
