"""Counting people, not records: one person registered in several places has one record in each, all
with the same ``id_number_hash`` (indexed as ``SeekerField.PERSON``).

A person counts once, where their latest record is (the latest registration says where they look for
work now; equal times go to the larger record id), so a province's figure is the sum of its cities'.
The index counts records per bucket; the persons holding more than one matching record are found by a
terms facet over the hash that keeps the values held twice or more (exact on both engines, and a short
list: most people register once); their records are read, and every one that is not its person's latest
is taken off the buckets it counted in. Elasticsearch's cardinality aggregation would be cheaper but is
approximate, and the figures must be equal on both backends. The cost is bounded by a setting
(``stats_max_shared_persons``): past it the figures are refused rather than inexact.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence

from shared.domain.records import SeekerRecord
from shared.errors import BadRequest
from shared.index.documents import stored_seeker
from shared.index.fields import SeekerField
from shared.ports.search_index import Filter, SearchIndex, SearchRequest, Terms, TermsFacet

_RECORDS_PER_READ = 5000
"""Records read in one search: well inside Elasticsearch's result window (10,000)."""


def superseded_records(
    seekers: SearchIndex, base: Sequence[Filter], *, max_persons: int
) -> list[SeekerRecord]:
    """The records matching ``base`` that are not their person's latest one matching it."""
    facet = TermsFacet(SeekerField.PERSON, size=max_persons + 1, min_count=2)
    request = SearchRequest(filters=tuple(base), limit=0, count_total=False, facets={"persons": facet})
    shared = seekers.search(request).facets["persons"]
    if len(shared) > max_persons:
        raise BadRequest(
            f"登记在多处的求职者超过 {max_persons} 人，无法精确去重；请调高 JOBMATCH_STATS_MAX_SHARED_PERSONS",
            code="TOO_MANY_SHARED_PERSONS",
            details=[{"limit": max_persons}],
        )
    latest: dict[str, SeekerRecord] = {}
    superseded: list[SeekerRecord] = []
    for persons, records in _reads(shared):
        found = seekers.search(
            # Twice the records counted: a record written since the facet ran is not cut off.
            SearchRequest(
                filters=(*base, Terms(SeekerField.PERSON, persons)),
                limit=min(2 * records, 2 * _RECORDS_PER_READ),
                count_total=False,
            )
        )
        for hit in found.hits:
            record = stored_seeker(hit.source)
            person = record.id_number_hash
            if person is None:
                continue
            held = latest.get(person)
            if held is None:
                latest[person] = record
            elif (record.updated_at, record.id) > (held.updated_at, held.id):
                superseded.append(held)
                latest[person] = record
            else:
                superseded.append(record)
    return superseded


def _reads(shared: list[tuple[str, int]]) -> Iterator[tuple[tuple[str, ...], int]]:
    """The shared persons in groups whose records fit one read."""
    persons: list[str] = []
    records = 0
    for person, count in shared:
        if persons and records + count > _RECORDS_PER_READ:
            yield tuple(persons), records
            persons, records = [], 0
        persons.append(person)
        records += count
    if persons:
        yield tuple(persons), records


def overcounted(
    records: Iterable[SeekerRecord], keys: Callable[[SeekerRecord], Iterable[str]]
) -> Counter[str]:
    """How many of ``records`` each bucket counted: what to take off it. ``keys``: the buckets a record
    counts in (none when it is outside what is counted)."""
    return Counter(key for record in records for key in set(keys(record)))
