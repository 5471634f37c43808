"""Which indexed postings a staff review decision hides from kiosks and feeds (issue 9 §5).

The review flags decide it; until they are wired here, no posting is hidden.
The feed sends a hidden posting as a deletion (reason ``hidden``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.adapters.backends import Backends


def hidden_postings(sources: Mapping[str, dict[str, Any]], backends: Backends) -> set[str]:
    """The ids among ``sources`` (indexed postings by id) that are hidden."""
    return set()
