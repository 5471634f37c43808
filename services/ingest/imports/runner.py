"""Running an import in a background thread: rows read one by one, each mapped and checked as a pushed
record is, published in batches; the job's document is the checkpoint after each batch.

A resumed run (``services.ingest.imports.resume``) reads the spooled file again from the start and skips
the rows before the last checkpoint; rows after it were published, if at all, under the same ids, so
publishing them again changes nothing.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from services.ingest.batch import TOPICS, IdNumberHash, check_record
from services.ingest.imports.detect import Detected, ImportRefused
from services.ingest.imports.jobs import OWNER, ImportJob, JobError, RowError, SheetSummary, now, save
from services.ingest.imports.mapping import ImportMapping, load_mapping, mappings_dir
from services.ingest.imports.readers import Row, SheetInfo, read_rows
from services.ingest.imports.rows import header_of, map_row, target_of
from shared.domain.personal import PERSONAL_FIELDS, dead_letter_copy
from shared.domain.problems import Problem
from shared.errors import BackendUnavailable, JobmatchError
from shared.ports.event_log import TOPIC_DLQ, EventLog
from shared.ports.state_store import StateStore
from shared.settings import Settings

log = logging.getLogger(__name__)

REMOVED = "(removed)"
_SEEKER_RAW_KEPT = ("source", "source_id", "updated_at")


def spool_dir(settings: Settings) -> Path:
    return settings.data_dir / "imports"


def spool_path(settings: Settings, job_id: str) -> Path:
    return spool_dir(settings) / f"{job_id}.upload"


@dataclass(frozen=True)
class ImportContext:
    event_log: EventLog
    state: StateStore
    settings: Settings
    id_number_hash: IdNumberHash


def scrubbed_raw(kind: str, raw: dict[str, Any], mapping: ImportMapping) -> dict[str, Any]:
    """What a dead letter keeps of a row. A posting's row is public and kept whole (a personal field aside);
    a seeker's row keeps only its identifiers: a profile is personal as a whole (``dead_letter_copy``)."""
    kept: dict[str, Any] = {}
    for key, value in raw.items():
        target = target_of(
            header_of(str(key)), kind="seekers" if kind == "seekers" else "postings", mapping=mapping
        )
        field_name = (target or "").removesuffix("+")
        if kind == "seekers":
            keep = field_name in _SEEKER_RAW_KEPT
        else:
            keep = field_name not in PERSONAL_FIELDS
        kept[str(key)] = value if keep or value in (None, "") else REMOVED
    return kept


class _Stopped(Exception):
    """The service is stopping: the run ends at a checkpoint, to be resumed."""


@dataclass
class _Batch:
    accepted: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    dead: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    errors_total: int = 0
    rows: int = 0
    rejected: int = 0


