"""Chinese text pipeline: one segmentation for indexing and for queries.

The index stores ``index_text(...)`` in a whitespace-tokenised field; a query
becomes ``query_groups(...)``, and a document matches when every group shares
at least one token with it. Both sides go through the same ``normalize`` and
the same segmenter, so a word in a query and the same word in a posting give
the same tokens.

Segmentation is jieba's algorithm and dictionary plus the project's domain
dictionary (``data/domain_dict.txt``, jieba's ``word freq tag`` format). Two
engines run it: ``rjieba`` (the Rust port, the default because it is much
faster) and ``jieba`` (the reference). The tests check that both give the
same tokens on a corpus of postings and seeker texts. Only the tests and
benchmarks ask for the reference, so ``jieba`` is a test dependency: it is
imported when a ``Segmenter(engine="jieba")`` is built, never otherwise.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal, Protocol

from shared import DATA_DIR

DOMAIN_DICT_PATH = DATA_DIR / "domain_dict.txt"
SYNONYMS_PATH = DATA_DIR / "synonyms.txt"
STOPWORDS_PATH = DATA_DIR / "stopwords.txt"

Engine = Literal["rjieba", "jieba"]
DEFAULT_ENGINE: Engine = "rjieba"

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# Only these runs reach the segmenter. Splitting on everything else ourselves
# (ranges like "18-45", separators, brackets) keeps both engines on the same
# input: they treat punctuation inside a run differently, and it is dropped anyway.
# "+" and "#" stay so that c++ and c# remain whole.
_SEGMENTABLE_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fffa-z0-9+#]+")


def normalize(text: str) -> str:
    """NFKC (full-width to half-width), ASCII lower-cased, whitespace collapsed."""
    if not unicodedata.is_normalized("NFKC", text):  # most text already is; the check is cheaper
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.translate(_ASCII_LOWER).split())


def _words_of_runs(normalized: str, cut: Callable[[str], list[str]]) -> list[str]:
    # A run holds only word characters and "+"/"#", so a word without a word character is one made of
    # "+" and "#" alone: stripping them is the same test as searching for a word character, at a
    # fraction of the cost (this runs for every word of every document).
    return [word for run in _SEGMENTABLE_RUN.findall(normalized) for word in cut(run) if word.strip("+#")]


class _EngineCuts(Protocol):
    def cut(self, text: str) -> list[str]: ...

    def cut_for_search(self, text: str) -> list[str]: ...


@dataclass(frozen=True)
class DictEntry:
    word: str
    freq: int
    tag: str


def read_domain_dict(path: Path = DOMAIN_DICT_PATH) -> list[DictEntry]:
    """Entries of a jieba-format dictionary, words normalised like the text they will meet."""
    entries = []
    for line_number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 3 or not fields[1].isdigit():
            raise ValueError(f"{path}:{line_number}: expected 'word freq tag', got {line!r}")
        entries.append(DictEntry(word=normalize(fields[0]), freq=int(fields[1]), tag=fields[2]))
    return entries


class _JiebaCuts:
    def __init__(self, entries: Iterable[DictEntry]) -> None:
        # jieba logs its dictionary loading to stderr, and on import may pull in
        # pkg_resources, which warns on newer setuptools: neither is ours to show.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import jieba
        logging.getLogger("jieba").setLevel(logging.WARNING)
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        for entry in entries:
            self._tokenizer.add_word(entry.word, entry.freq, entry.tag)

    def cut(self, text: str) -> list[str]:
        return list(self._tokenizer.cut(text, HMM=False))

    def cut_for_search(self, text: str) -> list[str]:
        return list(self._tokenizer.cut_for_search(text, HMM=False))


class _RjiebaCuts:
    def __init__(self, entries: Iterable[DictEntry]) -> None:
        import rjieba

        self._jieba = rjieba.Jieba()
        for entry in entries:
            self._jieba.add_word(entry.word, entry.freq, entry.tag)

    def cut(self, text: str) -> list[str]:
        return self._jieba.cut(text, False)

    def cut_for_search(self, text: str) -> list[str]:
        return self._jieba.cut_for_search(text, False)


class Segmenter:
    """jieba segmentation (no HMM) of normalised text into word tokens.

    HMM is off on purpose: it guesses unknown words from their neighbours, so
    the same string could segment one way in a short query and another way
    inside a posting. Without it an unknown word falls back to single
    characters, which still match on both sides. (The two engines' HMM paths
    also split letters and digits differently, e.g. "3.5k"; without HMM they agree.)
    """

    def __init__(self, engine: Engine = DEFAULT_ENGINE, dictionary_path: Path = DOMAIN_DICT_PATH) -> None:
        entries = read_domain_dict(dictionary_path)
        self.engine = engine
        self._cuts: _EngineCuts = _RjiebaCuts(entries) if engine == "rjieba" else _JiebaCuts(entries)

    def words(self, normalized: str) -> list[str]:
        """Precise-mode words of already-normalised text, punctuation and spaces dropped."""
        return _words_of_runs(normalized, self._cuts.cut)

    def search_words(self, normalized: str) -> list[str]:
        """Search-mode words: every precise word preceded by the dictionary words inside it."""
        return _words_of_runs(normalized, self._cuts.cut_for_search)


_lock = threading.Lock()
_segmenter: Segmenter | None = None


def default_segmenter() -> Segmenter:
    """The process-wide segmenter, built on first use (loading takes about a second)."""
    global _segmenter
    if _segmenter is None:
        with _lock:
            if _segmenter is None:
                _segmenter = Segmenter()
    return _segmenter


def read_synonym_groups(path: Path = SYNONYMS_PATH) -> list[tuple[str, ...]]:
    groups = []
    for line in path.read_text(encoding="utf-8").splitlines():
        words = tuple(dict.fromkeys(normalize(word) for word in line.split("#", 1)[0].split()))
        if len(words) > 1:
            groups.append(words)
    return groups


@cache
def _synonym_index() -> dict[str, tuple[str, ...]]:
    others: dict[str, dict[str, None]] = {}
    for group in read_synonym_groups():
        for word in group:
            others.setdefault(word, {}).update(dict.fromkeys(w for w in group if w != word))
    return {word: tuple(rest) for word, rest in others.items()}


@cache
def _stopword_set() -> frozenset[str]:
    lines = STOPWORDS_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(normalize(line.split("#", 1)[0]) for line in lines) - {""}


def _without_stopwords(words: Iterable[str]) -> Iterator[str]:
    stopwords = _stopword_set()
    return (word for word in words if word not in stopwords)


def index_tokens(text: str, *, segmenter: Segmenter | None = None) -> list[str]:
    """Search-mode tokens of the text, as stored in the index (repeats kept for term frequency)."""
    words = (segmenter or default_segmenter()).search_words(normalize(text))
    return list(_without_stopwords(words))


def index_text(text: str) -> str:
    return " ".join(index_tokens(text))


def words_in(text: str, *, segmenter: Segmenter | None = None) -> list[str]:
    """Precise-mode words, for features such as skill overlap."""
    return list(_without_stopwords((segmenter or default_segmenter()).words(normalize(text))))


def synonyms_of(word: str) -> tuple[str, ...]:
    """The other members of every synonym group that contains the word."""
    return _synonym_index().get(normalize(word), ())


def query_groups(text: str) -> list[tuple[str | tuple[str, ...], ...]]:
    """See ``_query_groups``; cached, because matching asks the same few questions for every candidate."""
    return list(_query_groups(text))


@lru_cache(maxsize=4096)
def _query_groups(text: str) -> tuple[tuple[str | tuple[str, ...], ...], ...]:
    """One group per query word: the word, its synonyms, and its parts together.

    A document matches the query when it matches one alternative of every
    group. The parts of a compound (数控车床操作工 → 数控车床 + 操作工) are one
    alternative that needs all of them: any single part alone would let
    电子商务 find 电子厂 postings. A document that contains the whole word
    has it as a token, because documents are indexed in search mode.
    """
    groups: dict[tuple[str | tuple[str, ...], ...], None] = {}
    for word in words_in(text):
        alternatives: list[str | tuple[str, ...]] = [word, *synonyms_of(word)]
        parts = _compound_parts(word)
        if parts:
            alternatives.append(parts)
        groups[tuple(dict.fromkeys(alternatives))] = None
    return tuple(groups)


def group_matches(group: tuple[str | tuple[str, ...], ...], tokens: set[str]) -> bool:
    """Whether a document with these tokens matches one alternative of the group (as the index decides)."""
    return any(
        all(part in tokens for part in alternative)
        if isinstance(alternative, tuple)
        else alternative in tokens
        for alternative in group
    )


def query_tokens(groups: Iterable[tuple[str | tuple[str, ...], ...]]) -> list[str]:
    """Every token a query can match, e.g. to highlight it."""
    tokens: dict[str, None] = {}
    for group in groups:
        for alternative in group:
            tokens.update(dict.fromkeys(alternative if isinstance(alternative, tuple) else (alternative,)))
    return list(tokens)


def _compound_parts(word: str) -> tuple[str, ...] | None:
    """The word covered left to right by its longest dictionary sub-words, or None when they do not cover it."""
    stopwords = _stopword_set()
    sub_words = {w for w in default_segmenter().search_words(word) if w != word and len(w) > 1}
    sub_words -= stopwords
    parts: list[str] = []
    position = 0
    while position < len(word):
        longest = max((w for w in sub_words if word.startswith(w, position)), key=len, default=None)
        if longest is None:
            return None
        parts.append(longest)
        position += len(longest)
    return tuple(parts) if len(parts) > 1 else None
