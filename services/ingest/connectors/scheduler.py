"""The sources of one process: runs started on request or by the scheduler, each under its lease.

``Connectors`` starts a run of a source in a thread of its own once it holds the source's lease
(``lease.py``); a second start while one runs, here or in another process, is refused (409 at the API).
``SourceScheduler`` is the ingest service's worker: every second it starts each source whose
``next_run_at`` has come (a source never run is due at once). Of several replicas, or of the worker
processes of the embedded shape, the scheduler runs where the service's workers run (the process holding
the writer lock); a sync asked of any process runs in that process, under the same lease.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from services.ingest.connectors.checkpoint import Checkpoint, Trigger, load_checkpoint, load_checkpoints
from services.ingest.connectors.config import JsonApiSource, SourceType, load_sources
from services.ingest.connectors.fetch import Pacer
from services.ingest.connectors.lease import Lease, held, holder_id
from services.ingest.connectors.runner import RunContext, begin, now, run_source
from shared.adapters.backends import Backend, Backends
from shared.security.secret import deployment_secret, id_number_hash

log = logging.getLogger(__name__)

TICK_S = 1.0
STOP_WAIT_S = 30.0


def lease_key(name: str) -> str:
    return f"source:{name}"


class SourceBusy(Exception):
    """A run of the source is going on, in this process or another."""


@dataclass(frozen=True)
class Source:
    type: SourceType
    """As the file declared it (``jobmatch_feed`` is run as the JSON API configuration it stands for)."""
    config: JsonApiSource


class Connectors:
    def __init__(
        self,
        sources: list[Source],
        backends: Backends,
        *,
        environ: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.sources = {source.config.name: source for source in sources}
        self._backends = backends
        self._environ = os.environ if environ is None else environ
        self._transport = transport
        self._pacers = {name: Pacer(s.config.rate_limit, name) for name, s in self.sources.items()}
        self._running: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()
        self._hash = id_number_hash(deployment_secret(backends.settings)).hexdigest
        self.stopping = threading.Event()
        self.holder = holder_id()

    @classmethod
    def from_settings(cls, backends: Backends) -> Connectors:
        """The sources of ``JOBMATCH_SOURCES_FILE`` (none when unset); a bad file raises at start."""
        path = backends.settings.sources_file
        sources = [Source(kind, config) for kind, config in load_sources(path)] if path else []
        for source in sources:
            auth = source.config.auth
            if auth is not None and not os.environ.get(auth.env):
                log.warning("source %s: environment variable %s is not set", source.config.name, auth.env)
        return cls(sources, backends)

    def _context(self, source: JsonApiSource) -> RunContext:
        index = Backend.POSTINGS_INDEX if source.kind == "postings" else Backend.SEEKERS_INDEX
        return RunContext(
            source=source,
            state=self._backends.state,
            event_log=self._backends.event_log,
            index=self._backends.index(index),
            id_number_hash=self._hash,
            pacer=self._pacers[source.name],
            stopping=self.stopping,
            environ=self._environ,
            transport=self._transport,
        )

    def running(self, name: str) -> bool:
        thread = self._running.get(name)
        return thread is not None and thread.is_alive()

    def start(self, name: str, trigger: Trigger) -> Checkpoint:
        """Starts a run (KeyError: no such source; SourceBusy: one is going on); the checkpoint it began."""
        source = self.sources[name].config
        with self._lock:
            if self.stopping.is_set() or self.running(name):
                raise SourceBusy(name)
            lease = Lease(
                self._backends.state,
                lease_key(name),
                self.holder,
                self._backends.settings.connector_lease_s,
            )
            if not lease.try_take():
                raise SourceBusy(name)
            try:
                context = self._context(source)
                checkpoint = begin(context, trigger=trigger, holder=self.holder)
            except BaseException:
                lease.release()
                raise
            thread = threading.Thread(
                target=self._run, args=(context, checkpoint, lease), name=f"source {name}", daemon=True
            )
            self._running[name] = thread
            thread.start()
        return checkpoint

    def _run(self, context: RunContext, checkpoint: Checkpoint, lease: Lease) -> None:
        try:
            run_source(context, checkpoint, lost=lambda: lease.lost)
        finally:
            lease.release()

    def due(self) -> list[str]:
        scheduled = [name for name, s in self.sources.items() if s.config.interval_s is not None]
        if not scheduled:
            return []
        moment = now()
        checkpoints = load_checkpoints(self._backends.state, scheduled)
        due = []
        for name in scheduled:
            when = checkpoints[name].next_run_at
            if not self.running(name) and (when is None or when <= moment):
                due.append(name)
        return due

    def busy(self) -> set[str]:
        """The sources a run of which is going on, here or in another process (their lease is held)."""
        keys = {lease_key(name): name for name in self.sources}
        taken = held(self._backends.state, list(keys)) if keys else set()
        return {keys[key] for key in taken} | {name for name in self.sources if self.running(name)}

    def checkpoint(self, name: str) -> Checkpoint:
        return load_checkpoint(self._backends.state, name)

    def checkpoints(self) -> dict[str, Checkpoint]:
        return load_checkpoints(self._backends.state, list(self.sources))

    def stop(self) -> None:
        """Runs stop before their next request or page (a request under way ends first, or times out)."""
        self.stopping.set()
        deadline = time.monotonic() + STOP_WAIT_S
        for thread in list(self._running.values()):
            # Past the deadline a run is left to the process's exit: its checkpoint holds what it published.
            thread.join(timeout=max(0.0, deadline - time.monotonic()))


class SourceScheduler:
    """The ingest service's worker: each source every ``interval_s`` (the Worker protocol)."""

    def __init__(self, connectors: Connectors) -> None:
        self.connectors = connectors
        self._thread = threading.Thread(target=self._loop, name="source scheduler", daemon=True)

    @classmethod
    def create(cls, backends: Backends) -> SourceScheduler:
        return cls(Connectors.from_settings(backends))

    def start(self) -> None:
        self._thread.start()

    def _loop(self) -> None:
        stopping = self.connectors.stopping
        while not stopping.is_set():
            try:
                for name in self.connectors.due():
                    try:
                        self.connectors.start(name, "schedule")
                    except SourceBusy:
                        pass  # another process holds it, or it already runs here
            except Exception:  # a backend outage: the next tick tries again
                log.warning("source scheduler: a tick failed", exc_info=True)
            stopping.wait(TICK_S)

    def stop(self) -> None:
        self.connectors.stop()
        self._thread.join(timeout=STOP_WAIT_S)

    def healthy(self) -> bool:
        return self._thread.is_alive() or not self.connectors.sources
