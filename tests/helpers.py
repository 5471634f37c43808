"""Small test utilities shared by several test modules."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.embedded import plain_keys
from shared.adapters.tantivy_index import TantivyIndex
from shared.errors import BackendUnavailable
from shared.index.fields import POSTINGS
from shared.ports.search_index import IndexDoc, IndexSchema, SearchIndex, WriteOutcome
from shared.settings import Settings

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]


def wait_for(probe: Callable[[], T], *, timeout_s: float = 20.0, interval_s: float = 0.1) -> T:
    """Call ``probe`` until it returns something truthy; fail the test after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    last: T = probe()
    while not last:
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s}s (last value: {last!r})")
        time.sleep(interval_s)
        last = probe()
    return last


def posting(source_id: str, title: str, **extra: object) -> dict:
    record: dict = {
        "source": "test",
        "source_id": source_id,
        "title": title,
        "description": extra.pop("description", f"{title}，工作认真负责。"),
        "location": extra.pop("location", "河南省郑州市金水区"),
        "salary": extra.pop("salary", "5000-8000元/月"),
    }
    record.update(extra)
    return record


def stored_posting(source_id: str, title: str, *, received_at: datetime) -> dict:
    """A posting as the ingest service publishes it: the normalised record's JSON."""
    from services.ingest.batch import check_record

    record, outcome = check_record("postings", posting(source_id, title), received_at=received_at)
    assert record is not None, outcome
    return record.model_dump(mode="json")


class FailingIndex(TantivyIndex):
    """A real index whose first ``failures`` writes fail the way an unreachable Elasticsearch does."""

    def __init__(self, schema: IndexSchema, path: Path, *, failures: int = 1) -> None:
        super().__init__(schema, path)
        self.failures_left = failures

    def upsert(self, docs: Sequence[IndexDoc]) -> list[WriteOutcome]:
        if self.failures_left:
            self.failures_left -= 1
            raise BackendUnavailable("index down")
        return super().upsert(docs)


@contextmanager
def postings_index(request: pytest.FixtureRequest, tmp_path: Path, name: str) -> Iterator[SearchIndex]:
    """An empty postings index on the backend ``request.param`` names (tantivy or elasticsearch),
    removed afterwards: what tests that hold both backends to one expectation start from."""
    if request.param == "tantivy":
        opened: SearchIndex = TantivyIndex(POSTINGS, tmp_path / "postings")
    else:
        from shared.adapters.es_index import open_elasticsearch_index

        url = request.getfixturevalue("elasticsearch_url")
        client = request.getfixturevalue("es_client")
        opened = open_elasticsearch_index(POSTINGS, url=url, prefix=f"{name}-{uuid.uuid4().hex[:8]}")
    try:
        yield opened
    finally:
        opened.close()
        if request.param == "elasticsearch":
            for index_name in client.indices.get_alias(name=opened.alias):  # type: ignore[attr-defined]
                client.indices.delete(index=index_name)


def checked_posting_docs(
    raws: Sequence[dict], *, received_at: datetime, now: float | None = None
) -> list[IndexDoc]:
    """Index documents of raw posting bodies, each checked as ingest checks it (a test corpus must be valid)."""
    from services.ingest.batch import check_record
    from shared.domain.records import PostingRecord
    from shared.index.documents import posting_doc

    docs = []
    for raw in raws:
        record, outcome = check_record("postings", raw, received_at=received_at)
        assert isinstance(record, PostingRecord), outcome
        docs.append(posting_doc(record, now=now))
    return docs


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Service:
    """One service started the way an operator starts it: ``python -m services.cli NAME``."""

    def __init__(
        self, name: str, env: dict[str, str], log_dir: Path, *args: str, port: int | None = None
    ) -> None:
        """``port``: one chosen beforehand (two instances whose configurations name each other)."""
        self.name = name
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"{name}.log"
        self.env = env
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", name, "--port", str(self.port), *args],
            cwd=ROOT,
            env={**env, "JOBMATCH_PORT": str(self.port)},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def headers(self, role: str = "admin") -> dict[str, str]:
        """The role's key from ``<data dir>/api-keys.json`` (written by the embedded shape's first start,
        or by ``role_keys`` before distributed services start)."""
        return bearer(plain_keys(ROOT / self.env.get("JOBMATCH_DATA_DIR", "var/data"))[role])

    def ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"{self.name} exited early:\n{self.log_path.read_text()[-3000:]}")
        try:
            return httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        """kill -9, as a crash or an operator would."""
        self.process.kill()
        self.process.wait(timeout=10)
        self._log.close()

    def stop(self) -> str:
        """SIGTERM, then the log line the lifespan writes after the consumer drained and backends closed."""
        self.process.send_signal(signal.SIGTERM)
        try:
            # uvicorn re-raises the signal once it has shut down cleanly, so -SIGTERM is a clean exit here.
            code = self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
            self._log.close()
        stopped = f"jobmatch {self.name} stopped" in self.log_path.read_text()
        return "clean" if code in (0, -signal.SIGTERM) and stopped else f"exit {code}, stopped={stopped}"


TEST_SOURCES = ("test", "e2e")
"""The sources the tests' partner key is bound to (what their records name)."""


def role_keys(settings: Settings) -> dict[str, str]:
    """One API key per role for this data directory, made on first use (the partner bound to TEST_SOURCES)
    and kept in ``<data dir>/api-keys.json`` as the embedded shape keeps its own, so a restart reuses them."""
    from services.embedded import provision_first_keys

    provision_first_keys(settings, partner_sources=TEST_SOURCES)  # nothing when they exist
    return plain_keys(settings.data_dir)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def keyed_client(app: FastAPI, settings: Settings, role: str = "admin", **options: Any) -> TestClient:
    """A test client whose every request carries the role's key (admin: every route)."""
    return TestClient(app, headers=bearer(role_keys(settings)[role]), **options)


@contextmanager
def distributed_services(
    tmp: Path,
    *,
    elasticsearch_url: str,
    kafka_bootstrap: str,
    name: str,
    partitions: int,
    extra_env: dict[str, str] | None = None,
) -> Iterator[tuple[dict[str, Service], dict[str, str]]]:
    """ingest, search and matcher as three processes on Elasticsearch and Kafka, with their own index and
    topic names, one secret and one keys file (as a Kubernetes Secret gives them); the services and one key
    per role. Each must stop cleanly."""
    tag = f"{name}-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "JOBMATCH_ENVIRONMENT": "test",
        "JOBMATCH_INDEX_BACKEND": "elasticsearch",
        "JOBMATCH_EVENTLOG_BACKEND": "kafka",
        "JOBMATCH_ELASTICSEARCH_URL": elasticsearch_url,
        "JOBMATCH_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "JOBMATCH_INDEX_PREFIX": tag,
        "JOBMATCH_KAFKA_TOPIC_PREFIX": f"{tag}.",
        "JOBMATCH_KAFKA_TOPIC_PARTITIONS": str(partitions),
        "JOBMATCH_SECRET_KEY": uuid.uuid4().hex,
        "JOBMATCH_DATA_DIR": str(tmp / "data"),
        **(extra_env or {}),
    }
    keys = role_keys(Settings(data_dir=tmp / "data", secret_key=env["JOBMATCH_SECRET_KEY"]))
    started = {service: Service(service, env, tmp) for service in ("ingest", "search", "matcher")}
    try:
        for service in started.values():
            wait_for(service.ready, timeout_s=90, interval_s=0.5)
        yield started, keys
    finally:
        stops = {service: started[service].stop() for service in started}
        assert stops == {"ingest": "clean", "search": "clean", "matcher": "clean"}, stops
