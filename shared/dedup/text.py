"""What of a posting's title and description the duplicate fingerprint reads.

Two platforms carrying one vacancy differ in what they add (their own
boilerplate sentences), in how they write the pay (5000-6000元/月, 5-6k),
in punctuation and spacing, and in the word for the job (普工, 操作工). So
the description loses its boilerplate sentences, every pay figure and
every digit, every character that is not a letter; the title loses the
recruiting words around it (招聘, 急招 …) and the words of a synonym group
become that group's first word. What remains is shingled into characters.
"""

from __future__ import annotations

import re
from functools import cache

from shared import DATA_DIR
from shared.text.pipeline import normalize, read_synonym_groups, words_in

BOILERPLATE_PATH = DATA_DIR / "dedup_boilerplate.txt"

SHINGLE_CHARS = 3
"""Character 3-grams: 2-grams are shared by most texts about the same trade (工作, 车间), 4-grams let one
edited character change four shingles; measured on the labelled pairs (benchmarks/eval_dedup.py)."""

_SENTENCE_END = re.compile(r"[。！？!?；;\n]+")
_NUMBER = r"\d+(?:\.\d+)?"
_UNIT = r"(?:k|千|万|w)?"
# A pay figure or range with its units (5000-6000元/月, 5-6k, 4500元以上, 200元/天, 年薪10万): the same
# pay is written many ways, so it leaves the text whole, units included.
_PAY = re.compile(
    rf"{_NUMBER}\s*{_UNIT}\s*(?:[-~～—至到]\s*{_NUMBER}\s*{_UNIT})?\s*(?:元|块)?\s*"
    r"(?:(?:/|每|一)\s*(?:月|天|日|小时|时|年))?\s*(?:以上|左右|起)?"
)
_NOT_A_LETTER = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fffa-z]+")
# Words around a job title that say nothing about the job: recruiting verbs, urgency, headcount.
_TITLE_NOISE = re.compile(
    r"^(?:长期|大量|高薪)?(?:急招|诚招|直招|急聘|诚聘|招聘|招募|招)|招聘|招募|急需|若干名?|多名|数名|\d+名|[（(【\[].*?[)）】\]]"
)

# What ends most job titles and says only "a person doing it": 钢筋工, 钢筋师傅 and 钢筋工人 are one job.
# Longest first; a word keeps it when less than two characters would be left (电工, 骑手, 护工).
_ROLE_MARKERS = ("师傅", "工人", "人员", "专员", "岗位", "工", "员", "师", "岗", "生")


@cache
def boilerplate_phrases() -> tuple[str, ...]:
    lines = BOILERPLATE_PATH.read_text(encoding="utf-8").splitlines()
    return tuple(normalize(line) for line in lines if line.strip() and not line.startswith("#"))


def _without_boilerplate(text: str) -> str:
    phrases = boilerplate_phrases()
    sentences = _SENTENCE_END.split(text)
    return "".join(s for s in sentences if not any(phrase in s for phrase in phrases))


def description_text(description: str) -> str:
    """The description as the fingerprint reads it: no boilerplate, no pay figures, letters only."""
    text = _without_boilerplate(normalize(description))
    return _NOT_A_LETTER.sub("", _PAY.sub("", text))


@cache
def _group_heads() -> dict[str, str]:
    heads: dict[str, str] = {}
    for group in read_synonym_groups():
        for word in group:
            heads.setdefault(word, group[0])  # a word in two groups keeps the first
    return heads


def _without_role_marker(word: str) -> str:
    for marker in _ROLE_MARKERS:
        if word.endswith(marker) and len(word) - len(marker) >= 2:
            return word[: -len(marker)]
    return word


def title_words(title: str) -> tuple[str, ...]:
    """The title's words, each as its synonym group's first word (操作工 → 普工), without recruiting words."""
    text = normalize(title)
    bare = _TITLE_NOISE.sub(" ", text).strip() or text
    heads = _group_heads()
    return tuple(heads.get(word, word) for word in words_in(bare))


def shingles(title: tuple[str, ...], description: str) -> set[str]:
    """Character shingles of the title's words and the description, as the fingerprint reads them."""
    text = "".join(title) + description_text(description)
    if len(text) < SHINGLE_CHARS:
        return {text} if text else set()
    return {text[i : i + SHINGLE_CHARS] for i in range(len(text) - SHINGLE_CHARS + 1)}


def title_similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """How much of the shorter title the longer holds, 0 to 1: by words (电子厂普工 holds 普工), or by
    character pairs where the words differ in how they were cut (数控车床工, 数控车床操作工); the words as
    they are (维修电工 holds 电工) or without their role markers (钢筋工, 钢筋师傅)."""
    bare_a = tuple(_without_role_marker(word) for word in a)
    bare_b = tuple(_without_role_marker(word) for word in b)
    return max(_containment(a, b), _containment(bare_a, bare_b))


def _containment(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    if not a or not b:
        return 0.0
    words = len(set(a) & set(b)) / min(len(set(a)), len(set(b)))
    pairs_a, pairs_b = _char_pairs("".join(a)), _char_pairs("".join(b))
    pairs = len(pairs_a & pairs_b) / min(len(pairs_a), len(pairs_b)) if pairs_a and pairs_b else 0.0
    return max(words, pairs)


def _char_pairs(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}
