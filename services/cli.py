"""Command line: run the embedded shape or one service, or reindex.

jobmatch embedded [--demo]   all three services on one port (tantivy + SQLite)
jobmatch ingest|search|matcher   one service, configured by JOBMATCH_* variables
"""

from __future__ import annotations

import argparse
import os

import uvicorn

from services.registry import SERVICES
from shared.settings import get_settings
from shared.web.app_factory import create_app
from shared.web.logs import configure_logging


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
    configure_logging()
    print(f"jobmatch {args.service}: OpenAPI docs at http://{host}:{port}/docs", flush=True)
    # uvicorn handles SIGTERM: it stops accepting, then runs the lifespan exit, which drains the consumer.
    uvicorn.run(
        create_app(SERVICES[args.service], settings=settings),
        host=host,
        port=port,
        log_level="info",
        log_config=None,
        access_log=settings.access_log,
        timeout_graceful_shutdown=20,
    )


if __name__ == "__main__":
    main()
