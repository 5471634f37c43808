"""Writing audit records: one per seeker profile an operation read or returned (``shared.ports.audit_log``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from shared.ports.audit_log import AuditAction, AuditEntry, AuditLog
from shared.security.principal import Principal
from shared.security.secret import KeyedHash


def audit(
    audit_log: AuditLog,
    principal: Principal,
    *,
    action: AuditAction,
    purpose: str,
    disclosed: Iterable[tuple[str, Sequence[str]]],
    erased: bool = False,
) -> None:
    """One record per (subject, fields it disclosed), written in one go before the answer leaves: a read
    that cannot be audited is not answered (503)."""
    at = datetime.now(UTC)
    audit_log.record(
        [
            AuditEntry(
                id=uuid.uuid4().hex,
                at=at,
                key_id=principal.key_id,
                role=str(principal.role),
                action=action,
                purpose=purpose,
                subject=subject,
                fields=list(fields),
                erased=erased,
            )
            for subject, fields in disclosed
        ]
    )


def erased_subject(subjects: KeyedHash, seeker_id: str) -> str:
    """What the audit keeps of a deleted seeker's id: a keyed hash, so the trail stays one person's."""
    return "erased:" + subjects.hexdigest(seeker_id)


def erase_from_audit(audit_log: AuditLog, subjects: KeyedHash, seeker_id: str) -> str:
    """Rewrite every audit record about the seeker to the erased subject; that subject."""
    replacement = erased_subject(subjects, seeker_id)
    audit_log.erase_subject(seeker_id, replacement)
    return replacement
