"""Session fixtures for tests that need a real Elasticsearch node or Kafka broker.

Each server starts once per session, on first use, through ``deploy/local/servers.py``
and stops when the session ends. A server that cannot start fails the test with
its log tail. To reuse servers started by ``servers.py start``, export
``JOBMATCH_TEST_ELASTICSEARCH_URL`` / ``JOBMATCH_TEST_KAFKA_BOOTSTRAP``.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

_SERVERS_SCRIPT = Path(__file__).resolve().parents[1] / "deploy" / "local" / "servers.py"


def _load_servers_module() -> ModuleType:
    name = "jobmatch_local_servers"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, _SERVERS_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


local_servers = _load_servers_module()


def _serve(preset_variable: str, start: Callable[[], object]) -> Iterator[str]:
    preset = os.environ.get(preset_variable)
    if preset:
        yield preset
        return
    try:
        server = start()
    except local_servers.ServerStartError as error:
        # A failure, not a skip: a missing server must turn CI red. No chained traceback, just the log tail.
        raise pytest.fail.Exception(str(error), pytrace=False) from None
    try:
        yield server.address  # type: ignore[attr-defined]
    finally:
        local_servers.stop_server(server)


@pytest.fixture(scope="session")
def elasticsearch_url() -> Iterator[str]:
    """Base URL (``http://127.0.0.1:PORT``) of a single-node Elasticsearch without security."""
    yield from _serve("JOBMATCH_TEST_ELASTICSEARCH_URL", local_servers.start_elasticsearch)


@pytest.fixture
def es_client(elasticsearch_url: str) -> Iterator[Elasticsearch]:
    """A client of the session's Elasticsearch node, closed after the test."""
    from elasticsearch import Elasticsearch

    with Elasticsearch(elasticsearch_url) as client:
        yield client


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """``127.0.0.1:PORT`` of a single-node KRaft Kafka broker."""
    yield from _serve("JOBMATCH_TEST_KAFKA_BOOTSTRAP", local_servers.start_kafka)


# --- per-backend counts, and no silent skips -------------------------------------------------

_BACKEND_MARKERS = ("elasticsearch", "kafka", "distributed")
_outcomes: dict[str, dict[str, int]] = {}


def _backends_of(report: pytest.TestReport) -> list[str]:
    keywords = report.keywords
    found = [name for name in _BACKEND_MARKERS if name in keywords]
    found += [name for name in ("tantivy", "sqlite") if f"[{name}" in report.nodeid]
    return found


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        for backend in _backends_of(report) or ["other"]:
            counts = _outcomes.setdefault(backend, {})
            counts[report.outcome] = counts.get(report.outcome, 0) + 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.section("tests per backend")
    for backend in ("elasticsearch", "kafka", "distributed", "tantivy", "sqlite"):
        counts = _outcomes.get(backend, {})
        line = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "none ran"
        terminalreporter.write_line(f"{backend:>14}: {line}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # In CI a skipped test would hide a backend that never ran: fail the run instead.
    skipped = sum(counts.get("skipped", 0) for counts in _outcomes.values())
    if os.environ.get("CI") and skipped and session.exitstatus == 0:
        session.exitstatus = 1
