"""Personal data in seeker records: which fields hold it, and copies without it.

Dead letters and logs are read by more people than the seekers index, so
what goes there is scrubbed first.
"""

from __future__ import annotations

from typing import Any

PERSONAL_FIELDS = ("name", "id_number", "phone")


def without_personal_data(record: dict[str, Any]) -> dict[str, Any]:
    """A shallow copy with the personal fields replaced by a marker of whether they were present."""
    scrubbed = dict(record)
    for field in PERSONAL_FIELDS:
        if scrubbed.get(field):
            scrubbed[field] = "(removed)"
    return scrubbed
