"""A regular-expression alternation of literal words, longest first.

Python's ``re`` takes the first alternative that matches, not the longest, so 「中专以上」 must be tried
before 「中专」: every vocabulary turned into a pattern is ordered this way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def longest_first(words: Iterable[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True))
