"""Conversion between integers and Roman numerals."""

MAX_VALUE = 3999

_NUMERALS = [
    (1000, "M"),
    (500, "D"),
    (100, "C"),
    (50, "L"),
    (10, "X"),
    (5, "V"),
    (1, "I"),
]

_LETTER_VALUES = {"M": 1000, "D": 500, "C": 100, "L": 50, "X": 10, "V": 5, "I": 1}


def to_roman(number):
    """The Roman numeral for `number` (1..MAX_VALUE)."""
    if isinstance(number, bool) or not isinstance(number, int):
        raise TypeError("expected an int, got %r" % (number,))
    if not 0 < number <= MAX_VALUE:
        raise ValueError("out of range 1..%d: %d" % (MAX_VALUE, number))
    parts = []
    for value, numeral in _NUMERALS:
        count, number = divmod(number, value)
        parts.append(numeral * count)
    return "".join(parts)


def from_roman(text):
    """The integer a Roman numeral stands for (subtractive forms like IV included)."""
    if not text:
        raise ValueError("empty numeral")
    total = 0
    previous = 0
    for letter in reversed(text.upper()):
        value = _LETTER_VALUES.get(letter)
        if value is None:
            raise ValueError("not a Roman numeral: %r" % (text,))
        if value < previous:
            total -= value
        else:
            total += value
            previous = value
    return total
