"""Who is calling: the key's id, its role and the sources it is bound to (never the key itself)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.security.roles import PERMISSIONS, SOURCE_BOUND_ROLES, Permission, Role

ANONYMOUS_KEY_ID = "anonymous"
"""The key id of a request without a key in open mode (kiosk rights)."""


@dataclass(frozen=True)
class Principal:
    key_id: str
    role: Role
    sources: frozenset[str] = frozenset()
    """Source codes the key is bound to; empty: not bound (every source, where the role allows)."""
    rate: str | None = None
    """The key's own rate limit, when it has one (else its role's default)."""

    def can(self, permission: Permission) -> bool:
        return permission in PERMISSIONS[self.role]

    def covers_source(self, source: str) -> bool:
        """Whether a record of ``source`` is under this key's sources.

        A bound code covers itself and codes that extend it after a ``-`` or ``.`` (``jiangsu`` covers
        ``jiangsu-rsj``): a partner province may split its feeds without new keys. An unbound key
        covers every source, except a partner's or a mobile backend's, which covers none.
        """
        if not self.sources:
            # A partner or mobile key acts only under the sources it is bound to; others are not bound.
            return self.role not in SOURCE_BOUND_ROLES

        return any(source == bound or source.startswith((bound + "-", bound + ".")) for bound in self.sources)


def anonymous_kiosk() -> Principal:
    return Principal(key_id=ANONYMOUS_KEY_ID, role=Role.KIOSK)
