"""Roles and what each may do: the one table every route's access is decided from (README "Security").

A role is a superset of another only where the table says so: ``mobile``
holds what ``kiosk`` holds, ``staff_pii`` what ``staff`` holds, ``admin``
everything. Routes name a permission, never a role, so adding a role is
one row here.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    KIOSK = "kiosk"
    MOBILE = "mobile"
    PARTNER = "partner"
    STAFF = "staff"
    STAFF_PII = "staff_pii"
    ADMIN = "admin"


class Permission(StrEnum):
    PUBLIC_READ = "public_read"
    """Search postings, read a posting, suggest, an ad-hoc (anonymous) match: public information."""
    SEEKER_MATCHES = "seeker_matches"
    """Postings matched to one stored seeker (a mobile backend acting for its signed-in user)."""
    PUSH = "push"
    """Submit postings and seekers (a partner key: only under its own sources)."""
    DELETE = "delete"
    """Delete a posting or a seeker (a partner key: only under its own sources)."""
    FEEDS = "feeds"
    """Read the partner exchange feeds."""
    SEEKER_READ = "seeker_read"
    """Read stored seeker profiles (masked), search them, match seekers to a vacancy."""
    PERSONAL_DATA = "personal_data"
    """See seekers' names and phones unmasked."""
    STATISTICS = "statistics"
    IMPORTS = "imports"
    REVIEW = "review"
    """Review queues and dead letters."""
    AUDIT_READ = "audit_read"
    KEYS = "keys"
    """Manage API keys."""


_KIOSK = frozenset({Permission.PUBLIC_READ})
_STAFF = _KIOSK | {
    Permission.SEEKER_MATCHES,
    Permission.DELETE,
    Permission.SEEKER_READ,
    Permission.STATISTICS,
    Permission.IMPORTS,
    Permission.REVIEW,
    Permission.AUDIT_READ,
}

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.KIOSK: _KIOSK,
    Role.MOBILE: _KIOSK | {Permission.SEEKER_MATCHES},
    Role.PARTNER: frozenset({Permission.PUSH, Permission.DELETE, Permission.FEEDS}),
    # Staff serve people at the counter: they read what a kiosk reads too (public information), and
    # they handle erasure requests (DELETE).
    Role.STAFF: _STAFF,
    Role.STAFF_PII: _STAFF | {Permission.PERSONAL_DATA},
    Role.ADMIN: frozenset(Permission),
}

SOURCE_BOUND_ROLES = frozenset({Role.PARTNER, Role.MOBILE})
"""Roles whose keys are bound to source codes, at least one: a partner writes only under them; a mobile
backend reads matches only of seekers under them (its platform's users). A stored seeker's matches say
why (持健康证, 扶贫车间优先吸纳建档立卡人员): told to anyone but the seeker's own platform, they would tell
about the seeker."""


def roles_with(permission: Permission) -> list[Role]:
    return [role for role in Role if permission in PERMISSIONS[role]]
