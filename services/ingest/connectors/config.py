"""The sources file (``JOBMATCH_SOURCES_FILE``): which platforms ingest pulls from, and how.

YAML (JSON is YAML too). Read once at start; a file that does not validate stops the service with a
message naming the source and the field, rather than leaving one platform silently unpulled. Secrets
are never in the file: an auth header names the environment variable that holds its value.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

import yaml
from limits import parse as parse_rate
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

SourceName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
"""Also a record's source code by default, and a path segment of POST /v1/sources/{name}/sync."""
DottedPath = Annotated[str, Field(max_length=200, pattern=r"^([^.\s]+(\.[^.\s]+)*)?$")]
"""``data.items``, ``employer.name``, ``tags.0``: keys (or list positions) from the answer's top; "" is the
whole value."""
EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
Kind = Literal["postings", "seekers"]
SourceType = Literal["json_api", "jobmatch_feed"]


class SourcesFileError(ValueError):
    """The sources file cannot be read or does not validate; the message says where."""


class _Config(BaseModel):
    # A misspelt key ("intervall_s") must be an error, not a default silently used.
    model_config = ConfigDict(extra="forbid", frozen=True)


class AuthHeader(_Config):
    header: str = Field(default="Authorization", pattern=r"^[A-Za-z0-9-]+$")
    scheme: str | None = "Bearer"
    """Written before the secret (``Bearer <secret>``); None sends the secret alone (an X-API-Key header)."""
    env: EnvName
    """The environment variable holding the secret."""


class PagePaging(_Config):
    """``?page=1&size=100``, then 2, 3 …: stops at an empty or short page, or once ``total`` is reached."""

    type: Literal["page"]
    page_param: str = "page"
    size_param: str = "size"
    size: int = Field(default=100, ge=1, le=1000)
    first_page: int = Field(default=1, ge=0)
    total_path: DottedPath | None = None
    """Where the answer says how many items there are in all (optional)."""


class CursorPaging(_Config):
    """``?cursor=C``: each answer names the next cursor; stops when it is absent, empty or the same."""

    type: Literal["cursor"]
    cursor_param: str = "cursor"
    next_path: DottedPath = "next"
    size_param: str | None = None
    size: int = Field(default=100, ge=1, le=1000)
    start: str | None = None
    """The cursor of a first run (none: the first request carries no cursor)."""


class Deletion(_Config):
    """How an item says "this record is gone": ``op: delete``, ``deleted: true`` …"""

    path: DottedPath
    equals: str | int | bool
    id_path: DottedPath = "id"
    """Where the deleted record's id sits in the item."""
    id_is_record_id: bool = False
    """The id is already ``source:source_id`` (another jobmatch instance); else it is the platform's own id,
    and the record id is ``record_source:id``."""


class Retry(_Config):
    """Retries of one request: on 5xx, 429 (after its Retry-After), timeouts, connection errors and
    malformed pages; exponential backoff with jitter between them."""

    attempts: int = Field(default=5, ge=1, le=20)
    initial_s: float = Field(default=0.5, gt=0, le=60)
    max_s: float = Field(default=30.0, gt=0, le=600)
    retry_after_max_s: float = Field(default=120.0, gt=0, le=3600)
    """A Retry-After longer than this is cut to it (a platform asking for a day fails the run instead)."""


class _Common(_Config):
    name: SourceName
    kind: Kind
    interval_s: float | None = Field(default=900.0, ge=1)
    """The scheduler runs the source this long after its last run ended; None: only on demand (POST sync)."""
    timeout_s: float = Field(default=10.0, gt=0, le=300)
    rate_limit: str = "5/second"
    """Requests to the platform, as the ``limits`` library writes them (5/second, 100/minute)."""
    retry: Retry = Field(default_factory=Retry)
    conditional: bool = True
    """Send If-None-Match / If-Modified-Since with the validators of the page fetched before."""

    @field_validator("rate_limit")
    @classmethod
    def _is_rate(cls, value: str) -> str:
        try:
            parse_rate(value)
        except ValueError:
            raise ValueError("应写作 5/second、100/minute 这样的速率") from None
        return value


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("应为 http:// 或 https:// 地址")
    if parts.username or parts.password:
        raise ValueError("地址中不能含用户名或密码：请用 auth 引用环境变量")
    return value


HttpAddress = Annotated[str, Field(max_length=2000), AfterValidator(_http_url)]


