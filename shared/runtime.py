"""The backends one process holds, opened in a service's lifespan and closed after it.

The embedded shape opens one Runtime and hands it to all three services, so
each tantivy index has exactly one writer in the process.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fastapi import Request

from shared.adapters.backends import open_event_log, open_search_index
from shared.index.documents import POSTINGS, SEEKERS
from shared.ports.event_log import EventLog
from shared.ports.search_index import SearchIndex
from shared.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    event_log: EventLog | None = None
    postings: SearchIndex | None = None
    seekers: SearchIndex | None = None

    @classmethod
    def open(cls, settings: Settings, *, event_log: bool = True, indexes: bool = True) -> Runtime:
        runtime = cls(settings)
        try:
            if event_log:
                runtime.event_log = open_event_log(settings)
                runtime.event_log.ensure_topics()
            if indexes:
                runtime.postings = open_search_index(settings, POSTINGS)
                runtime.seekers = open_search_index(settings, SEEKERS)
        except Exception:
            runtime.close()
            raise
        return runtime

    def ready_checks(self) -> dict[str, bool]:
        checks: dict[str, bool] = {}
        for name, backend in (
            ("event_log", self.event_log),
            ("postings_index", self.postings),
            ("seekers_index", self.seekers),
        ):
            if backend is None:
                continue
            try:
                checks[name] = bool(backend.ping())
            except Exception:  # a readiness probe reports, it does not raise
                log.warning("readiness check %s failed", name, exc_info=True)
                checks[name] = False
        return checks

    def close(self) -> None:
        for backend in (self.event_log, self.postings, self.seekers):
            if backend is not None:
                try:
                    backend.close()
                except Exception:
                    log.warning("closing %r failed", backend, exc_info=True)


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime
