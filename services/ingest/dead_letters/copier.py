"""Copies the dead-letter topic into the state store, where staff list, filter and page through it.

A background worker of the ingest service, one group (``GROUP``) across replicas: it commits a batch
only once its letters are stored, so a restart copies again what was not, and a letter already stored
keeps its status (a replayed letter is not reopened by a second copy).
"""

from __future__ import annotations

import logging
import threading
import time

from services.ingest.dead_letters.letters import DEAD_LETTERS, letter_doc
from shared.ports.event_log import TOPIC_DLQ, Consumer, EventLog
from shared.ports.state_store import StateStore

log = logging.getLogger(__name__)

GROUP = "jobmatch-dead-letters"
RETRY_MAX_S = 10.0
UNHEALTHY_AFTER_S = 30.0


class DeadLetterCopier:
    def __init__(self, *, event_log: EventLog, state: StateStore, group: str = GROUP) -> None:
        self._event_log = event_log
        self._state = state
        self._group = group
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.failing_since: float | None = None

    def copy_once(self, consumer: Consumer, *, timeout_s: float = 0.5) -> int:
        events = consumer.poll(max_records=500, timeout_s=timeout_s)
        if not events:
            return 0
        letters = [letter_doc(event) for event in events]
        stored = self._state.get_many(DEAD_LETTERS, [key for key, _, _ in letters])
        for key, doc, labels in letters:
            if key not in stored:
                self._state.put(DEAD_LETTERS, key, doc, labels=labels)
        consumer.commit(events)
        return len(events)

    def run(self) -> None:
        consumer = self._event_log.consumer([TOPIC_DLQ], self._group)
        delay = 0.5
        try:
            while not self._stop.is_set():
                try:
                    self.copy_once(consumer)
                    self.failing_since, delay = None, 0.5
                except Exception:
                    self.failing_since = self.failing_since or time.monotonic()
                    log.warning("copying dead letters failed; retrying in %.1fs", delay, exc_info=True)
                    self._stop.wait(delay)
                    delay = min(delay * 2, RETRY_MAX_S)
                    try:
                        consumer.rewind()
                    except Exception:
                        log.warning("rewind failed", exc_info=True)
        finally:
            consumer.close()

    def healthy(self) -> bool:
        alive = self._thread is not None and self._thread.is_alive()
        failing_for = 0.0 if self.failing_since is None else time.monotonic() - self.failing_since
        return alive and failing_for < UNHEALTHY_AFTER_S

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="dead-letter-copier", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(15.0)
