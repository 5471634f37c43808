"""Writing audit records: one per seeker profile an operation read or returned (``shared.ports.audit_log``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from shared.ports.audit_log import AuditAction, AuditEntry, AuditLog
from shared.security.principal import Principal


def audit(
    audit_log: AuditLog,
    principal: Principal,
    *,
    action: AuditAction,
    purpose: str,
    disclosed: Iterable[tuple[str, Sequence[str]]],
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
            )
            for subject, fields in disclosed
        ]
    )
