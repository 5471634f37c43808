"""Staff's seeker search: parameters → a port query over the seekers index."""

from __future__ import annotations

from typing import get_args

from services.search.models import SeekerSearchQuery
from shared.domain.education import education_rank
from shared.domain.inputs import SeekerGroup
from shared.domain.problems import Problem, shown
from shared.errors import BadRequest
from shared.index.fields import SEEKER_TEXT_FIELDS, SeekerField
from shared.index.posting_queries import education_label, known_region_code
from shared.ports.search_index import Filter, Range, SearchRequest, SortBy, Terms, TextQuery
from shared.web.limits import Groups

_GROUPS = frozenset(get_args(SeekerGroup))


def build_seeker_request(query: SeekerSearchQuery, groups: Groups) -> SearchRequest:
    """``groups``: the query's words, already checked against the limits (``shared.web.limits``)."""
    filters: list[Filter] = []
    if query.region:
        filters.append(Terms(SeekerField.REGION_PATH, (known_region_code(query.region, "region"),)))
    if query.education:
        filters.append(
            Range(SeekerField.EDUCATION_RANK, gte=education_rank(education_label(query.education)))
        )
    if query.groups:
        wanted = tuple(sorted({name.strip() for name in query.groups.split(",") if name.strip()}))
        unknown = [name for name in wanted if name not in _GROUPS]
        if unknown:
            message = f"未知的人群类别 {shown(', '.join(unknown))}"
            problem = Problem.of("groups", "NOT_ALLOWED", message)
            raise BadRequest(message, code="UNKNOWN_GROUP", details=[problem.model_dump()])
        if wanted:
            filters.append(Terms(SeekerField.GROUPS, wanted))
    if query.q and query.q.strip() and not groups:
        filters.append(Terms(SeekerField.STATUS, ()))  # only punctuation or function words: nothing matches
    text = TextQuery(tuple(groups), SEEKER_TEXT_FIELDS, require_all=True) if groups else None
    return SearchRequest(
        text=text,
        filters=tuple(filters),
        sort=None if text else SortBy(SeekerField.UPDATED_AT, descending=True),
        offset=(query.page - 1) * query.size,
        limit=query.size,
    )
