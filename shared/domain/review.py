"""Staff decisions on flagged postings, and which decision holds for the posting as it is now.

A decision is kept in the state store (kind ``review_decisions``, keyed by the posting's id) with the
flag kinds it was made on. It holds for later versions of the posting while their flag kinds are among
those: a source's edit that leaves 限男性 in keeps a posting upheld (hidden), one that takes every
flagged phrase out leaves nothing to review, and one that brings a kind not decided on (an age limit
added) sends the posting back to pending, visible again until staff decide on the new text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from shared.domain.flags import PostingFlag
from shared.domain.records import PostingRecord
from shared.ports.state_store import StateStore

Decision = Literal["upheld", "dismissed"]
ReviewState = Literal["pending", "upheld", "dismissed"]
REVIEW_DECISIONS = "review_decisions"
"""The state-store kind of decisions."""


def decision_holds(flags: Sequence[PostingFlag], decided: Mapping[str, Any]) -> bool:
    kinds = {flag.kind for flag in flags}
    return bool(kinds) and kinds <= set(decided.get("kinds", ()))


def review_state(flags: Sequence[PostingFlag], decided: Mapping[str, Any] | None) -> ReviewState | None:
    """None for a posting without flags; else its decision while it holds, pending otherwise."""
    if not flags:
        return None
    if decided is not None and decision_holds(flags, decided):
        state: ReviewState = decided["decision"]
        return state
    return "pending"


def review_states(state: StateStore, records: Sequence[PostingRecord]) -> dict[str, ReviewState]:
    """The review state of each flagged record, its decisions read in one look-up."""
    flagged = [record for record in records if record.flags]
    if not flagged:
        return {}
    decided = state.get_many(REVIEW_DECISIONS, [record.id for record in flagged])
    states: dict[str, ReviewState] = {}
    for record in flagged:
        stored = decided.get(record.id)
        found = review_state(record.flags, stored.doc if stored else None)
        if found is not None:
            states[record.id] = found
    return states