class ImportRun:
    def __init__(self, job: ImportJob, context: ImportContext, stop: threading.Event) -> None:
        self.job = job
        self.context = context
        self.stop = stop
        self.lock = threading.Lock()
        self.finished = threading.Event()

    # --- the job's document -------------------------------------------------------------------------

    def _save(self) -> None:
        with self.lock:
            self.job.heartbeat_at = now()
            self.job.owner = OWNER
            save(self.context.state, self.job)

    def _heartbeat(self) -> None:
        interval = self.context.settings.import_heartbeat_s
        while not self.finished.wait(interval):
            try:
                self._save()
            except Exception:  # a missed beat is retried at the next; the run itself goes on
                log.warning("import %s: heartbeat not written", self.job.id, exc_info=True)

    def _finish(self, status: str, error: JobError | None = None) -> None:
        self.finished.set()
        with self.lock:
            self.job.status = status  # type: ignore[assignment]
            self.job.error = error
            if status in ("done", "failed"):
                self.job.finished_at = now()
        self._save()
        if status in ("done", "failed"):
            spool_path(self.context.settings, self.job.id).unlink(missing_ok=True)

    # --- the run ------------------------------------------------------------------------------------

    def run(self) -> None:
        beat = threading.Thread(target=self._heartbeat, name=f"import-heartbeat-{self.job.id}", daemon=True)
        beat.start()
        try:
            self._rows()
        except _Stopped:
            self._finish(
                "interrupted", JobError(code="SERVICE_STOPPED", message="服务停止，导入将在重启后继续")
            )
        except ImportRefused as exc:
            self._finish("failed", JobError(code=exc.code, message=exc.message))
        except BackendUnavailable as exc:
            log.warning("import %s paused: %s", self.job.id, exc.message)
            message = "事件日志或状态存储暂时不可用，导入将自动继续"
            self._finish("interrupted", JobError(code="BACKEND_UNAVAILABLE", message=message))
        except JobmatchError as exc:
            self._finish("failed", JobError(code=exc.code, message=exc.message))
        except Exception:
            log.exception("import %s failed", self.job.id)
            self._finish("failed", JobError(code="IMPORT_FAILED", message="导入因内部错误中止，已记录待查"))
        else:
            self._finish("done")

    def _rows(self) -> None:
        job, settings = self.job, self.context.settings
        directory = mappings_dir(settings.import_mappings_dir)
        mapping = load_mapping(job.mapping, directory=directory, kind=job.kind).with_source(job.source)
        path = spool_path(settings, job.id)
        if not path.is_file():
            raise ImportRefused("UPLOAD_MISSING", "上传的文件已不在本机（导入无法继续），请重新导入")
        sheets: list[SheetInfo] = []
        received_at = now()
        done_before = job.position
        position = 0
        batch = _Batch()
        for row in read_rows(
            path, Detected(job.format, job.encoding), kind=job.kind, mapping=mapping, sheets=sheets
        ):
            position += 1
            if position <= done_before:
                continue
            if self.stop.is_set():
                self._flush(batch, position - 1, sheets)
                raise _Stopped
            self._check(row, mapping, received_at, batch)
            if batch.rows >= settings.import_batch_records:
                self._flush(batch, position, sheets)
                batch = _Batch()
        self._flush(batch, position, sheets)

    def _check(self, row: Row, mapping: ImportMapping, received_at: datetime, batch: _Batch) -> None:
        job = self.job
        batch.rows += 1
        mapped: dict[str, Any] | None = None
        problems: list[Problem]
        if row.problem is not None:
            problems = [row.problem]
        else:
            try:
                mapped = map_row(row.cells, kind=job.kind, mapping=mapping)
            except Exception:
                log.exception("import %s: mapping row %d failed", job.id, row.number)
                mapped = None
                problems = [Problem.of("(record)", "NOT_PROCESSABLE", "这一行无法处理，已记录待查")]
            if mapped is not None:
                record, result = check_record(
                    job.kind, mapped, received_at=received_at, id_number_hash=self.context.id_number_hash
                )
                if record is not None:
                    batch.accepted.append((record.id, record.model_dump(mode="json")))
                    return
                problems = list(result.errors or [])
        batch.rejected += 1
        for problem in problems:
            batch.errors_total += 1
            batch.errors.append(RowError(row=row.number, sheet=row.sheet, **problem.model_dump()))
        dead = {
            "kind": job.kind,
            "index": row.number,
            "errors": [problem.model_dump() for problem in problems],
            "record": dead_letter_copy(job.kind, mapped) if mapped is not None else None,
            "received_at": received_at.isoformat(),
            "origin": {
                "type": "import",
                "import_id": job.id,
                "sheet": row.sheet,
                "row": row.number,
                "source": job.source,
                "mapping": job.mapping,
                "raw": scrubbed_raw(job.kind, row.cells, mapping),
            },
        }
        batch.dead.append((f"import:{job.id}:{row.sheet or ''}:{row.number}", dead))

    def _flush(self, batch: _Batch, position: int, sheets: list[SheetInfo]) -> None:
        job, event_log = self.job, self.context.event_log
        if batch.accepted:
            event_log.publish(TOPICS[job.kind], batch.accepted)
        if batch.dead:
            try:
                event_log.publish(TOPIC_DLQ, batch.dead)
            except Exception:  # noqa: BLE001 - the job's errors carry them; a DLQ outage must not stop the import
                log.warning(
                    "import %s: %d rejected rows not copied to %s", job.id, len(batch.dead), TOPIC_DLQ
                )
        with self.lock:
            job.position = position
            job.rows_read = position
            job.accepted += len(batch.accepted)
            job.rejected += batch.rejected
            room = max(0, self.context.settings.import_max_errors - len(job.errors))
            job.errors.extend(batch.errors[:room])
            job.errors_total += batch.errors_total
            job.sheets = [
                SheetSummary(
                    name=sheet.name, header_row=sheet.header_row, ignored_columns=sheet.ignored_columns
                )
                for sheet in sheets
            ]
        self._save()


class _Runs:
    """This process's running imports, so a stopping service ends them at a checkpoint."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[str, tuple[ImportRun, threading.Thread]] = {}

    def start(self, job: ImportJob, context: ImportContext) -> bool:
        """False when this process already runs the job."""
        with self._lock:
            held = self._runs.get(job.id)
            if held is not None and held[1].is_alive():
                return False
            run = ImportRun(job, context, threading.Event())
            thread = threading.Thread(target=run.run, name=f"import-{job.id}", daemon=True)
            self._runs[job.id] = (run, thread)
            thread.start()
            return True

    def running(self, job_id: str) -> bool:
        with self._lock:
            held = self._runs.get(job_id)
            return held is not None and held[1].is_alive()

    def stop(self, state: StateStore, timeout_s: float = 10.0) -> None:
        """Stop the runs writing to ``state`` (one service's; tests start several in one process)."""
        with self._lock:
            mine = [(run, thread) for run, thread in self._runs.values() if run.context.state is state]
        for run, _ in mine:
            run.stop.set()
        for _, thread in mine:
            thread.join(timeout_s)

    def join(self, job_id: str, timeout_s: float) -> None:
        with self._lock:
            held = self._runs.get(job_id)
        if held is not None:
            held[1].join(timeout_s)


RUNS = _Runs()
