"""Place words typed in a search box (「洛阳 普工」, 「郑州市金水区保安」, 「河南」) → one region.

A place is read only from whole words of the query's segmentation (so a name inside a longer word, 合作社 or
东方航空, is not one), and only when the words are a name the region resolver knows
(shared.domain.regions.known_place_names), the name is not one of the ordinary words that happen to name a
place (data/place_homographs.txt: 平安, 东风, 合作) and no dish, tool or trade named after a place covers
it (data/place_named_trades.txt: 兰州拉面, 洛阳铲). Names side by side read as one place, narrowing
(「郑州 金水区」 is 金水区); a name outside the place read so far (「郑州 洛阳」) and a name that is not one
place (朝阳) stay text, as they are searched today.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from shared import DATA_DIR
from shared.domain.regions import Region, known_place_names, region_path, resolve_location
from shared.text.pipeline import default_segmenter

HOMOGRAPHS_PATH = DATA_DIR / "place_homographs.txt"
PLACE_NAMED_TRADES_PATH = DATA_DIR / "place_named_trades.txt"
# The longest name (内蒙古自治区, 新疆生产建设兵团...) is made of at most this many segmented words.
_MAX_WORDS_IN_NAME = 4


def _words_of(path: Path) -> frozenset[str]:
    lines = (line.split("#", 1)[0] for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(word for line in lines for word in line.split())


@functools.cache
def homographs() -> frozenset[str]:
    return _words_of(HOMOGRAPHS_PATH)


@functools.cache
def place_named_trades() -> frozenset[str]:
    return _words_of(PLACE_NAMED_TRADES_PATH)


@functools.cache
def _names() -> frozenset[str]:
    return known_place_names() - homographs()


@dataclass(frozen=True)
class PlaceReading:
    spans: tuple[tuple[int, int], ...]
    """Where the words read as the place are in the text."""
    words: tuple[str, ...]
    region: Region


def word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each precise-mode word of normalised ``text``, in order."""
    spans, position = [], 0
    for word in default_segmenter().words(text):
        start = text.find(word, position)
        if start >= 0:
            spans.append((start, start + len(word)))
            position = start + len(word)
    return spans


def read_place(text: str, spans: list[tuple[int, int]]) -> PlaceReading | None:
    """The place named by the first run of place words in normalised ``text`` (``spans`` from ``word_spans``)."""
    covered = _trade_cover(text)
    names = _names()
    candidates: list[tuple[int, int]] = []
    index = 0
    while index < len(spans):
        for length in range(min(_MAX_WORDS_IN_NAME, len(spans) - index), 0, -1):
            start, end = spans[index][0], spans[index + length - 1][1]
            glued = all(spans[i][1] == spans[i + 1][0] for i in range(index, index + length - 1))
            if glued and text[start:end] in names and not covered & set(range(start, end)):
                candidates.append((start, end))
                index += length
                break
        else:
            index += 1
    run = _first_run(text, candidates)
    return _narrowing(text, run) if run else None


def _trade_cover(text: str) -> set[int]:
    """Positions of the text inside a trade named after a place."""
    positions: set[int] = set()
    for trade in place_named_trades():
        start = text.find(trade)
        while start >= 0:
            positions.update(range(start, start + len(trade)))
            start = text.find(trade, start + 1)
    return positions


def _first_run(text: str, candidates: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The first names that follow one another with nothing but spaces between them."""
    run: list[tuple[int, int]] = []
    for start, end in candidates:
        if run and text[run[-1][1] : start].strip():
            break
        run.append((start, end))
    return run


def _narrowing(text: str, run: list[tuple[int, int]]) -> PlaceReading | None:
    """The run's names from the left while each one narrows the place read so far."""
    chosen: Region | None = None
    taken: list[tuple[int, int]] = []
    for start, end in run:
        region = resolve_location("".join(text[s:e] for s, e in [*taken, (start, end)]))
        if region is None or (
            chosen is not None and (region == chosen or chosen.code not in region_path(region.code))
        ):
            break
        chosen = region
        taken.append((start, end))
    if chosen is None:
        return None
    return PlaceReading(tuple(taken), tuple(text[s:e] for s, e in taken), chosen)
