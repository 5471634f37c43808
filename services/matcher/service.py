"""The matcher service: ranks postings for a profile with explained scores."""

from __future__ import annotations

from services.matcher.routes import router
from services.matcher.stats.routes import router as stats_router
from shared.adapters.backends import Backend
from shared.web.service import ServiceSpec

MATCHER = ServiceSpec(
    name="matcher",
    title="jobmatch matcher",
    routers=(router, stats_router),
    needs=frozenset({Backend.POSTINGS_INDEX, Backend.SEEKERS_INDEX, Backend.AUDIT_LOG}),
)
