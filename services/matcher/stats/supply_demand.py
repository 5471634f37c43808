"""Open vacancies, active seekers and their ratio (求人倍率) by region and occupation, from the indexes.

Vacancies are the headcount of open posts (the searchable set: open, not expired, not a copy of a post
made elsewhere first, not withheld by review), counted where the post is; a post naming no headcount
counts one. Active seekers are profiles seeking work and registered (updated) within
``stats_active_days``, counted where they live, each person once (``persons``). Both come from facets
the index computes, so a county × occupation figure costs what a province's does.

The weekly series counts flows, as the ministry's quarterly 求人倍率 counts a quarter's registrations:
per week, the headcount of the posts posted that week that are still open (the index holds the current
state only, so a post since closed leaves its week), and the persons still seeking whose latest
registration fell in that week.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from services.matcher.stats.models import Named, SupplyDemandResponse, SupplyDemandRow, WeekFigures
from services.matcher.stats.persons import overcounted, superseded_records
from services.matcher.stats.weeks import last_weeks, week_of, week_ranges
from shared.domain.records import SeekerRecord
from shared.domain.regions import get_region, region_path
from shared.index.fields import PostingField, SeekerField
from shared.index.posting_queries import open_postings
from shared.ports.search_index import (
    Facet,
    Filter,
    Range,
    RangeFacet,
    SearchIndex,
    SearchRequest,
    SumFacet,
    Terms,
    TermsFacet,
)
from shared.settings import Settings

GroupBy = Literal["region"]
SEEKING = "seeking"
_REGION_BUCKETS = 5000
"""More than the region table's codes (about 3,600 provinces, cities and counties): every one present."""
_DAY_S = 86400


def ratio(vacancies: int, seekers: int) -> float | None:
    return round(vacancies / seekers, 2) if seekers else None


def region_label(code: str) -> Named:
    region = get_region(code)
    return Named(code=code, name=region.name if region else code)


@dataclass(frozen=True)
class Axis:
    """One tree figures are broken down by: where its codes sit in each index, and how a code's parent
    and a seeker record's codes are found (every level's code is indexed, so a bucket counts what is
    below it)."""

    posting_field: str
    seeker_field: str
    buckets: int
    parent: Callable[[str], str | None]
    seeker_codes: Callable[[SeekerRecord], list[str]]
    label: Callable[[str], Named]


def _region_parent(code: str) -> str | None:
    region = get_region(code)
    return region.parent_code if region else None


def _seeker_regions(record: SeekerRecord) -> list[str]:
    # What shared.index.documents.seeker_doc indexes as the seeker's region path.
    return region_path(record.region_code) if record.region_code else []


REGIONS = Axis(
    posting_field=PostingField.REGION_PATH,
    seeker_field=SeekerField.REGION_PATH,
    buckets=_REGION_BUCKETS,
    parent=_region_parent,
    seeker_codes=_seeker_regions,
    label=region_label,
)
AXES: dict[str, Axis] = {"region": REGIONS}


@dataclass(frozen=True)
class Scope:
    """The codes asked for, one per axis (None: all of it)."""

    codes: dict[str, str | None]

    def posting_filters(self) -> list[Filter]:
        return [Terms(AXES[name].posting_field, (code,)) for name, code in self.codes.items() if code]

    def seeker_filters(self) -> list[Filter]:
        return [Terms(AXES[name].seeker_field, (code,)) for name, code in self.codes.items() if code]

    def holds(self, record: SeekerRecord) -> bool:
        return all(not code or code in AXES[name].seeker_codes(record) for name, code in self.codes.items())

    def row(self, vacancies: int, seekers: int, **codes: str) -> SupplyDemandRow:
        chosen = {**self.codes, **codes}
        labels = {name: AXES[name].label(code) if code else None for name, code in chosen.items()}
        return SupplyDemandRow(
            region=labels.get("region"),
            occupation=labels.get("occupation"),
            vacancies=vacancies,
            seekers=seekers,
            ratio=ratio(vacancies, seekers),
        )


def _vacancies(field: str, size: int) -> SumFacet:
    return SumFacet(TermsFacet(field, size=size), PostingField.VACANCIES)


