"""Which process of a deployment runs a source now: a lease in the state store (kind ``leases``).

A lease names its holder and when it expires; the holder renews it while it runs (every third of its
term, from a thread of its own, so a slow page does not let it lapse) and gives it up when done. A lease
past its expiry belongs to no one: a holder that crashed or was killed is taken over after at most one
term.

The state store has no compare-and-set, so taking a lease is write, wait a moment, read back: of two
processes that both found it free, the later write wins and the earlier one sees that and backs off.
Two takers could both win only if one of them stalled for longer than the settle time between its
write and its read-back; even then nothing is lost or doubled (records are idempotent upserts keyed by
id, newer versions win), the two runs only fetch pages twice. A holder that finds at a renewal that
its lease was taken over (it stalled past the term) stops before its next page.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

from shared.ports.state_store import StateStore

log = logging.getLogger(__name__)

LEASE_KIND = "leases"
SETTLE_S = 0.2


def holder_id() -> str:
    """This process, recognisably: host and process id, plus a random part (a restarted process is another)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _now() -> datetime:
    return datetime.now(UTC)


class Lease:
    def __init__(self, state: StateStore, key: str, holder: str, term_s: float) -> None:
        self._state = state
        self._key = key
        self._holder = holder
        self._term_s = term_s
        self._done = threading.Event()
        self._lost = threading.Event()
        self._renewer: threading.Thread | None = None

    @property
    def lost(self) -> bool:
        return self._lost.is_set()

    def current_holder(self) -> str | None:
        """Who holds it now (None: free or expired)."""
        found = self._state.get(LEASE_KIND, self._key)
        if found is None:
            return None
        expires = datetime.fromisoformat(found.doc["expires_at"])
        return str(found.doc["holder"]) if expires > _now() else None

    def _write(self) -> None:
        expires = _now() + timedelta(seconds=self._term_s)
        doc = {"holder": self._holder, "expires_at": expires.isoformat(), "renewed_at": _now().isoformat()}
        self._state.put(LEASE_KIND, self._key, doc, labels={"holder": self._holder})

    def try_take(self) -> bool:
        holder = self.current_holder()
        if holder is not None and holder != self._holder:
            return False
        self._write()
        time.sleep(SETTLE_S)
        if self.current_holder() != self._holder:
            return False
        self._renewer = threading.Thread(target=self._renew, name=f"lease {self._key}", daemon=True)
        self._renewer.start()
        return True

    def _renew(self) -> None:
        while not self._done.wait(self._term_s / 3):
            try:
                holder = self.current_holder()
                if holder not in (None, self._holder):
                    log.warning("lease %s was taken over by %s", self._key, holder)
                    self._lost.set()
                    return
                self._write()
            except Exception:  # the next renewal tries again; the term leaves room for two misses
                log.warning("renewing lease %s failed", self._key, exc_info=True)

    def release(self) -> None:
        self._done.set()
        if self._renewer is not None:
            self._renewer.join(timeout=5)
        if self._lost.is_set():
            return
        try:
            if self.current_holder() == self._holder:
                self._state.delete(LEASE_KIND, self._key)
        except Exception:  # it expires on its own after one term
            log.warning("releasing lease %s failed", self._key, exc_info=True)


def held(state: StateStore, keys: list[str]) -> set[str]:
    """Which of the leases ``keys`` some process holds now."""
    moment = _now()
    found = state.get_many(LEASE_KIND, keys)
    return {key for key, entry in found.items() if datetime.fromisoformat(entry.doc["expires_at"]) > moment}
