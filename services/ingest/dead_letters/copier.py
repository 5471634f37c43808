"""Copies the dead-letter topic into the state store, where staff list, filter and page through it.

A background worker of the ingest service, one group (``GROUP``) across replicas: it commits a batch
only once its letters are stored, so a restart copies again what was not, and a letter already stored
keeps its status (a replayed letter is not reopened by a second copy).
"""

from __future__ import annotations

from services.ingest.dead_letters.letters import DEAD_LETTERS, letter_doc
from shared.consumer_loop import ConsumerLoop
from shared.ports.event_log import TOPIC_DLQ, Consumer, EventLog
from shared.ports.state_store import StateStore

GROUP = "jobmatch-dead-letters"


class DeadLetterCopier(ConsumerLoop):
    thread_name = "dead-letter-copier"
    failure = "copying dead letters failed"

    def __init__(self, *, event_log: EventLog, state: StateStore, group: str = GROUP) -> None:
        super().__init__(event_log=event_log, topics=[TOPIC_DLQ], group=group)
        self._state = state

    def run_once(self, consumer: Consumer, *, max_records: int = 500, timeout_s: float = 0.5) -> int:
        events = consumer.poll(max_records=max_records, timeout_s=timeout_s)
        if not events:
            return 0
        letters = [letter_doc(event) for event in events]
        stored = self._state.get_many(DEAD_LETTERS, [key for key, _, _ in letters])
        for key, doc, labels in letters:
            if key not in stored:
                self._state.put(DEAD_LETTERS, key, doc, labels=labels)
        consumer.commit(events)
        return len(events)