def supply_demand(
    *,
    postings: SearchIndex,
    seekers: SearchIndex,
    scope: Scope,
    group_by: GroupBy | None,
    weeks: int | None,
    settings: Settings,
    now: datetime,
) -> SupplyDemandResponse:
    active = (
        Terms(SeekerField.STATUS, (SEEKING,)),
        Range(SeekerField.UPDATED_AT, gte=int(now.timestamp()) - settings.stats_active_days * _DAY_S),
    )
    posting_filters = open_postings(scope.posting_filters(), has_text=False, now=now.timestamp())
    seeker_filters = (*active, *scope.seeker_filters())
    # Every open post's status is "open": its one bucket sums them all.
    posting_facets: dict[str, Facet] = {"total": _vacancies(PostingField.STATUS, 1)}
    seeker_facets: dict[str, Facet] = {}
    axis = AXES[group_by] if group_by else None
    if axis is not None:
        posting_facets["rows"] = _vacancies(axis.posting_field, axis.buckets)
        seeker_facets["rows"] = TermsFacet(axis.seeker_field, size=axis.buckets)
    found_postings = postings.search(
        SearchRequest(filters=posting_filters, limit=0, count_total=False, facets=posting_facets)
    )
    found_seekers = seekers.search(SearchRequest(filters=seeker_filters, limit=0, facets=seeker_facets))
    superseded = [
        record
        for record in superseded_records(seekers, active, max_persons=settings.stats_max_shared_persons)
        if scope.holds(record)
    ]
    vacancies = dict(found_postings.facets["total"])
    total = scope.row(sum(vacancies.values()), found_seekers.total - len(superseded))
    rows: list[SupplyDemandRow] = []
    if axis is not None and group_by is not None:
        rows = _rows(
            scope,
            group_by,
            axis,
            dict(found_postings.facets["rows"]),
            dict(found_seekers.facets["rows"]),
            overcounted(superseded, axis.seeker_codes),
        )
    series = (
        _series(postings, seekers, scope, posting_filters, weeks, settings=settings, now=now)
        if weeks
        else None
    )
    return SupplyDemandResponse(
        as_of=now,
        active_days=settings.stats_active_days,
        total=total,
        rows=rows,
        series=series,
    )


def _rows(
    scope: Scope,
    group_by: str,
    axis: Axis,
    vacancies: dict[str, int],
    records: dict[str, int],
    overcount: dict[str, int],
) -> list[SupplyDemandRow]:
    parent = scope.codes.get(group_by)
    children = sorted(code for code in {*vacancies, *records} if axis.parent(code) == parent)
    rows = [
        scope.row(vacancies.get(code, 0), records.get(code, 0) - overcount.get(code, 0), **{group_by: code})
        for code in children
    ]
    return sorted(rows, key=lambda row: (-row.vacancies, -row.seekers))


def _series(
    postings: SearchIndex,
    seekers: SearchIndex,
    scope: Scope,
    posting_filters: Sequence[Filter],
    count: int,
    *,
    settings: Settings,
    now: datetime,
) -> list[WeekFigures]:
    weeks = last_weeks(count, now)
    ranges = week_ranges(weeks)
    posted = postings.search(
        SearchRequest(
            filters=tuple(posting_filters),
            limit=0,
            count_total=False,
            facets={"weeks": SumFacet(RangeFacet(PostingField.POSTED_AT, ranges), PostingField.VACANCIES)},
        )
    ).facets["weeks"]
    # Seekers by their latest registration: those seeking, registered since the first week began.
    seeking = (Terms(SeekerField.STATUS, (SEEKING,)), Range(SeekerField.UPDATED_AT, gte=weeks[0].bounds()[0]))
    registered = seekers.search(
        SearchRequest(
            filters=(*seeking, *scope.seeker_filters()),
            limit=0,
            count_total=False,
            facets={"weeks": RangeFacet(SeekerField.UPDATED_AT, ranges)},
        )
    ).facets["weeks"]
    superseded = superseded_records(seekers, seeking, max_persons=settings.stats_max_shared_persons)
    overcount = overcounted(
        (record for record in superseded if scope.holds(record)),
        lambda record: [key] if (key := week_of(record.updated_at, weeks)) else [],
    )
    vacancies, persons = dict(posted), dict(registered)
    figures = []
    for week in weeks:
        week_vacancies = vacancies.get(week.key, 0)
        week_seekers = persons.get(week.key, 0) - overcount.get(week.key, 0)
        figures.append(
            WeekFigures(
                week_start=week.first_day,
                week_end=week.last_day,
                vacancies=week_vacancies,
                seekers=week_seekers,
                ratio=ratio(week_vacancies, week_seekers),
            )
        )
    return figures
