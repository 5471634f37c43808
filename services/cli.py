"""Command line: run the embedded shape or one service, or manage API keys.

jobmatch embedded [--demo]   all three services on one port (tantivy + SQLite)
jobmatch ingest|search|matcher   one service, configured by JOBMATCH_* variables
jobmatch keys create --role ROLE [--source CODE ...] [--label TEXT] [--rate 30/second]
jobmatch keys list | jobmatch keys revoke KEY_ID
jobmatch import FILE --kind postings|seekers [--source S] [--mapping M] [--url URL] [--key KEY]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from typing import Any

import uvicorn

from services.embedded import provision_first_keys
from services.registry import SERVICES
from shared.security.keys import KeyRequestError, create_key, keys_table, read_keys, revoke_key
from shared.security.roles import Role
from shared.security.secret import MissingSecret, api_key_hash, deployment_secret
from shared.settings import Settings, get_settings
from shared.web.app_factory import create_app
from shared.web.logs import configure_logging

GRACEFUL_SHUTDOWN_S = 20
"""How long uvicorn waits for open requests at SIGTERM; the deployment's grace period covers it."""


def main(argv: list[str] | None = None) -> None:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["keys"]:
        sys.exit(keys_command(arguments[1:]))
    if arguments[:1] == ["import"]:
        from services.ingest.imports.cli import import_command

        sys.exit(import_command(arguments[1:]))
    parser = argparse.ArgumentParser(
        prog="jobmatch", epilog="jobmatch keys --help: manage API keys; jobmatch import --help: import a file"
    )
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
    if args.service == "embedded":
        _first_start_keys(settings)
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
        "access_log": False,  # ours, in shared.web.middleware: uvicorn's line carries query strings
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


def _first_start_keys(settings: Settings) -> None:
    written = provision_first_keys(settings)
    if written is not None:
        kiosk = json.loads(written.read_text(encoding="utf-8"))["kiosk"]
        # Printed once, on the terminal of whoever started it: never logged.
        print(f"jobmatch embedded: API keys, one per role, written to {written} (mode 0600)", flush=True)
        print(f"jobmatch embedded: kiosk key {kiosk}", flush=True)


def keys_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="jobmatch keys", description="API keys in JOBMATCH_KEYS_FILE")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="make a key; it is printed once and stored only as a hash")
    create.add_argument("--role", required=True, choices=[str(role) for role in Role])
    create.add_argument("--source", action="append", default=[], help="a source code the key is bound to")
    create.add_argument("--label", default="", help="who holds it (shown by list)")
    create.add_argument("--rate", help="its own rate limit, e.g. 100/second (default: its role's)")
    commands.add_parser("list", help="ids, roles and sources; never the keys")
    revoke = commands.add_parser("revoke", help="the key stops working within a second")
    revoke.add_argument("key_id")
    args = parser.parse_args(argv)
    settings = get_settings()
    path = settings.keys_path
    try:
        if args.command == "create":
            hasher = api_key_hash(deployment_secret(settings))
            record, plain = create_key(
                path, Role(args.role), hasher=hasher, sources=args.source, label=args.label, rate=args.rate
            )
            print(plain)
            print(f"id {record.id}, role {record.role}, in {path}", file=sys.stderr)
        elif args.command == "list":
            print(keys_table(read_keys(path).keys))
        else:
            record = revoke_key(path, args.key_id)
            print(f"revoked {record.id} ({record.role}) at {record.revoked_at:%Y-%m-%d %H:%M:%S}")
    except (KeyRequestError, MissingSecret) as error:
        print(f"jobmatch keys: {error}", file=sys.stderr)
        return 2
    return 0


def default_workers() -> int:
    """The embedded shape's worker processes when the setting leaves it open: one per core, at most 4."""
    return max(1, min(4, len(os.sched_getaffinity(0))))


if __name__ == "__main__":
    main()
