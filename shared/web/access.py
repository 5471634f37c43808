"""Access control on every /v1 route: who calls (the key, before anything else), and may they.

``AccessMiddleware`` runs outside the response cache and the body limit: a
request without a valid key gets 401 before any of them, and a key over its
rate 429 with ``Retry-After``. It puts the caller's ``Principal`` in the
request's state. Each route then names the permission it needs with
``requires(Permission.X)``; a key whose role lacks it gets 403. The
permissions of each operation, and the roles holding them, are added to the
OpenAPI document (``x-roles``), which the role-matrix test reads.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.errors import Forbidden, Unauthenticated
from shared.json_codec import dumps_bytes
from shared.security.keys import KeyStore
from shared.security.principal import Principal, anonymous_kiosk
from shared.security.rate_limit import RateLimits
from shared.security.roles import Permission, roles_with
from shared.security.secret import KeyedHash, deployment_secret, id_number_hash, subject_hash
from shared.settings import Settings
from shared.web.responses import error_body

log = logging.getLogger(__name__)

PROTECTED_PREFIX = "/v1/"
"""Every API path; /healthz, /readyz, /metrics and the OpenAPI document stay open (probes, scrapers)."""


@dataclass
class AccessControl:
    keys: KeyStore
    limits: RateLimits
    open_mode: bool
    id_numbers: KeyedHash
    """The keyed hash seekers' ID numbers are stored as."""
    subjects: KeyedHash
    """What the audit keeps of an erased seeker's id."""

    @classmethod
    def from_settings(cls, settings: Settings) -> AccessControl:
        secret = deployment_secret(settings)
        keys = KeyStore(settings.keys_path, secret)
        if settings.open_mode:
            log.warning(
                "OPEN MODE: requests without an API key get kiosk rights (JOBMATCH_OPEN_MODE); "
                "for a single offline laptop only"
            )
        elif not len(keys):
            log.warning(
                "no API keys in %s: every /v1 request is refused until one is made (jobmatch keys create)",
                settings.keys_path,
            )
        return cls(
            keys=keys,
            limits=RateLimits(settings),
            open_mode=settings.open_mode,
            id_numbers=id_number_hash(secret),
            subjects=subject_hash(secret),
        )


def presented_key(scope: Scope) -> str | None:
    """The key from ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``; None without either.

    "" (refused) when a header is there but holds no bearer key, or when more than one credential is
    sent: which of two a proxy or a server would pick differs, so neither is.
    """
    found: list[str] = []
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, credentials = value.decode("latin-1").strip().partition(" ")
            found.append(credentials.strip() if scheme.lower() == "bearer" else "")
        elif name == b"x-api-key":
            found.append(value.decode("latin-1").strip())
    if not found:
        return None
    return found[0] if len(found) == 1 else ""


class AccessMiddleware:
    def __init__(self, app: ASGIApp, *, access: AccessControl) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PROTECTED_PREFIX):
            await self.app(scope, receive, send)
            return
        key = presented_key(scope)
        principal: Principal | None
        if key is None and self.access.open_mode:
            principal = anonymous_kiosk()
        else:
            principal = self.access.keys.authenticate(key) if key else None
        if principal is None:
            # The same answer for a missing, malformed, unknown, wrong or revoked key: nothing to probe.
            message = "缺少有效的 API 密钥（Authorization: Bearer <key> 或 X-API-Key）"
            await _answer(
                send, 401, error_body("UNAUTHENTICATED", message), [(b"www-authenticate", b"Bearer")]
            )
            return
        wait_s = self.access.limits.retry_after(principal)
        if wait_s is not None:
            limit = self.access.limits.limit_of(principal)
            body = error_body(
                "RATE_LIMITED", f"请求过于频繁（上限 {limit}），请 {wait_s} 秒后重试", [{"limit": limit}]
            )
            await _answer(send, 429, body, [(b"retry-after", str(wait_s).encode())])
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


async def _answer(send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]]) -> None:
    content = dumps_bytes(body)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})


@dataclass(frozen=True)
class Requires:
    """A route's dependency: the caller's principal, if its role holds ``permission`` (else 403)."""

    permission: Permission

    def __call__(self, request: Request) -> Principal:
        principal: Principal | None = request.scope.get("state", {}).get("principal")
        if principal is None:  # a /v1 route is always behind the middleware; this is a guard, not a path
            raise Unauthenticated("缺少有效的 API 密钥")
        if not principal.can(self.permission):
            raise Forbidden(f"此密钥（角色 {principal.role}）无权进行此操作")
        return principal


def requires(permission: Permission) -> Requires:
    return Requires(permission)


def route_permission(route: APIRoute) -> Permission | None:
    """The permission a route requires, found among its dependencies."""

    def find(dependant: Dependant) -> Permission | None:
        if isinstance(dependant.call, Requires):
            return dependant.call.permission
        for sub in dependant.dependencies:
            found = find(sub)
            if found is not None:
                return found
        return None

    return find(route.dependant)


SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer <API key>"},
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
}


def document_access(document: dict[str, Any], routes: list[APIRoute], *, open_mode: bool) -> None:
    """Each operation's security and the roles that may call it (``x-roles``), in the OpenAPI document."""
    document.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
    for route in routes:
        permission = route_permission(route)
        if permission is None:
            continue
        roles = [str(role) for role in roles_with(permission)]
        for method in route.methods or ():
            operation = document.get("paths", {}).get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            operation["security"] = [{"bearer": []}, {"apiKey": []}, *([{}] if open_mode else [])]
            operation["x-roles"] = roles
            operation["x-permission"] = str(permission)
            note = f"Roles: {', '.join(roles)}."
            operation["description"] = f"{operation.get('description', '')}\n\n{note}".strip()
