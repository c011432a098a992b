"""Shorten strings for display in narrow columns."""

from shorten.core import DEFAULT_SUFFIX, truncate, truncate_words

__all__ = ["DEFAULT_SUFFIX", "truncate", "truncate_words"]
