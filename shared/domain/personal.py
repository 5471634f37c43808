"""Personal data in seeker records: which fields hold it, and copies without it.

Dead letters and logs are read by more people than the seekers index, so
what goes there is scrubbed first.
"""

from __future__ import annotations

import re
from typing import Any

from shared.domain.id_number import mask_id_number, mask_phone

PERSONAL_FIELDS = ("name", "id_number", "phone")

# Identifiers typed into a seeker's free text ("联系我13912345678"): a mainland mobile number (with or without
# separators), a landline with its area code, an 18-character ID number. \d matches full-width digits too.
_ID_NUMBER_IN_TEXT = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(?:1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}|0\d{2,3}-\d{7,8})(?!\d)")


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


def mask_identifiers(text: str) -> str:
    """``text`` with the ID numbers and phone numbers in it masked as the personal fields are.

    A seeker's free text is read by masked staff and indexed: an identifier typed into it must not get
    past the rules that keep the ``id_number`` and ``phone`` fields (stored only as a hash, masked).
    """
    masked = _ID_NUMBER_IN_TEXT.sub(lambda found: mask_id_number(found.group()), text)
    return _PHONE_IN_TEXT.sub(lambda found: mask_phone(found.group()), masked)
