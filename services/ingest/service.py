"""The ingest service: validates, normalises and publishes postings and seekers.

It reads the indexes only to answer a deletion of an unknown id with 404, and the audit log only to
erase a deleted seeker's id from it. Its workers pull the configured platforms (``connectors``) and resume
interrupted file imports (``imports``).
"""

from __future__ import annotations

from services.ingest.connectors.routes import WORKER_NAME
from services.ingest.connectors.routes import router as sources_router
from services.ingest.connectors.scheduler import SourceScheduler
from services.ingest.dead_letters.copier import DeadLetterCopier
from services.ingest.dead_letters.routes import router as dead_letters_router
from services.ingest.imports.resume import ImportResumer
from services.ingest.imports.routes import IMPORTS_PATH
from services.ingest.imports.routes import router as imports_router
from services.ingest.routes import router
from shared.adapters.backends import Backend, Backends
from shared.web.service import ServiceSpec, WorkerSpec


def dead_letter_copier(backends: Backends) -> DeadLetterCopier:
    return DeadLetterCopier(event_log=backends.event_log, state=backends.state)


INGEST = ServiceSpec(
    name="ingest",
    title="jobmatch ingest",
    routers=(router, sources_router, imports_router, dead_letters_router),
    needs=frozenset(
        {
            Backend.EVENT_LOG,
            Backend.POSTINGS_INDEX,
            Backend.SEEKERS_INDEX,
            Backend.AUDIT_LOG,
            Backend.STATE_STORE,
        }
    ),
    workers=(
        WorkerSpec(WORKER_NAME, SourceScheduler.create),
        WorkerSpec("imports", ImportResumer),
        WorkerSpec("dead_letter_copier", dead_letter_copier),
    ),
    streamed_bodies=(IMPORTS_PATH,),
)
