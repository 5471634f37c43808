"""One run of one source: pages from the checkpoint on, each published, then the checkpoint moved past it.

A run ends when the platform has no more pages (succeeded), when a request still fails after its
retries or a backend is down (failed: the error is kept as ``last_error`` and the checkpoint stays at
the page that failed), or when the service stops or the lease is lost (interrupted). Nothing here
raises to the caller: a platform's misbehaviour is the run's outcome, never the service's crash.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from services.ingest.connectors.checkpoint import (
    Checkpoint,
    Counts,
    Outcome,
    PageValidators,
    Run,
    RunError,
    Trigger,
    load_checkpoint,
    save_checkpoint,
)
from services.ingest.connectors.config import CursorPaging, JsonApiSource, PagePaging
from services.ingest.connectors.fetch import Fetched, Pacer, PlatformClient, PlatformError, Validators
from services.ingest.connectors.items import value_at
from services.ingest.connectors.pages import PageSink
from shared.errors import BackendUnavailable
from shared.ports.event_log import EventLog
from shared.ports.search_index import SearchIndex
from shared.ports.state_store import StateStore

log = logging.getLogger(__name__)


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class RunContext:
    source: JsonApiSource
    state: StateStore
    event_log: EventLog
    index: SearchIndex
    """The index of the source's kind: where the versions already indexed are read."""
    id_number_hash: Callable[[str], str]
    pacer: Pacer
    stopping: threading.Event
    environ: Mapping[str, str]
    transport: httpx.BaseTransport | None = None


class _Stopped(Exception):
    pass


def next_run_at(source: JsonApiSource, finished_at: datetime) -> datetime | None:
    return None if source.interval_s is None else finished_at + timedelta(seconds=source.interval_s)


def begin(context: RunContext, *, trigger: Trigger, holder: str) -> Checkpoint:
    """The checkpoint with this run started in it, stored: what GET /v1/sources shows while it runs."""
    checkpoint = load_checkpoint(context.state, context.source.name)
    checkpoint.last_run = Run(started_at=now(), trigger=trigger, holder=holder)
    save_checkpoint(context.state, checkpoint)
    return checkpoint


def run_source(context: RunContext, checkpoint: Checkpoint, *, lost: Callable[[], bool]) -> Checkpoint:
    """Runs the source from ``checkpoint`` (as ``begin`` stored it); the checkpoint as finally stored."""
    source = context.source
    run = checkpoint.last_run
    assert run is not None, "begin() starts the run"
    sink = PageSink(
        source=source,
        event_log=context.event_log,
        state=context.state,
        index=context.index,
        id_number_hash=context.id_number_hash,
    )
    outcome: Outcome = "succeeded"
    error: RunError | None = None
    client: PlatformClient | None = None
    try:
        client = PlatformClient(
            source,
            pacer=context.pacer,
            stopping=context.stopping,
            environ=context.environ,
            transport=context.transport,
        )
        _pages(context, checkpoint, run, client, sink, lost)
    except _Stopped:
        outcome = "interrupted"
    except PlatformError as failure:
        outcome = "interrupted" if context.stopping.is_set() else "failed"
        error = RunError(at=now(), code=failure.code, message=failure.message)
    except BackendUnavailable as failure:
        outcome = "failed"
        error = RunError(at=now(), code="BACKEND_UNAVAILABLE", message="事件日志、索引或状态存储暂时不可用")
        log.warning("source %s: a backend is unavailable: %s", source.name, failure.message)
    except Exception:
        # A defect of ours: the run fails with the checkpoint where the last published page left it.
        log.exception("source %s: run failed", source.name)
        outcome = "failed"
        error = RunError(at=now(), code="INTERNAL", message="连接器内部错误，已记录待查")
    finally:
        if client is not None:
            client.close()
    run.outcome = outcome
    run.finished_at = now()
    if error is not None:
        checkpoint.last_error = error
    checkpoint.next_run_at = next_run_at(source, run.finished_at)
    try:
        save_checkpoint(context.state, checkpoint)
    except Exception:  # the pages' positions were stored as each was published; only the summary is lost
        log.warning("source %s: could not store the run's outcome", source.name, exc_info=True)
    log.info(
        "source %s: run %s (%s)",
        source.name,
        outcome,
        ", ".join(f"{name} {value}" for name, value in run.counts.model_dump().items()),
    )
    return checkpoint


