"""The deployment secret, and the keyed hashes made with it (API keys, seeker ID numbers).

One secret, one derived key per purpose (HMAC of the purpose's name), so an
API key's hash and an ID number's hash can never be compared with each other.
HMAC-SHA256 from the standard library: API keys are 256 random bits, so a
slow password hash would add nothing but latency to every request; an ID
number has few possible values, which is why its hash must be keyed — without
the secret nobody can test candidate numbers against a stored hash.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from shared.settings import MIN_SECRET_CHARS, Settings

SECRET_FILE = "secret.key"


class MissingSecret(RuntimeError):
    """No secret is configured and none may be made here."""


def deployment_secret(settings: Settings, *, create: bool = True) -> bytes:
    """``JOBMATCH_SECRET_KEY``, or the embedded shape's ``<data dir>/secret.key`` (made once, mode 0600)."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    path = settings.data_dir / SECRET_FILE
    try:
        return _checked(path.read_bytes().strip(), path)
    except FileNotFoundError:
        if not create:
            raise MissingSecret(f"no JOBMATCH_SECRET_KEY and no {path}") from None
    return _checked(_create_secret_file(path), path)


def _checked(secret: bytes, path: Path) -> bytes:
    if len(secret) < MIN_SECRET_CHARS:
        raise MissingSecret(f"{path} holds fewer than {MIN_SECRET_CHARS} characters: not a usable secret")
    return secret


def private_directory(path: Path) -> None:
    """Make ``path`` (and its missing parents) and keep it to its owner (0700), whatever the umask.

    The embedded data directory holds seekers' profiles in the index's and the event log's files, which
    their libraries create readable by all (0644): the directory is what keeps other local users out.
    """
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
        path.chmod(0o700)


def _create_secret_file(path: Path) -> bytes:
    private_directory(path.parent)
    value = secrets.token_hex(32).encode()
    # Written whole under a name of its own, then linked into place: of two processes starting at once,
    # one links its file and the other reads that one, never a file still being written.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(value)
        file.flush()
        os.fsync(file.fileno())
    try:
        os.link(temporary, path)
    except FileExistsError:
        return path.read_bytes().strip()
    finally:
        temporary.unlink()
    return value


class KeyedHash:
    """HMAC-SHA256 under the secret's key for one purpose."""

    def __init__(self, secret: bytes, purpose: str) -> None:
        self._key = hmac.new(secret, purpose.encode(), hashlib.sha256).digest()

    def hexdigest(self, value: str) -> str:
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()

    def matches(self, value: str, expected_hex: str) -> bool:
        """Constant time in the compared digests."""
        return hmac.compare_digest(self.hexdigest(value), expected_hex)


def api_key_hash(secret: bytes) -> KeyedHash:
    return KeyedHash(secret, "jobmatch api key")


def id_number_hash(secret: bytes) -> KeyedHash:
    return KeyedHash(secret, "jobmatch seeker id number")


def subject_hash(secret: bytes) -> KeyedHash:
    """What the audit keeps of an erased seeker's id: the trail stays linkable, the id is gone."""
    return KeyedHash(secret, "jobmatch erased subject")
