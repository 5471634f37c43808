"""The backends one process holds: opened from the settings, in a service's lifespan, closed after it.

The settings pick the adapter of each port; nothing above the ports knows
which one it got. The embedded shape opens one ``Backends`` and hands it to
all three services, so each tantivy index has exactly one writer in the process.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from shared.index.fields import POSTINGS, SEEKERS
from shared.ports.audit_log import AuditLog
from shared.ports.event_log import EventLog
from shared.ports.search_index import IndexSchema, SearchIndex
from shared.ports.state_store import StateStore
from shared.security.secret import private_directory
from shared.settings import Settings

log = logging.getLogger(__name__)


class Backend(StrEnum):
    """What a service may need; its declaration (``shared.web.service``) names them."""

    EVENT_LOG = "event_log"
    POSTINGS_INDEX = "postings_index"
    SEEKERS_INDEX = "seekers_index"
    AUDIT_LOG = "audit_log"
    STATE_STORE = "state_store"


class BackendNotOpened(RuntimeError):
    """A route asked for a backend its service does not declare: a programming error, caught by tests."""


def open_search_index(settings: Settings, schema: IndexSchema, *, read_only: bool = False) -> SearchIndex:
    """``read_only``: a tantivy index another process of this data directory writes (``writer_lock``)."""
    if settings.index_backend == "elasticsearch":
        from shared.adapters.es_index import open_elasticsearch_index

        return open_elasticsearch_index(schema, url=settings.elasticsearch_url, prefix=settings.index_prefix)
    from shared.adapters.tantivy_index import TantivyIndex
    from shared.index.rebuild import rebuild_of

    path = settings.data_dir / "index" / schema.name
    return TantivyIndex(schema, path, read_only=read_only, rebuild=rebuild_of(schema))


def open_event_log(settings: Settings) -> EventLog:
    if settings.eventlog_backend == "kafka":
        from shared.adapters.kafka_log import KafkaEventLog

        return KafkaEventLog(
            bootstrap=settings.kafka_bootstrap,
            partitions=settings.kafka_topic_partitions,
            replication=settings.kafka_topic_replication,
            topic_prefix=settings.kafka_topic_prefix,
        )
    from shared.adapters.sqlite_log import SqliteEventLog

    return SqliteEventLog(settings.data_dir / "events.sqlite3")


def open_audit_log(settings: Settings) -> AuditLog:
    """Beside the records it is about: SQLite with the embedded shape's files, Elasticsearch otherwise."""
    if settings.index_backend == "elasticsearch":
        from shared.adapters.es_audit import ElasticsearchAuditLog

        return ElasticsearchAuditLog(url=settings.elasticsearch_url, prefix=settings.index_prefix)
    from shared.adapters.sqlite_audit import SqliteAuditLog

    return SqliteAuditLog(settings.data_dir / "audit.sqlite3")


def open_state_store(settings: Settings) -> StateStore:
    """Like the audit log: SQLite with the embedded shape's files, Elasticsearch otherwise."""
    if settings.index_backend == "elasticsearch":
        from shared.adapters.es_state import ElasticsearchStateStore

        return ElasticsearchStateStore(url=settings.elasticsearch_url, prefix=settings.index_prefix)
    from shared.adapters.sqlite_state import SqliteStateStore

    return SqliteStateStore(settings.data_dir / "state.sqlite3")


@dataclass
class Backends:
    settings: Settings
    _event_log: EventLog | None = None
    _postings: SearchIndex | None = None
    _seekers: SearchIndex | None = None
    _audit: AuditLog | None = None
    _state: StateStore | None = None

    @classmethod
    def open(cls, settings: Settings, needs: frozenset[Backend], *, read_only: bool = False) -> Backends:
        backends = cls(settings)
        if settings.index_backend == "tantivy" or settings.eventlog_backend == "sqlite":
            # Seekers' profiles are in these files: other local users are kept out by the directory.
            private_directory(settings.data_dir)
        try:
            if Backend.EVENT_LOG in needs:
                backends._event_log = open_event_log(settings)
                backends._event_log.ensure_topics()
            if Backend.POSTINGS_INDEX in needs:
                backends._postings = open_search_index(settings, POSTINGS, read_only=read_only)
            if Backend.SEEKERS_INDEX in needs:
                backends._seekers = open_search_index(settings, SEEKERS, read_only=read_only)
            if Backend.AUDIT_LOG in needs:
                backends._audit = open_audit_log(settings)
            if Backend.STATE_STORE in needs:
                backends._state = open_state_store(settings)
        except Exception:
            backends.close()
            raise
        return backends

    @property
    def event_log(self) -> EventLog:
        return _required(self._event_log, Backend.EVENT_LOG)

    @property
    def postings(self) -> SearchIndex:
        return _required(self._postings, Backend.POSTINGS_INDEX)

    @property
    def seekers(self) -> SearchIndex:
        return _required(self._seekers, Backend.SEEKERS_INDEX)

    @property
    def audit(self) -> AuditLog:
        return _required(self._audit, Backend.AUDIT_LOG)

    @property
    def state(self) -> StateStore:
        return _required(self._state, Backend.STATE_STORE)

    def index(self, which: Backend) -> SearchIndex:
        if which == Backend.SEEKERS_INDEX:
            return self.seekers
        if which == Backend.POSTINGS_INDEX:
            return self.postings
        raise ValueError(f"{which} is not an index")

    def _opened(self) -> dict[str, EventLog | SearchIndex | AuditLog | StateStore]:
        pairs: tuple[tuple[Backend, EventLog | SearchIndex | AuditLog | StateStore | None], ...] = (
            (Backend.EVENT_LOG, self._event_log),
            (Backend.POSTINGS_INDEX, self._postings),
            (Backend.SEEKERS_INDEX, self._seekers),
            (Backend.AUDIT_LOG, self._audit),
            (Backend.STATE_STORE, self._state),
        )
        return {str(name): backend for name, backend in pairs if backend is not None}

    def ready_checks(self) -> dict[str, bool]:
        checks: dict[str, bool] = {}
        for name, backend in self._opened().items():
            try:
                checks[name] = bool(backend.ping())
            except Exception:  # a readiness probe reports, it does not raise
                log.warning("readiness check %s failed", name, exc_info=True)
                checks[name] = False
        return checks

    def close(self) -> None:
        for backend in self._opened().values():
            try:
                backend.close()
            except Exception:
                log.warning("closing %r failed", backend, exc_info=True)


T = TypeVar("T")


def _required(backend: T | None, name: Backend) -> T:
    if backend is None:
        raise BackendNotOpened(f"{name} was not opened: add it to the service's declaration")
    return backend
