"""The embedded shape with several worker processes on one port: one writes the indexes, all serve.

Real processes, killed for real: a dead writer is replaced and its successor
indexes what was pushed meanwhile; a killed parent takes its workers with it.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx

from tests.helpers import Service, posting, wait_for


def children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def writer_pid(data_dir: Path) -> int:
    return int((data_dir / "writer.lock").read_text().strip())


def push(service: Service, first: int, count: int) -> None:
    """One record per request, on fresh connections: uvicorn's workers share the socket, so requests
    land on either process."""
    for number in range(first, first + count):
        record = posting(str(number), f"叉车司机{number}号", location="郑州市")
        answer = httpx.post(
            f"{service.url}/v1/postings", json=[record], headers=service.headers(), timeout=10
        )
        assert answer.status_code == 200 and answer.json()["accepted"] == 1, answer.text


def searchable(service: Service, count: int) -> bool:
    params = {"q": "叉车司机", "size": 1}
    found = httpx.get(
        f"{service.url}/v1/postings/search", params=params, headers=service.headers(), timeout=10
    )
    return found.status_code == 200 and found.json()["total"] == count


def env_for(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "JOBMATCH_DATA_DIR": str(tmp_path / "data"),
        "JOBMATCH_ENVIRONMENT": "test",
        "JOBMATCH_WORKERS": "2",
    }


def test_pushes_to_any_worker_are_indexed_once_and_searchable_from_every_worker(tmp_path: Path) -> None:
    service = Service("embedded", env_for(tmp_path), tmp_path)
    try:
        wait_for(service.ready, timeout_s=60, interval_s=0.3)
        workers = children(service.process.pid)
        assert len([pid for pid in workers if alive(pid)]) >= 2, workers
        push(service, 0, 30)
        wait_for(lambda: searchable(service, 30), timeout_s=30)
        # Every worker answers with the same index: ask often enough to reach both.
        assert all(searchable(service, 30) for _ in range(10))
        # Each worker's requests are counted once in the sum /metrics gives.
        metrics = httpx.get(f"{service.url}/metrics", timeout=10).text
        posts = [
            line
            for line in metrics.splitlines()
            if line.startswith("jobmatch_http_requests_total{") and 'method="POST"' in line
        ]
        assert sum(float(line.rsplit(" ", 1)[1]) for line in posts) == 30, posts
        ready = httpx.get(f"{service.url}/readyz", timeout=10).json()
        assert ready["status"] == "ready", ready
    finally:
        assert service.stop() == "clean"


def test_a_killed_writer_is_replaced_and_nothing_pushed_meanwhile_is_lost(tmp_path: Path) -> None:
    service = Service("embedded", env_for(tmp_path), tmp_path)
    try:
        wait_for(service.ready, timeout_s=60, interval_s=0.3)
        push(service, 0, 10)
        wait_for(lambda: searchable(service, 10), timeout_s=30)
        first_writer = writer_pid(tmp_path / "data")
        os.kill(first_writer, signal.SIGKILL)
        # The other worker keeps taking pushes while uvicorn starts a replacement, which takes the lock.
        push(service, 10, 10)
        wait_for(lambda: writer_pid(tmp_path / "data") not in (first_writer,), timeout_s=60, interval_s=0.2)
        wait_for(lambda: searchable(service, 20), timeout_s=60, interval_s=0.3)
    finally:
        assert service.stop() == "clean"


def test_killing_the_parent_stops_its_workers_and_a_restart_takes_the_data_directory(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    first = Service("embedded", env, tmp_path)
    wait_for(first.ready, timeout_s=60, interval_s=0.3)
    push(first, 0, 5)
    wait_for(lambda: searchable(first, 5), timeout_s=30)
    workers = children(first.process.pid)
    first.kill()
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in workers), "workers outlived their parent"

    second = Service("embedded", env, tmp_path)
    try:
        wait_for(second.ready, timeout_s=60, interval_s=0.3)
        push(second, 5, 5)
        wait_for(lambda: searchable(second, 10), timeout_s=30)
    finally:
        assert second.stop() == "clean"
