"""The search service: indexes posting and seeker events, answers the search API."""

from __future__ import annotations

from services.search.consumer import IndexingConsumer
from services.search.review_routes import router as review_router
from services.search.routes import router
from shared.adapters.backends import Backend, Backends
from shared.domain.deletions import deletion_versions
from shared.domain.review import review_states
from shared.security.secret import deployment_secret, subject_hash
from shared.web.audit import erase_from_audit
from shared.web.service import CachedRoute, ServiceSpec, WorkerSpec


def indexing_consumer(backends: Backends) -> IndexingConsumer:
    subjects = subject_hash(deployment_secret(backends.settings))

    def erase(seeker_ids: list[str]) -> None:
        # Audit records written between the DELETE and the index's delete (the profile was still served)
        # lose the seeker's id too.
        for seeker_id in seeker_ids:
            erase_from_audit(backends.audit, subjects, seeker_id)

    return IndexingConsumer(
        event_log=backends.event_log,
        postings=backends.postings,
        seekers=backends.seekers,
        group=backends.settings.consumer_group,
        on_seekers_deleted=erase,
        deletion_versions=lambda topic, ids: deletion_versions(backends.state, topic, ids),
        review_states=lambda records: review_states(backends.state, records),
    )


SEARCH = ServiceSpec(
    name="search",
    title="jobmatch search",
    routers=(router, review_router),
    needs=frozenset(
        {
            Backend.EVENT_LOG,
            Backend.POSTINGS_INDEX,
            Backend.SEEKERS_INDEX,
            Backend.AUDIT_LOG,
            Backend.STATE_STORE,
        }
    ),
    workers=(WorkerSpec("indexing_consumer", indexing_consumer),),
    cached_routes=(CachedRoute("/v1/postings/search", Backend.POSTINGS_INDEX),),
)
