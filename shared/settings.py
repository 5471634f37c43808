"""Settings, read once from environment variables (prefix ``JOBMATCH_``).

One class serves every service: each service reads the part it needs. The
adapters are chosen here, so nothing above the ports knows which one runs.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from limits import parse as parse_rate
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_SECRET_CHARS = 32
"""The deployment secret's shortest length (64 hex characters is what the README's commands make)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JOBMATCH_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"

    # Which adapter serves each port.
    index_backend: Literal["tantivy", "elasticsearch"] = "tantivy"
    eventlog_backend: Literal["sqlite", "kafka"] = "sqlite"

    # Embedded shape: where the tantivy indexes and the SQLite event log live.
    data_dir: Path = Path("var/data")

    # Distributed shape.
    elasticsearch_url: str = "http://127.0.0.1:9200"
    index_prefix: str = "jobmatch"
    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_topic_prefix: str = ""
    """Put before every topic and group name, so several deployments can share one cluster."""
    kafka_topic_partitions: int = Field(default=3, ge=1)
    kafka_topic_replication: int = Field(default=1, ge=1)
    consumer_group: str = "jobmatch-search"

    # HTTP.
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_batch_records: int = Field(default=5000, ge=1)
    workers: int = Field(default=0, ge=0, le=32)
    """Worker processes serving requests on one port; 0: one per core (at most 4) for the embedded shape,
    1 for a single service (scale those by replicas). In the embedded shape one process writes the indexes
    and the others read them (shared/adapters/writer_lock.py)."""
    access_log: bool = False
    """One log line per request (uvicorn's access log): off by default, /metrics counts requests; it cost
    about 5 % of a search's time in the profile."""

    response_cache_entries: int = Field(default=2048, ge=0)
    """Answers of cacheable searches kept per process (0: no cache); see shared/web/response_cache.py."""
    response_cache_ttl_s: float = Field(default=5.0, gt=0, le=300)
    """How long a kept answer may be reused while the index does not change: the bound on how late an
    expired posting drops out of a cached answer."""

    # Access control (shared/security).
    secret_key: SecretStr | None = None
    """Keys the hashes of API keys and of seeker ID numbers (the same person across sources). The embedded
    shape makes one at <data dir>/secret.key when unset; production requires it, the same in every service."""
    keys_file: Path | None = None
    """The API keys' hashes (never the keys); default <data dir>/key-hashes.json. `jobmatch keys` edits it;
    running services reread it within a second of a change."""
    open_mode: bool = False
    """A single offline job-fair laptop: a request without a key gets kiosk rights. Off by default."""
    rate_limit_kiosk: str = "30/second"
    rate_limit_mobile: str = "100/second"
    rate_limit_partner: str = "10/second"
    rate_limit_staff: str = "20/second"
    rate_limit_staff_pii: str = "20/second"
    rate_limit_admin: str = "50/second"
    """Each role's requests per key (a key may carry its own); enforced per serving process."""

    # Input limits, each with its own error code (README "API").
    max_query_chars: int = Field(default=100, ge=1, le=1000)
    max_query_terms: int = Field(default=16, ge=1, le=100)
    max_page_size: int = Field(default=100, ge=1, le=1000)
    max_result_window: int = Field(default=10_000, ge=10, le=10_000)
    """At most Elasticsearch's own default window (index.max_result_window): deeper pages cost more than any
    kiosk needs, and the engine would refuse them."""

    # Pull connectors (services/ingest/connectors): the platforms ingest pulls from, in a YAML (or JSON) file
    # read at start; none when unset. Of several processes, a source runs where its lease is held.
    sources_file: Path | None = None
    connector_lease_s: float = Field(default=60.0, ge=3, le=3600)
    """A source's lease term: renewed every third of it while a run goes on; a crashed holder's lease is
    taken over after at most this long."""

    # File imports (POST /v1/imports, services/ingest/imports): the upload is spooled to <data dir>/imports.
    max_import_bytes: int = Field(default=200 * 1024 * 1024, ge=1024)
    """An uploaded file's size limit (413 PAYLOAD_TOO_LARGE beyond it); JOBMATCH_MAX_BODY_BYTES is not
    applied to the upload, which is streamed to disk rather than read into memory."""
    import_mappings_dir: Path | None = None
    """Per-source mapping files (<name>.yaml); default: the shipped examples in shared/data/import_mappings."""
    import_batch_records: int = Field(default=500, ge=1, le=5000)
    """Rows published together; the job's checkpoint is written after each batch."""
    import_heartbeat_s: float = Field(default=5.0, gt=0, le=60)
    import_stale_after_s: float = Field(default=30.0, gt=0)
    """A running job whose heartbeat is older than this is answered interrupted (its process is gone)."""
    import_resume_check_s: float = Field(default=10.0, gt=0)
    """How often the ingest service looks for interrupted imports it can resume (their file is on its disk)."""
    import_max_errors: int = Field(default=1000, ge=1, le=10_000)
    """Row errors a job keeps (errors_total counts them all)."""
    import_max_unzipped_bytes: int = Field(default=1024 * 1024 * 1024, ge=1024 * 1024)
    import_max_zip_ratio: float = Field(default=200.0, ge=10)
    """An XLSX whose parts declare more than this in all, or one large part compressed more than this
    ratio, is refused as a zip bomb (XLSX_ZIP_BOMB) before it is opened."""

    # Supply-demand figures (services/matcher/stats): who counts as an active seeker, and the bound on the
    # work of counting once a person registered in several places (their records are read one by one).
    stats_active_days: int = Field(default=90, ge=7, le=3650)
    """A seeker counts as active while seeking and registered (updated) within this many days."""
    stats_max_shared_persons: int = Field(default=20_000, ge=1, le=60_000)
    """At most this many persons with more than one active record; beyond it the figures answer 400
    TOO_MANY_SHARED_PERSONS rather than a count that is not exact."""

    # Embedded shape: load the demo data set on first start (empty event log).
    demo_data: bool = False
    demo_seed: int = 20161

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        # An empty or short secret (an unset shell variable) would key the ID-number hashes with a guessable
        # key: refused at start, in every environment.
        if value is not None and len(value.get_secret_value()) < MIN_SECRET_CHARS:
            raise ValueError(f"JOBMATCH_SECRET_KEY needs at least {MIN_SECRET_CHARS} characters")
        return value

    @field_validator(
        "rate_limit_kiosk",
        "rate_limit_mobile",
        "rate_limit_partner",
        "rate_limit_staff",
        "rate_limit_staff_pii",
        "rate_limit_admin",
    )
    @classmethod
    def _is_rate(cls, value: str) -> str:
        parse_rate(value)  # "30/second", "1000/minute": refused at start rather than at the first request
        return value

    @property
    def keys_path(self) -> Path:
        return self.keys_file or self.data_dir / "key-hashes.json"

    @model_validator(mode="after")
    def _production_names_its_backends(self) -> Settings:
        """In production a backend's address has no default: a deployment must not fall back to 127.0.0.1."""
        if self.environment != "production":
            return self
        required = {
            "elasticsearch_url": self.index_backend == "elasticsearch",
            "kafka_bootstrap": self.eventlog_backend == "kafka",
            "data_dir": "tantivy" == self.index_backend or self.eventlog_backend == "sqlite",
            # Hashes made with a secret another replica does not share, or a keys file it cannot see,
            # would lock callers out of some replicas only.
            "secret_key": True,
            "keys_file": True,
        }
        missing = [name for name, needed in required.items() if needed and name not in self.model_fields_set]
        if missing:
            names = ", ".join("JOBMATCH_" + name.upper() for name in missing)
            raise ValueError(f"JOBMATCH_ENVIRONMENT=production needs {names} set explicitly")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
