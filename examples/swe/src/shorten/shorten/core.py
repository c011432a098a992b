"""Truncation helpers."""

DEFAULT_SUFFIX = "..."


def truncate(text, width, suffix=DEFAULT_SUFFIX):
    """Return `text` cut to at most `width` characters, ending in `suffix` when it was cut."""
    if width < 0:
        raise ValueError("width must not be negative")
    if len(text) <= width:
        return text
    return text[:width] + suffix


def truncate_words(text, width):
    """Cut `text` to at most `width` characters without splitting a word; no suffix."""
    if len(text) <= width:
        return text
    cut = text[: width + 1]
    if " " in cut:
        return cut[: cut.rindex(" ")].rstrip()
    return text[:width]
