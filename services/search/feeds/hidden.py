"""Which indexed postings a staff review decision hides from kiosks and feeds (README "Review flags").

The feed sends a hidden posting as a deletion (reason ``hidden``): the partner drops its copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.index.documents import posting_hidden


def hidden_postings(sources: Mapping[str, dict[str, Any]]) -> set[str]:
    """The ids among ``sources`` (indexed postings by id) that are hidden."""
    return {posting_id for posting_id, source in sources.items() if posting_hidden(source)}
