"""Partner feeds (README "Partner exchange"): every change of postings and of consenting seekers, in order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from services.search.feeds.hidden import hidden_postings
from services.search.feeds.models import FeedQuery, PostingFeedPage, SeekerFeedPage
from services.search.feeds.pages import FEEDS, FeedName, FeedSources, read_page
from shared.adapters.backends import Backends
from shared.domain.deletions import deletion_versions
from shared.security.principal import Principal
from shared.security.roles import Permission
from shared.web.access import requires
from shared.web.deps import BackendsDep
from shared.web.responses import COMMON_ERRORS, PARAMETER_ERRORS, error_responses, written

router = APIRouter(prefix="/v1/feeds", tags=["feeds"], responses=COMMON_ERRORS)

FeedReader = Annotated[Principal, Depends(requires(Permission.FEEDS))]

_DESCRIPTION = (
    "Pages of changes in the event log's order, each item the record's current state in the shape "
    "`POST /v1/{feed}` takes (JSON Schema: shared/schemas/feed-v1.json). Start without `since`, then poll "
    "with the last page's `next`; a page holds only changes already searchable here. A partner key's own "
    "sources are left out (it has them). BAD_CURSOR (400): a cursor this feed did not issue."
)


def _sources(feed: FeedName, backends: Backends) -> FeedSources:
    topic = FEEDS[feed].topic

    def deleted_at(ids: Sequence[str]) -> Mapping[str, int]:
        return deletion_versions(backends.state, topic, ids)

    if feed == "postings":
        return FeedSources(
            event_log=backends.event_log,
            index=backends.postings,
            group=backends.settings.consumer_group,
            hidden=hidden_postings,
            deletion_versions=deleted_at,
        )
    return FeedSources(
        event_log=backends.event_log,
        index=backends.seekers,
        group=backends.settings.consumer_group,
        deletion_versions=deleted_at,
    )


@router.get(
    "/postings",
    summary="Postings feed (partners): every change, closures, expiries and deletions included",
    description=_DESCRIPTION.format(feed="postings"),
    response_model=PostingFeedPage,
    responses={**error_responses(400), **PARAMETER_ERRORS},
)
def postings_feed(
    backends: BackendsDep, principal: FeedReader, query: Annotated[FeedQuery, Query()]
) -> Response:
    page = read_page(
        FEEDS["postings"],
        query.since,
        query.limit,
        sources=_sources("postings", backends),
        principal=principal,
    )
    return written(page)


@router.get(
    "/seekers",
    summary="Seekers feed (partners): consenting seekers without name, ID number or phone",
    description=_DESCRIPTION.format(feed="seekers")
    + " A seeker who did not consent is a delete with reason not_shared (its id only).",
    response_model=SeekerFeedPage,
    responses={**error_responses(400), **PARAMETER_ERRORS},
)
def seekers_feed(
    backends: BackendsDep, principal: FeedReader, query: Annotated[FeedQuery, Query()]
) -> Response:
    page = read_page(
        FEEDS["seekers"], query.since, query.limit, sources=_sources("seekers", backends), principal=principal
    )
    return written(page)
