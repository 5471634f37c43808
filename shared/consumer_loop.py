"""A consumer group's loop in a background thread, with the retry rule every worker of ours follows.

A batch that fails is not committed: the loop rewinds to the group's last commit and tries again with
exponential backoff and jitter (tenacity), keeping its group membership, until it succeeds or the loop
is stopped. ``healthy`` (what /readyz reports) turns false after ``UNHEALTHY_AFTER_S`` of failures, so
an alert fires. The indexing consumer and the dead-letter copier are such loops.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from tenacity import RetryCallState, RetryError, Retrying, retry_if_exception_type, wait_exponential_jitter

from shared.errors import BackendUnavailable
from shared.ports.event_log import Consumer, EventLog

log = logging.getLogger(__name__)

UNHEALTHY_AFTER_S = 30.0
RETRY_INITIAL_S = 0.5
RETRY_MAX_S = 10.0


class ConsumerLoop:
    """Subclasses say what one batch does (``run_once``); this runs it until ``stop``."""

    thread_name = "consumer"
    failure = "a batch failed"
    """How the log names a failed batch."""

    def __init__(self, *, event_log: EventLog, topics: Sequence[str], group: str) -> None:
        self._event_log = event_log
        self._topics = list(topics)
        self._group = group
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.failing_since: float | None = None
        """Monotonic time of the first failure in the current run of failures; None while healthy."""

    def run_once(self, consumer: Consumer, *, max_records: int = 500, timeout_s: float = 0.5) -> int:
        """Poll one batch, make its effect durable, commit it; how many events it held."""
        raise NotImplementedError

    def _failed(self, exc: BaseException | None) -> None:
        """Called before each retry (a counter for /metrics, in a subclass)."""

    def _retrying(self, consumer: Consumer) -> Retrying:
        def before_sleep(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            self.failing_since = self.failing_since or time.monotonic()
            self._failed(exc)
            level = logging.WARNING if isinstance(exc, BackendUnavailable) else logging.ERROR
            delay = state.next_action.sleep if state.next_action else 0
            log.log(level, "%s (%s), retrying in %.1fs", self.failure, exc, delay, exc_info=exc)
            try:
                # Nothing was committed: read the batch again from the last commit.
                consumer.rewind()
            except Exception:  # the rewind itself may hit the same outage; the next attempt retries it
                log.warning("rewind failed", exc_info=True)

        return Retrying(
            retry=retry_if_exception_type(Exception),
            wait=wait_exponential_jitter(multiplier=RETRY_INITIAL_S, max=RETRY_MAX_S),
            stop=lambda _state: self._stop.is_set(),
            sleep=self._sleep,
            before_sleep=before_sleep,
        )

    def _sleep(self, seconds: float) -> None:
        self._stop.wait(seconds)  # wakes at once on stop()

    def run(self) -> None:
        consumer = self._event_log.consumer(self._topics, self._group)
        retrying = self._retrying(consumer)
        try:
            while not self._stop.is_set():
                try:
                    retrying(self.run_once, consumer)
                except RetryError:
                    break  # stopped while retrying: the batch stays uncommitted for the next start
                self.failing_since = None
        finally:
            consumer.close()

    def healthy(self) -> bool:
        """Alive, and not failing for longer than a retry cycle: what /readyz reports."""
        alive = self._thread is not None and self._thread.is_alive()
        failing_for = 0.0 if self.failing_since is None else time.monotonic() - self.failing_since
        return alive and failing_for < UNHEALTHY_AFTER_S

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 15.0) -> None:
        """Finish the batch in hand, commit it and close: what SIGTERM should do."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
