"""One page from a platform, politely: paced, retried, conditional.

- paced: at most the source's ``rate_limit`` requests in any window (the ``limits`` library's moving
  window), across the runs of one process; the lease makes that process the only one pulling the source;
- retried (tenacity): 5xx, 429 (waiting its Retry-After), timeouts, connection errors and a page that is
  not JSON or whose items are not a list, with exponential backoff and jitter; a 4xx is the platform
  refusing us, which a retry would not change;
- conditional: the ETag / Last-Modified of the page fetched before go out as If-None-Match /
  If-Modified-Since, and a 304 says that page is unchanged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from limits import parse as parse_rate
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_any,
    stop_when_event_set,
    wait_exponential_jitter,
)

from services.ingest.connectors.config import JsonApiSource
from services.ingest.connectors.items import items_of
from shared.json_codec import UndecodableJSON, decode_bytes, loads

MAX_PAGE_BYTES = 32 * 1024 * 1024
"""A page larger than this is refused unread (a platform's defect, or an attack); no retry."""


class PlatformError(Exception):
    """What went wrong with a request, as a stable code for the source's ``last_error``."""

    def __init__(self, code: str, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass(frozen=True)
class Validators:
    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        sent = {}
        if self.etag:
            sent["If-None-Match"] = self.etag
        if self.last_modified:
            sent["If-Modified-Since"] = self.last_modified
        return sent

    def __bool__(self) -> bool:
        return bool(self.etag or self.last_modified)


@dataclass(frozen=True)
class Fetched:
    body: Any
    """The parsed answer; None when the platform said 304 (unchanged)."""
    items: list[Any]
    validators: Validators

    @property
    def unchanged(self) -> bool:
        return self.body is None


class Pacer:
    """The source's request rate, shared by its runs in this process."""

    def __init__(self, rate: str, key: str) -> None:
        self._item = parse_rate(rate)
        self._key = key
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def wait_turn(self, stopping: threading.Event) -> bool:
        """Blocks until a request may go; False when the service is stopping instead."""
        while not self._limiter.hit(self._item, self._key):
            reset = self._limiter.get_window_stats(self._item, self._key).reset_time
            if stopping.wait(max(0.005, reset - time.time())):
                return False
        return True


def retry_after_s(value: str | None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


class PlatformClient:
    def __init__(
        self,
        source: JsonApiSource,
        *,
        pacer: Pacer,
        stopping: threading.Event,
        environ: Mapping[str, str],
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._source = source
        self._pacer = pacer
        self._stopping = stopping
        self._environ = environ
        self._http = httpx.Client(timeout=source.timeout_s, follow_redirects=True, transport=transport)
        retry = source.retry
        self._backoff = wait_exponential_jitter(
            multiplier=retry.initial_s, max=retry.max_s, jitter=retry.initial_s
        )
        self.requests = 0

    def close(self) -> None:
        self._http.close()

    def fetch(self, params: Mapping[str, str], validators: Validators | None) -> Fetched:
        retrying = Retrying(
            stop=stop_any(
                stop_after_attempt(self._source.retry.attempts), stop_when_event_set(self._stopping)
            ),
            wait=self._wait,
            retry=retry_if_exception(lambda error: isinstance(error, PlatformError) and error.retryable),
            sleep=self._sleep,
            reraise=True,
        )
        return retrying(self._once, dict(params), validators)

    def _sleep(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome is not None else None
        backoff = self._backoff(state)
        if isinstance(error, PlatformError) and error.retry_after is not None:
            return min(max(error.retry_after, 0.0), self._source.retry.retry_after_max_s)
        return backoff

    def _headers(self, validators: Validators | None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        auth = self._source.auth
        if auth is not None:
            secret = self._environ.get(auth.env, "").strip()
            if not secret:
                raise PlatformError(
                    "AUTH_SECRET_MISSING", f"环境变量 {auth.env} 未设置（来源的认证密钥）", retryable=False
                )
            headers[auth.header] = f"{auth.scheme} {secret}" if auth.scheme else secret
        if validators and self._source.conditional:
            headers.update(validators.headers())
        return headers

    def _once(self, params: dict[str, str], validators: Validators | None) -> Fetched:
        headers = self._headers(validators)
        if not self._pacer.wait_turn(self._stopping):
            raise PlatformError("STOPPED", "服务正在停止", retryable=False)
        self.requests += 1
        try:
            with self._http.stream("GET", self._source.url, params=params, headers=headers) as response:
                if response.status_code == 304:
                    return Fetched(None, [], _validators_of(response.headers, validators))
                _check_status(response)
                raw = _read_bounded(response)
                received = _validators_of(response.headers, None)
        except httpx.TimeoutException:
            raise PlatformError("PLATFORM_TIMEOUT", "平台响应超时", retryable=True) from None
        except httpx.TransportError as error:
            raise PlatformError(
                "PLATFORM_UNREACHABLE", f"无法连接平台：{type(error).__name__}", retryable=True
            ) from None
        try:
            body = loads(decode_bytes(raw))
        except UndecodableJSON as error:
            raise PlatformError(
                "PAGE_MALFORMED", f"平台返回的不是有效的 JSON：{error.reason}", retryable=True
            ) from None
        items = items_of(body, self._source)
        if items is None:
            where = self._source.items_path or "(answer)"
            raise PlatformError("PAGE_MALFORMED", f"平台返回的 {where} 不是列表", retryable=True)
        return Fetched(body, items, received)


def _validators_of(headers: httpx.Headers, previous: Validators | None) -> Validators:
    etag, modified = headers.get("ETag"), headers.get("Last-Modified")
    if previous is not None and not (etag or modified):
        return previous
    return Validators(etag=etag, last_modified=modified)


def _check_status(response: httpx.Response) -> None:
    status = response.status_code
    if status == 429:
        raise PlatformError(
            "PLATFORM_RATE_LIMITED",
            "平台限流（429）",
            retryable=True,
            retry_after=retry_after_s(response.headers.get("Retry-After")),
        )
    if status >= 500:
        raise PlatformError(
            "PLATFORM_UNAVAILABLE",
            f"平台返回 {status}",
            retryable=True,
            retry_after=retry_after_s(response.headers.get("Retry-After")),
        )
    if not 200 <= status < 300:
        raise PlatformError("PLATFORM_REFUSED", f"平台拒绝了请求（{status}）", retryable=False)


def _read_bounded(response: httpx.Response) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > MAX_PAGE_BYTES:
        raise PlatformError("PAGE_TOO_LARGE", f"一页超过 {MAX_PAGE_BYTES} 字节", retryable=False)
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_PAGE_BYTES:
            raise PlatformError("PAGE_TOO_LARGE", f"一页超过 {MAX_PAGE_BYTES} 字节", retryable=False)
        chunks.append(chunk)
    return b"".join(chunks)
