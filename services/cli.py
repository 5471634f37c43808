"""Command line: run the embedded shape or one service, or reindex.

jobmatch embedded [--demo]   all three services on one port (tantivy + SQLite)
jobmatch ingest|search|matcher   one service, configured by JOBMATCH_* variables
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from typing import Any

import uvicorn

from services.registry import SERVICES
from shared.settings import get_settings
from shared.web.app_factory import create_app
from shared.web.logs import configure_logging

GRACEFUL_SHUTDOWN_S = 20
"""How long uvicorn waits for open requests at SIGTERM; the deployment's grace period covers it."""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="jobmatch")
    parser.add_argument("service", choices=sorted(SERVICES))
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--demo", action="store_true", help="load the demo data set on first start")
    args = parser.parse_args(argv)
    if args.demo:
        os.environ["JOBMATCH_DEMO_DATA"] = "true"
    settings = get_settings()
    host = args.host or settings.host
    port = args.port or settings.port
    configure_logging(access_log=settings.access_log)
    workers = settings.workers or (default_workers() if args.service == "embedded" else 1)
    print(
        f"jobmatch {args.service}: OpenAPI docs at http://{host}:{port}/docs ({workers} worker processes)",
        flush=True,
    )
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "info",
        "log_config": None,
        "access_log": settings.access_log,
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_S,
    }
    # uvicorn handles SIGTERM: it stops accepting, then runs the lifespan exit, which drains the consumer.
    if workers == 1:
        uvicorn.run(create_app(SERVICES[args.service], settings=settings), **options)
        return
    # Several processes on one socket; uvicorn restarts one that dies. Each imports services.asgi.
    os.environ["JOBMATCH_SERVICE"] = args.service
    os.environ["JOBMATCH_PARENT_PID"] = str(os.getpid())
    # prometheus_client's multiprocess mode: each worker writes its metrics to files here, /metrics sums them.
    metrics_dir = tempfile.mkdtemp(prefix=f"jobmatch-{args.service}-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        uvicorn.run("services.asgi:app", factory=True, workers=workers, **options)
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


def default_workers() -> int:
    """The embedded shape's worker processes when the setting leaves it open: one per core, at most 4."""
    return max(1, min(4, len(os.sched_getaffinity(0))))


if __name__ == "__main__":
    main()
