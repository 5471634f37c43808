"""API keys: made, listed and revoked in a keys file that holds only their hashes.

A key reads ``jm_<id>_<secret part>``. The id is public (lists, audit
records, logs name a key by it); the whole key is checked against its
HMAC-SHA256 under the deployment secret (``shared.security.secret``) in
constant time. The plain key is shown once, when it is made, and never
stored, logged or answered again.

The file is rewritten whole (a temporary file renamed over it, mode 0600)
under an exclusive lock, so the CLI and a starting service never interleave.
Services reread it when it changes (checked at most once a second), so a
revoked key stops working within about a second everywhere the file is.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from limits import parse as parse_rate
from pydantic import BaseModel, Field

from shared.domain.inputs import is_source_code
from shared.security.principal import Principal
from shared.security.roles import SOURCE_BOUND_ROLES, Role
from shared.security.secret import KeyedHash, api_key_hash

KEY_PREFIX = "jm_"
_KEY_RE = re.compile(r"jm_([a-z0-9]{12})_([A-Za-z0-9_-]{43})")
RELOAD_CHECK_S = 1.0
_NO_KEY_HASH = "0" * 64
"""Compared against when the id names no key, so that check costs what a real one costs."""
log = logging.getLogger(__name__)


class KeyRequestError(ValueError):
    """A key could not be made or revoked as asked (the CLI prints the message)."""


class StoredKey(BaseModel):
    id: str
    role: Role
    sources: list[str] = Field(default_factory=list)
    label: str = ""
    rate: str | None = None
    created_at: datetime
    revoked_at: datetime | None = None
    hash: str
    """Hex HMAC-SHA256 of the whole key under the deployment secret's API-key derivation."""

    def principal(self) -> Principal:
        return Principal(key_id=self.id, role=self.role, sources=frozenset(self.sources), rate=self.rate)


class KeysFile(BaseModel):
    format: int = 1
    keys: list[StoredKey] = Field(default_factory=list)


