"""How each index's documents are rebuilt from their stored source, as this release writes them.

What rewrites an index from what it keeps uses these: tantivy's purge of erased
seekers, the upgrade of an index written with an earlier schema (tantivy at
open, ``es_reindex --rebuild``). A document keeps its id and version; its fields
and source are what this release makes of its record.
"""

from __future__ import annotations

from typing import Any

from shared.index.documents import (
    POSTINGS,
    SEEKERS,
    duplicate_link,
    posting_doc,
    review_of,
    seeker_doc,
    stored_posting,
    stored_seeker,
)
from shared.ports.search_index import IndexSchema, Rebuild

BEFORE_ANY_DEADLINE = 0.0
"""The moment a rebuilt posting's status is taken at: an open record stays open in the index, and the
expiry sweep, which publishes each expiry for the partner feeds, takes out those past their deadline
(a rebuild that expired them itself would leave partners never told)."""


def rebuilt_posting(source: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Its review state and duplicate link kept; its band tokens computed (a posting indexed before
    deduplication existed gets them here)."""
    doc = posting_doc(
        stored_posting(source),
        now=BEFORE_ANY_DEADLINE,
        review=review_of(source),
        duplicate_of=duplicate_link(source),
    )
    return doc.fields, doc.source


def rebuilt_seeker(source: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A profile an older release indexed loses its clear ID number here."""
    doc = seeker_doc(stored_seeker(source))
    return doc.fields, doc.source


_REBUILDS: dict[str, Rebuild] = {POSTINGS.name: rebuilt_posting, SEEKERS.name: rebuilt_seeker}


def rebuild_of(schema: IndexSchema) -> Rebuild | None:
    """How the documents of the index named like ``schema`` are rebuilt; None for another index."""
    return _REBUILDS.get(schema.name)
