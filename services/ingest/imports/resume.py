"""Resuming imports: a worker of the ingest service that takes over jobs whose run stopped.

A job is taken over when it is ``interrupted`` (the service stopped, or a backend was down) or
``running`` with a stale heartbeat (its process was killed), and its spooled file is in this process's
data directory: in the embedded shape that is every job after a restart. Elsewhere (another replica's
disk) the job stays answered ``interrupted``. Two processes seeing one data directory both write their
claim, wait, and read it back: only the one whose claim stayed runs the job.
"""

from __future__ import annotations

import logging
import threading
import time

from services.ingest.imports.jobs import OWNER, STATE_KIND, ImportJob, is_stale, load, now, save
from services.ingest.imports.runner import RUNS, ImportContext, spool_path
from shared.adapters.backends import Backends
from shared.security.secret import deployment_secret, id_number_hash

log = logging.getLogger(__name__)

_CLAIM_SETTLE_S = 0.5
_SCAN_LIMIT = 100


class ImportResumer:
    """The service's worker: a scan at start and every ``JOBMATCH_IMPORT_RESUME_CHECK_S`` after."""

    def __init__(self, backends: Backends) -> None:
        settings = backends.settings
        self.backends = backends
        self.context = ImportContext(
            event_log=backends.event_log,
            state=backends.state,
            settings=settings,
            id_number_hash=id_number_hash(deployment_secret(settings)).hexdigest,
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="import-resumer", daemon=True)
        self._alive = True

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        RUNS.stop(self.context.state)
        self._thread.join(timeout=10)

    def healthy(self) -> bool:
        return self._alive

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.scan()
            except Exception:  # a backend outage: the next scan tries again
                log.warning("import resume scan failed", exc_info=True)
            self._stop.wait(self.context.settings.import_resume_check_s)

    def scan(self) -> list[str]:
        """Resume what can be resumed here; the ids of the jobs taken over."""
        settings = self.context.settings
        candidates: list[ImportJob] = []
        for status in ("running", "interrupted"):
            for found in self.context.state.list(STATE_KIND, labels={"status": status}, limit=_SCAN_LIMIT):
                job = ImportJob.model_validate(found.doc)
                if status == "running" and not is_stale(job, stale_after_s=settings.import_stale_after_s):
                    continue
                if RUNS.running(job.id) or not spool_path(settings, job.id).is_file():
                    continue
                candidates.append(job)
        taken = []
        for job in candidates:
            job.status, job.owner, job.heartbeat_at, job.error = "running", OWNER, now(), None
            job.resumed += 1
            save(self.context.state, job)
        if candidates:
            time.sleep(_CLAIM_SETTLE_S)
        for job in candidates:
            current = load(self.context.state, job.id)
            if current is None or current.owner != OWNER:
                continue  # another process claimed it after us
            log.info("import %s resumed after row %d", job.id, current.position)
            if RUNS.start(current, self.context):
                taken.append(job.id)
        return taken