def _pages(
    context: RunContext,
    checkpoint: Checkpoint,
    run: Run,
    client: PlatformClient,
    sink: PageSink,
    lost: Callable[[], bool],
) -> None:
    source = context.source
    paging = source.paging
    while True:
        if context.stopping.is_set() or lost():
            raise _Stopped
        if isinstance(paging, PagePaging):
            number = checkpoint.page if checkpoint.page is not None else paging.first_page
            position = str(number)
            params = {paging.page_param: position, paging.size_param: str(paging.size)}
        else:
            number = 0
            cursor = checkpoint.cursor if checkpoint.cursor is not None else paging.start
            position = cursor or ""
            params = {paging.cursor_param: cursor} if cursor else {}
            if paging.size_param:
                params[paging.size_param] = str(paging.size)
        kept = checkpoint.validators.get(position)
        fetched = client.fetch(
            {**source.params, **params},
            Validators(kept.etag, kept.last_modified) if kept is not None else None,
        )
        counts = Counts(pages=1)
        if fetched.unchanged:
            counts.unchanged_pages = 1
            after = kept or PageValidators()
        else:
            counts = counts.add(sink.take(fetched.items, page=position, received_at=now()))
            after = _validators_after(fetched, paging)
        # The page's records are in the event log: only now may the checkpoint move past it.
        run.counts = run.counts.add(counts)
        checkpoint.totals = checkpoint.totals.add(counts)
        if fetched.validators:
            checkpoint.keep_validators(position, after)
        done = (
            _advance_pages(checkpoint, paging, number, after, fetched)
            if isinstance(paging, PagePaging)
            else _advance_cursor(checkpoint, position, after)
        )
        save_checkpoint(context.state, checkpoint)
        if done:
            return


def _validators_after(fetched: Fetched, paging: PagePaging | CursorPaging) -> PageValidators:
    following = value_at(fetched.body, paging.next_path) if isinstance(paging, CursorPaging) else None
    if isinstance(following, int) and not isinstance(following, bool):
        following = str(following)
    return PageValidators(
        etag=fetched.validators.etag,
        last_modified=fetched.validators.last_modified,
        next=following if isinstance(following, str) else None,
        items=len(fetched.items),
        total=_total(fetched, paging),
    )


def _total(fetched: Fetched, paging: PagePaging | CursorPaging) -> int | None:
    if not isinstance(paging, PagePaging) or paging.total_path is None:
        return None
    total = value_at(fetched.body, paging.total_path)
    return total if isinstance(total, int) and not isinstance(total, bool) else None


def _advance_pages(
    checkpoint: Checkpoint, paging: PagePaging, number: int, after: PageValidators, fetched: Fetched
) -> bool:
    items = after.items if fetched.unchanged else len(fetched.items)
    served = (number - paging.first_page + 1) * paging.size
    last = items is None or items < paging.size or (after.total is not None and served >= after.total)
    # A pass complete, the next run walks the listing from its first page again (304s make that cheap).
    checkpoint.page = None if last else number + 1
    return last


def _advance_cursor(checkpoint: Checkpoint, position: str, after: PageValidators) -> bool:
    following = after.next
    if not following or following == position:
        # Kept where it is: the next run asks for what changed since this cursor.
        checkpoint.cursor = position or None
        return True
    checkpoint.cursor = following
    # Only the page a run resumes at is asked for again: the others' validators would never be used.
    checkpoint.validators = {key: kept for key, kept in checkpoint.validators.items() if key == following}
    return False
