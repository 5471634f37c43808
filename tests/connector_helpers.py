"""What the connector tests share: a sources file for the fake platform, and waiting for runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import yaml
from fastapi.testclient import TestClient

from tests.helpers import wait_for

TOKEN_ENV = "JOBMATCH_TEST_PLATFORM_TOKEN"
TOKEN = "platform-secret-0123456789"

MAPPING = {
    "source_id": "jobId",
    "title": "name",
    "employer.name": "company.name",
    "location": "city",
    "salary": "pay",
    "description": "detail.text",
    "updated_at": "updated",
}


def jobs_source(url: str, name: str = "fakejobs", **overrides: Any) -> dict[str, Any]:
    source: dict[str, Any] = {
        "name": name,
        "type": "json_api",
        "kind": "postings",
        "url": f"{url}/jobs",
        "paging": {"type": "page", "size": 10, "total_path": "data.total"},
        "items_path": "data.items",
        "mapping": MAPPING,
        "fixed": {"job_type": "全职"},
        "record_source": "test",
        "deletion": {"path": "deleted", "equals": True, "id_path": "jobId"},
        "version_path": "updated",
        "auth": {"env": TOKEN_ENV},
        "timeout_s": 1.0,
        "rate_limit": "50/second",
        "retry": {"attempts": 4, "initial_s": 0.05, "max_s": 0.2},
        "interval_s": None,
    }
    source.update(overrides)
    return source


def write_sources(path: Path, *sources: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump({"sources": list(sources)}, allow_unicode=True), encoding="utf-8")
    return path


def source_state(client: TestClient | httpx.Client, name: str) -> dict[str, Any]:
    response = client.get("/v1/sources")
    assert response.status_code == 200, response.text
    found = [s for s in response.json()["sources"] if s["name"] == name]
    assert found, response.json()
    return found[0]


def finished_run(client: TestClient | httpx.Client, name: str, *, timeout_s: float = 30) -> dict[str, Any]:
    """The source's state once no run of it goes on and its last run has ended."""

    def done() -> dict[str, Any] | None:
        state = source_state(client, name)
        run = state["last_run"]
        return state if run and run["finished_at"] and not state["running"] else None

    return wait_for(done, timeout_s=timeout_s, interval_s=0.05)


def sync(client: TestClient | httpx.Client, name: str) -> dict[str, Any]:
    response = client.post(f"/v1/sources/{name}/sync")
    assert response.status_code == 202, response.text
    return finished_run(client, name)
