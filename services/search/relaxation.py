"""A posting search as the search box runs it: q read into filters, then, when that finds nothing, relaxed.

Relaxation is bounded (``MAX_RELAXATIONS`` more searches) and happens only to a query typed in the box (q)
that found nothing at all; a query that found something is answered as it is. Each step loosens the
previous one, and the answer lists them in order:

1. drop the least important term. Least important: the word that, alone under the same filters, matches
   the fewest open postings (ties: the one typed later). The rarest word is the one that empties the
   answer, while the words that match many posts (普工, 电工) are the ones people come for;
2. when one word is left, widen the region one level: county → city → province (never past a province,
   and a municipality's districts widen to the whole municipality).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from services.search.models import Relaxation, Understood
from services.search.query import PostingSearch, build_posting_request
from services.search.reading import region_label, region_ref, understand
from shared.domain.regions import Region, get_region
from shared.ports.search_index import SearchIndex, SearchResult
from shared.text.pipeline import query_groups

MAX_RELAXATIONS = 3


@dataclass(frozen=True)
class PostingAnswer:
    result: SearchResult
    tokens: list[str]
    """The tokens the final query matched with (for highlighting)."""
    understood: Understood | None
    relaxed: list[Relaxation]


def search_postings(index: SearchIndex, params: PostingSearch, *, now: float | None = None) -> PostingAnswer:
    searched, understood = understand(params)
    request, tokens = build_posting_request(searched, now=now)
    result = index.search(request)
    relaxed: list[Relaxation] = []
    while understood is not None and result.total == 0 and len(relaxed) < MAX_RELAXATIONS:
        step = _relaxation(index, searched, now=now)
        if step is None:
            break
        searched, relaxation = step
        relaxed.append(relaxation)
        request, tokens = build_posting_request(searched, now=now)
        result = index.search(request)
    return PostingAnswer(result=result, tokens=tokens, understood=understood, relaxed=relaxed)


def _relaxation(
    index: SearchIndex, params: PostingSearch, *, now: float | None
) -> tuple[PostingSearch, Relaxation] | None:
    terms = [str(group[0]) for group in query_groups(params.q)] if params.q else []
    if len(terms) > 1:
        term = _least_important(index, params, terms, now=now)
        rest = " ".join(word for word in terms if word != term)
        note = f"没有同时符合全部词语的岗位，已去掉「{term}」"
        return dataclasses.replace(params, q=rest), Relaxation(kind="dropped_term", term=term, note=note)
    region = get_region(params.region) if params.region else None
    wider = _wider(region) if region else None
    if region is None or wider is None:
        return None
    note = f"{region_label(region)}暂无符合的岗位，已扩大到{region_label(wider)}"
    relaxation = Relaxation(
        kind="widened_region", from_region=region_ref(region), to_region=region_ref(wider), note=note
    )
    return dataclasses.replace(params, region=wider.code), relaxation


def _least_important(
    index: SearchIndex, params: PostingSearch, terms: list[str], *, now: float | None
) -> str:
    def matches(term: str) -> int:
        alone = dataclasses.replace(params, q=term, page=1, size=1, facets=(), sort="newest")
        request, _ = build_posting_request(alone, now=now)
        return index.search(request).total

    counted = [(matches(term), -position, term) for position, term in enumerate(terms)]
    return min(counted)[2]


def _wider(region: Region) -> Region | None:
    parent = get_region(region.parent_code) if region.parent_code else None
    if parent is None or region.level == "province":
        return None
    if region.level == "city" and region.name == parent.name:
        return None  # a municipality's city row is the municipality already
    return parent