class JsonApiSource(_Common):
    """A platform's paged JSON API, mapped field by field onto PostingIn / SeekerIn."""

    type: Literal["json_api"]
    url: HttpAddress
    params: dict[str, str] = Field(default_factory=dict)
    """Sent with every request (``status: open``)."""
    paging: Annotated[PagePaging | CursorPaging, Field(discriminator="type")]
    items_path: DottedPath = ""
    record_path: DottedPath = ""
    """Where, inside an item, the record sits ("" : the item itself)."""
    mapping: dict[DottedPath, DottedPath] | None = None
    """Our field (``employer.name``) → the platform's (``company.name``); None: the record is taken as is."""
    fixed: dict[DottedPath, Any] = Field(default_factory=dict)
    """Our field → a value every record gets (``job_type: 全职``)."""
    record_source: SourceName | None = None
    """The ``source`` of records that name none (default: the source's name)."""
    version_path: DottedPath | None = None
    """The item's version (ms, or a time): a deletion's version, and an upsert's when it has no updated_at."""
    deletion: Deletion | None = None
    auth: AuthHeader | None = None

    @property
    def stamped_source(self) -> str:
        return self.record_source or self.name


class JobmatchFeedSource(_Common):
    """Another jobmatch instance's partner feed (GET /v1/feeds/{kind}): records keep their own ids."""

    type: Literal["jobmatch_feed"]
    url: HttpAddress
    """The instance's base address (https://jobs.example.org); the feed's path is added."""
    key_env: EnvName
    """The environment variable holding the partner key it issued to us."""
    limit: int = Field(default=100, ge=1, le=1000)

    def as_json_api(self) -> JsonApiSource:
        feed = self.url.rstrip("/") + f"/v1/feeds/{self.kind}"
        return JsonApiSource(
            **self.model_dump(exclude={"type", "url", "key_env", "limit"}),
            type="json_api",
            url=feed,
            paging=CursorPaging(
                type="cursor", cursor_param="since", next_path="next", size_param="limit", size=self.limit
            ),
            items_path="items",
            record_path="record",
            version_path="version",
            deletion=Deletion(path="op", equals="delete", id_path="id", id_is_record_id=True),
            auth=AuthHeader(env=self.key_env),
        )


SourceConfig = Annotated[JsonApiSource | JobmatchFeedSource, Field(discriminator="type")]


class SourcesFile(_Config):
    sources: list[SourceConfig] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _unique_names(self) -> SourcesFile:
        seen: set[str] = set()
        for source in self.sources:
            if source.name in seen:
                raise ValueError(f"来源名称 {source.name} 重复")
            seen.add(source.name)
        return self


def resolved(source: JsonApiSource | JobmatchFeedSource) -> JsonApiSource:
    """Every source as the one connector runs it: a preset becomes its JSON API configuration."""
    return source.as_json_api() if isinstance(source, JobmatchFeedSource) else source


def shown_url(url: str) -> str:
    """The address without its query (a platform may take a token there) and never userinfo."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _where(error: Mapping[str, Any], raw: Any) -> str:
    location = list(error["loc"])
    if len(location) >= 2 and location[0] == "sources" and isinstance(location[1], int):
        index = location[1]
        items = raw.get("sources") if isinstance(raw, dict) else None
        item = items[index] if isinstance(items, list) and index < len(items) else None
        name = item.get("name") if isinstance(item, dict) else None
        rest = [str(part) for part in location[2:] if part not in ("json_api", "jobmatch_feed")]
        who = f"source {name!r}" if isinstance(name, str) else f"source #{index + 1}"
        return f"{who}, field {'.'.join(rest) or '(source)'}"
    return f"field {'.'.join(str(part) for part in location) or '(file)'}"


def load_sources(path: Path) -> list[tuple[SourceType, JsonApiSource]]:
    """The file's sources: each one's type, and the JSON API configuration the connector runs it by."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SourcesFileError(f"{path}: cannot be read ({error.strerror})") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise SourcesFileError(f"{path}: not valid YAML or JSON ({error})") from None
    try:
        parsed = SourcesFile.model_validate(raw if raw is not None else {})
    except ValidationError as error:
        lines = [f"{_where(item, raw)}: {item['msg']}" for item in error.errors(include_url=False)]
        raise SourcesFileError(f"{path}: " + "; ".join(lines[:20])) from None
    return [(source.type, resolved(source)) for source in parsed.sources]
