"""Personal data in seeker records: which fields hold it, and copies without it.

Dead letters and logs are read by more people than the seekers index, so
what goes there is scrubbed first.
"""

from __future__ import annotations

from typing import Any

PERSONAL_FIELDS = ("name", "id_number", "phone")


# What a dead letter keeps of a seeker profile: enough to find and fix the record at its source.
_SEEKER_KEPT = ("source", "source_id", "id", "version", "updated_at")


def without_personal_data(record: dict[str, Any]) -> dict[str, Any]:
    """A shallow copy with the personal fields replaced by a marker of whether they were present."""
    scrubbed = dict(record)
    for field in PERSONAL_FIELDS:
        if scrubbed.get(field):
            scrubbed[field] = "(removed)"
    return scrubbed


def dead_letter_copy(kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """What a dead letter may keep of a record.

    A posting is public: kept whole. A seeker profile is personal information as a
    whole (groups, health in a work history, where someone lives), and dead letters
    are not compacted, so a later erasure could not reach them: only its
    identifiers and the names of the fields it had are kept; the errors say what to fix.
    """
    if kind != "seekers":
        return without_personal_data(record)
    kept = {field: record[field] for field in _SEEKER_KEPT if isinstance(record.get(field), str | int)}
    return kept | {"fields_present": sorted(str(field) for field in record)[:100]}