def read_keys(path: Path) -> KeysFile:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return KeysFile()
    return KeysFile.model_validate_json(text)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    # A directory made here is its owner's; one that exists keeps its mode (a compose volume the
    # services read as another user, the current directory).
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def write_private(path: Path, text: str) -> None:
    """Replace ``path`` atomically with ``text``, readable by its owner only."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


def _write_keys(path: Path, keys: KeysFile) -> None:
    write_private(path, keys.model_dump_json(indent=2) + "\n")


def new_key(
    role: Role, *, hasher: KeyedHash, sources: Sequence[str] = (), label: str = "", rate: str | None = None
) -> tuple[StoredKey, str]:
    """A new key and its record; the caller stores the record and shows the key once."""
    bound = sorted({source.strip() for source in sources if source.strip()})
    bad = [source for source in bound if not is_source_code(source)]
    if bad:
        raise KeyRequestError(f"not a source code: {', '.join(bad)}")
    if role in SOURCE_BOUND_ROLES and not bound:
        raise KeyRequestError(f"a {role} key needs at least one source code (--source)")
    if bound and role not in SOURCE_BOUND_ROLES:
        raise KeyRequestError(f"a {role} key is not bound to sources")
    if rate is not None:
        try:
            parse_rate(rate)
        except ValueError:
            raise KeyRequestError(f"not a rate: {rate!r} (for example 30/second, 1000/minute)") from None
    key_id = secrets.token_hex(6)
    plain = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    record = StoredKey(
        id=key_id,
        role=role,
        sources=bound,
        label=label,
        rate=rate,
        created_at=datetime.now(UTC),
        hash=hasher.hexdigest(plain),
    )
    return record, plain


def create_key(
    path: Path,
    role: Role,
    *,
    hasher: KeyedHash,
    sources: Sequence[str] = (),
    label: str = "",
    rate: str | None = None,
) -> tuple[StoredKey, str]:
    record, plain = new_key(role, hasher=hasher, sources=sources, label=label, rate=rate)
    with _locked(path):
        keys = read_keys(path)
        keys.keys.append(record)
        _write_keys(path, keys)
    return record, plain


def revoke_key(path: Path, key_id: str) -> StoredKey:
    with _locked(path):
        keys = read_keys(path)
        for index, record in enumerate(keys.keys):
            if record.id == key_id:
                if record.revoked_at is None:
                    record = record.model_copy(update={"revoked_at": datetime.now(UTC)})
                    keys.keys[index] = record
                    _write_keys(path, keys)
                return record
    raise KeyRequestError(f"no key with id {key_id}")


def create_first_keys(
    path: Path,
    *,
    hasher: KeyedHash,
    partner_sources: Sequence[str],
    keep_plain: Callable[[dict[str, str]], None] | None = None,
) -> dict[str, str] | None:
    """One key per role when the file holds none yet (the embedded shape's first start), else None.

    The partner and mobile keys are bound to ``partner_sources``. ``keep_plain`` stores the keys themselves
    for the operator; it runs before the hashes are written, so a crash between the two leaves no keys
    nobody holds (the next start makes them again)."""
    with _locked(path):
        keys = read_keys(path)
        if keys.keys:
            return None
        plain: dict[str, str] = {}
        for role in Role:
            sources = partner_sources if role in SOURCE_BOUND_ROLES else ()
            record, plain[role] = new_key(role, hasher=hasher, sources=sources, label="first start")
            keys.keys.append(record)
        if keep_plain is not None:
            keep_plain(plain)
        _write_keys(path, keys)
    return plain


class KeyStore:
    """The keys a service accepts: the file's unrevoked keys, reread when the file changes."""

    def __init__(self, path: Path, secret: bytes) -> None:
        self.path = path
        self._hasher = api_key_hash(secret)
        self._by_id: dict[str, StoredKey] = {}
        self._identity: tuple[int, int, int] | None = None
        self._checked_at = float("-inf")
        self._lock = threading.Lock()
        self._reload()

    def __len__(self) -> int:
        return len(self._by_id)

    def authenticate(self, presented: str) -> Principal | None:
        """The key's principal, or None for a key that is malformed, unknown, wrong or revoked."""
        if time.monotonic() - self._checked_at > RELOAD_CHECK_S:
            self._reload()
        matched = _KEY_RE.fullmatch(presented)
        if matched is None:
            return None
        record = self._by_id.get(matched.group(1))
        if record is None:
            # A key made a moment ago works at once: an unknown id looks at the file again (a stat; the
            # file is reread only when it changed).
            self._reload()
            record = self._by_id.get(matched.group(1))
        # The HMAC is computed for an unknown or revoked id too: the answer's timing says nothing of ids.
        expected = record.hash if record is not None else _NO_KEY_HASH
        matches = self._hasher.matches(presented, expected)
        if record is None or record.revoked_at is not None or not matches:
            return None
        return record.principal()

    def _reload(self) -> None:
        with self._lock:
            self._checked_at = time.monotonic()
            try:
                stat = self.path.stat()
            except FileNotFoundError:
                self._by_id, self._identity = {}, None
                return
            except OSError as error:
                log.error("keys file %s cannot be read (%s); keeping the keys read before", self.path, error)
                return
            identity = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
            if identity == self._identity:
                return
            self._identity = identity
            try:
                keys = read_keys(self.path)
            except (OSError, ValueError) as error:
                # A file someone broke (or made unreadable) must not lock everybody out, nor answer 500:
                # the keys read last stay in force until it is fixed.
                log.error(
                    "keys file %s unreadable (%s); keeping the %d keys read before",
                    self.path,
                    error,
                    len(self._by_id),
                )
                return
            self._by_id = {record.id: record for record in keys.keys}


def keys_table(records: Sequence[StoredKey]) -> str:
    """What ``jobmatch keys list`` prints: ids, roles, sources; never a key or its hash."""
    lines = [f"{'id':<12}  {'role':<9}  {'state':<7}  {'created':<19}  {'rate':<12}  sources / label"]
    for record in records:
        state = "revoked" if record.revoked_at else "active"
        created = record.created_at.strftime("%Y-%m-%d %H:%M:%S")
        extra = " ".join(
            filter(None, [",".join(record.sources), json.dumps(record.label, ensure_ascii=False)])
        )
        lines.append(
            f"{record.id:<12}  {record.role:<9}  {state:<7}  {created:<19}  {record.rate or '-':<12}  {extra}"
        )
    return "\n".join(lines)
