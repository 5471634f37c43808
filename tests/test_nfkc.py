"""shared.text.nfkc: the same string as unicodedata's NFKC, whatever the text holds."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.text.nfkc import nfkc

# Full-width forms (the fast path), and what makes NFKC depend on neighbours: combining marks after
# full-width letters, half-width katakana with their voicing marks, Hangul jamo, compatibility
# ideographs and circled forms.
ALPHABET = st.sampled_from(
    "招聘男女工，。（）：；！？　ＡＢｃ１２ＱＶｖ"
    "e\u0301\u0308\u0327Ａ\u0301"
    "ｶﾞﾊﾟｳﾞ"
    "\u1100\u1161\u11a8"
    "\uf900\u329a①㎏ｷﾛ"
)


@settings(max_examples=400, deadline=None)
@given(st.lists(ALPHABET, max_size=24).map("".join))
def test_nfkc_is_unicodedatas(text: str) -> None:
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_full_width_punctuation_folds() -> None:
    assert nfkc("性别：女，１８－３５岁（限本市）") == "性别:女,18-35岁(限本市)"
    assert nfkc("ｶﾞ") == "ガ"
