"""Schemathesis against each service's OpenAPI document, on the embedded backends.

    .venv/bin/python tools/schemathesis_run.py                      # ingest, search, matcher; CI's bounds
    .venv/bin/python tools/schemathesis_run.py --services matcher --max-examples 200 --seed 7

What it does, in order:

0. makes the run's credentials: a deployment secret and one API key per role (the partner's bound to the
   seed's source), their hashes in one keys file outside the data directories; every server started gets
   both through the environment (``JOBMATCH_SECRET_KEY``, ``JOBMATCH_KEYS_FILE``), and the admin role's
   rate limit is lifted (``JOBMATCH_RATE_LIMIT_ADMIN``) so the examples are not answered 429;
1. seeds one data directory: the embedded shape (``jobmatch embedded``, one worker) is started on it, a
   few postings and seekers are POSTed, and it is stopped once they are indexed (so GET-by-id and the
   matches have something to find);
2. copies that directory once per service, and starts each service alone on its copy
   (``jobmatch <service> --port P``, tantivy + SQLite) as a real server on 127.0.0.1, waiting for /readyz;
3. runs the schemathesis CLI against ``http://127.0.0.1:P/openapi.json`` with every check
   (``--checks all``), the phases and the bound on examples per operation given here, a fixed seed (so a
   failure can be reproduced with the same command), and a config file written for the run (the seeded
   ids offered to path parameters, the check settings explained in ``CHECK_SETTINGS``);
4. does that once per credential, both always: with the admin key (``Authorization: Bearer <key>``: every
   route, past access control) and with no key at all (every /v1 route must answer its documented 401).

Every schemathesis run's output is printed as it ends (its summary is the last part); the exit status is
0 only if every run passed: no server error and no response the document does not describe.
tests/test_schemathesis.py runs this, so ``./dev test`` (and .ci/run) covers it.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from schemathesis.core.warnings import SchemathesisWarning

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script from tools/: the project's packages for making keys

from services.embedded import plain_keys, provision_first_keys
from shared.settings import Settings

SERVICES = ("ingest", "search", "matcher")
SEED_SOURCE = "st"
ADMIN_RATE = "1000000/second"
"""The admin key's rate for the run: schemathesis sends requests back to back; the default (50/second)
would answer many of them 429, which says nothing about the operation under test."""
HOOKS = Path(__file__).resolve().with_name("schemathesis_hooks.py")

DEFAULT_PHASES = "examples,coverage,fuzzing,stateful"
DEFAULT_MAX_EXAMPLES = 100
DEFAULT_SEED = 20161
REQUEST_TIMEOUT_S = 20.0

# A few records of each kind: enough for GET-by-id, searches with filters and both kinds of match to find
# something. Their ids (source:source_id) are offered to the path parameters (see write_config).
SEED_POSTINGS: list[dict[str, object]] = [
    {
        "source": SEED_SOURCE,
        "source_id": "p1",
        "title": "电工",
        "description": "持电工证，负责厂区配电维护。",
        "location": "河南省郑州市金水区",
        "salary": "5000-8000元/月",
        "certificates": ["电工证"],
        "education": "高中",
        "job_type": "全职",
    },
    {
        "source": SEED_SOURCE,
        "source_id": "p2",
        "title": "电焊工",
        "description": "二保焊，有焊工证优先。",
        "location": "河南省郑州市中原区",
        "salary": "8k-12k",
    },
    {
        "source": SEED_SOURCE,
        "source_id": "p3",
        "title": "数控车床操作工",
        "description": "看图纸，操作数控车床。",
        "location": "广东省深圳市宝安区",
        "salary": "150-220元/天",
        "job_type": "临时",
    },
    {
        "source": SEED_SOURCE,
        "source_id": "p4",
        "title": "保洁员",
        "description": "公益性岗位，负责社区保洁。",
        "location": "河南省许昌市建安区",
        "salary": "面议",
        "job_type": "公益性岗位",
        "programme": "public_welfare_post",
    },
]
SEED_SEEKERS: list[dict[str, object]] = [
    {
        "source": SEED_SOURCE,
        "source_id": "s1",
        "name": "张三",
        "phone": "13800138000",
        "region_code": "410105",
        "desired_titles": ["电工"],
        "certificates": ["电工证"],
        "willing_to_relocate": True,
        "expected_salary_min": 5000,
    },
    {
        "source": SEED_SOURCE,
        "source_id": "s2",
        "region_code": "440306",
        "desired_titles": ["车床工"],
        "education": "中专",
        "groups": ["rural_migrant"],
    },
]
POSTING_IDS = [f"{p['source']}:{p['source_id']}" for p in SEED_POSTINGS]
SEEKER_IDS = [f"{s['source']}:{s['source_id']}" for s in SEED_SEEKERS]

CHECK_SETTINGS = """\
# Every check runs (--checks all), schemathesis's and those of tools/schemathesis_hooks.py. Narrowed,
# each for a documented design of the API and replaced by the check that design allows:
#
# negative_data_rejection, off for the two batch operations only: a batch answers 200 with its invalid
# records rejected one by one ("one bad record never sinks its batch"). batch_rejects_invalid_data
# checks them instead: a schema-violating batch is a 4xx, or a 200 that rejects at least one record.
[[operations]]
# (include-name: the filters of one entry are not all required to match; a name is one operation.)
include-name = ["POST /v1/postings", "POST /v1/seekers"]
checks.negative_data_rejection.enabled = false

# positive_data_acceptance, with 400 also accepted where the document declares 400 for a well-formed
# but unusable parameter (a region code no region has, an education no level matches, a group no one
# is in, a query of too many words: no schema can say which six digits are a region), for a cursor this
# instance did not issue, for a decision on a posting without flags or on a dead letter already closed,
# for a file whose bytes are no spreadsheet or text or a mapping no file defines, and for a region
# that is no province (partner recruiting) or more persons registered twice than the figures count.
# bad_request_is_a_documented_code holds each 400 to those codes.
[[operations]]
include-name = [
    "GET /v1/postings/search", "GET /v1/seekers/search", "POST /v1/match", "GET /v1/review/flags",
    "GET /v1/feeds/postings", "GET /v1/feeds/seekers", "POST /v1/review/flags/{posting_id}/decision",
    "POST /v1/review/dead-letters/{letter_id}/replay", "POST /v1/review/dead-letters/{letter_id}/discard",
    "POST /v1/imports", "GET /v1/stats/supply-demand", "GET /v1/stats/partner-recruiting",
]
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
"""


@dataclass(frozen=True)
class Credential:
    name: str
    headers: dict[str, str]


@dataclass(frozen=True)
class RunKeys:
    """The run's deployment secret, its keys file (hashes) and the plain keys, one per role."""

    secret: str
    keys_file: Path
    plain: dict[str, str]

    def server_env(self) -> dict[str, str]:
        return {
            "JOBMATCH_SECRET_KEY": self.secret,
            "JOBMATCH_KEYS_FILE": str(self.keys_file),
            "JOBMATCH_RATE_LIMIT_ADMIN": ADMIN_RATE,
        }


def make_keys(directory: Path) -> RunKeys:
    """A new secret and one key per role (the partner bound to the seed's source), in ``directory``:
    ``key-hashes.json`` as the services read it, ``api-keys.json`` (the plain keys) for whoever reruns a
    failing case by hand. Outside every data directory, so each service's copy uses the same file."""
    secret = secrets.token_hex(32)
    keys_file = directory / "key-hashes.json"
    settings = Settings(data_dir=directory, secret_key=secret, keys_file=keys_file)
    if provision_first_keys(settings, partner_sources=(SEED_SOURCE,)) is None:
        raise RuntimeError(f"{keys_file} already holds keys: use a new --work-dir")
    plain = plain_keys(directory)
    (directory / "secret.txt").write_text(secret + "\n", encoding="utf-8")
    return RunKeys(secret=secret, keys_file=keys_file, plain=dict(plain))


@dataclass(frozen=True)
class Outcome:
    service: str
    credential: str
    returncode: int
    output: str
    seconds: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def request(
    method: str, url: str, *, body: object = None, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
    all_headers = {**(headers or {}), **({"content-type": "application/json"} if data else {})}
    req = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class Server:
    """``jobmatch <name> --port P`` as a subprocess on its own data directory, its output in a log file."""

    def __init__(self, name: str, data_dir: Path, log_dir: Path, extra_env: dict[str, str]) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"{name}-{self.port}.log"
        env = {
            **os.environ,
            **extra_env,
            "JOBMATCH_ENVIRONMENT": "test",
            "JOBMATCH_INDEX_BACKEND": "tantivy",
            "JOBMATCH_EVENTLOG_BACKEND": "sqlite",
            "JOBMATCH_DATA_DIR": str(data_dir),
            "JOBMATCH_WORKERS": "1",
            "JOBMATCH_DEMO_DATA": "false",
        }
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "services.cli", name, "--port", str(self.port)],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            try:
                if request("GET", f"{self.url}/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready within {timeout_s}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]


@contextmanager
def running(name: str, data_dir: Path, log_dir: Path, extra_env: dict[str, str]) -> Iterator[Server]:
    server = Server(name, data_dir, log_dir, extra_env)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def seed(data_dir: Path, log_dir: Path, headers: dict[str, str], extra_env: dict[str, str]) -> None:
    """POST the seed records to the embedded shape on ``data_dir`` and wait until they are indexed."""
    with running("embedded", data_dir, log_dir, extra_env) as server:
        for kind, records in (("postings", SEED_POSTINGS), ("seekers", SEED_SEEKERS)):
            status, body = request("POST", f"{server.url}/v1/{kind}", body=records, headers=headers)
            answer = json.loads(body) if status == 200 else {}
            if answer.get("accepted") != len(records):
                raise RuntimeError(f"seeding {kind}: {status} {body.decode(errors='replace')[:2000]}")
        deadline = time.monotonic() + 30
        pending = [f"/v1/postings/{i}" for i in POSTING_IDS] + [
            f"/v1/seekers/{i}/matches" for i in SEEKER_IDS
        ]
        while pending:
            if time.monotonic() > deadline:
                raise RuntimeError(f"seed records not indexed within 30s: {pending}\n{server.log_tail()}")
            pending = [
                path for path in pending if request("GET", server.url + path, headers=headers)[0] != 200
            ]
            time.sleep(0.2)


def write_config(path: Path) -> None:
    """The run's schemathesis.toml: seeded ids offered to path parameters, and the check settings."""

    def values(ids: Sequence[str]) -> str:
        return ", ".join(json.dumps(i) for i in ids)

    path.write_text(
        f"{CHECK_SETTINGS}\n"
        "# Half of the generated ids are ones the seed stored, so the 200/202 answers are exercised too.\n"
        "[parameters]\n"
        '"path.posting_id" = { dictionary = "posting-ids", probability = 0.5 }\n'
        '"path.seeker_id" = { dictionary = "seeker-ids", probability = 0.5 }\n'
        "\n"
        "[dictionaries.posting-ids]\n"
        f"values = [{values(POSTING_IDS)}]\n"
        "\n"
        "[dictionaries.seeker-ids]\n"
        f"values = [{values(SEEKER_IDS)}]\n",
        encoding="utf-8",
    )


def run_schemathesis(
    server: Server,
    credential: Credential,
    *,
    config: Path,
    report_dir: Path,
    phases: str,
    max_examples: int,
    seed_value: int,
    max_time_s: float | None,
) -> Outcome:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(config),
        "--no-color",
        "run",
        f"{server.url}/openapi.json",
        # No --checks: every check is on by default (schemathesis's and ours), and on the command line a
        # list would override the per-operation settings of the config (CHECK_SETTINGS).
        "--phases",
        phases,
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed_value),
        "--workers",
        "1",
        "--generation-database",
        "none",
        # Every failure of an operation, not only the first: a CI log then shows each class at once.
        "--continue-on-failure",
        "--request-timeout",
        str(REQUEST_TIMEOUT_S),
        "--report",
        "junit",
        "--report-dir",
        str(report_dir),
        "--report-junit-path",
        str(report_dir / f"{server.name}-{credential.name}.xml"),
    ]
    if max_time_s:
        command += ["--max-time", str(int(max_time_s))]
    for name, value in credential.headers.items():
        command += ["--header", f"{name}: {value}"]
    if not credential.headers:
        # Without a key every /v1 answer is a 401 by design: that is checked (unauthenticated_is_refused),
        # not warned about.
        command += ["--warnings", ",".join(w.value for w in SchemathesisWarning if w.value != "missing_auth")]
    # Our checks (tools/schemathesis_hooks.py), loaded by module name from tools/.
    env = {
        **os.environ,
        "JOBMATCH_SCHEMATHESIS_CREDENTIAL": credential.name,
        "SCHEMATHESIS_HOOKS": HOOKS.stem,
        "PYTHONPATH": os.pathsep.join(filter(None, (str(HOOKS.parent), os.environ.get("PYTHONPATH")))),
    }
    started = time.monotonic()
    finished = subprocess.run(
        command, cwd=config.parent, env=env, capture_output=True, text=True, errors="replace", check=False
    )
    return Outcome(
        service=server.name,
        credential=credential.name,
        returncode=finished.returncode,
        output=finished.stdout + finished.stderr,
        seconds=time.monotonic() - started,
    )


def credentials(keys: RunKeys) -> list[Credential]:
    """The admin key (every route) and no key (every /v1 route a 401): both run, always."""
    return [
        Credential("admin", {"Authorization": f"Bearer {keys.plain['admin']}"}),
        Credential("anonymous", {}),
    ]


def run(
    services: Sequence[str],
    *,
    phases: str = DEFAULT_PHASES,
    max_examples: int = DEFAULT_MAX_EXAMPLES,
    seed_value: int = DEFAULT_SEED,
    max_time_s: float | None = None,
    work_dir: Path | None = None,
    extra_env: dict[str, str] | None = None,
) -> list[Outcome]:
    """Make keys, seed, start each service, run schemathesis with each credential; the outcomes, in order."""
    base = work_dir or Path(tempfile.mkdtemp(prefix="jobmatch-schemathesis-"))
    logs = base / "logs"
    reports = base / "reports"
    logs.mkdir(parents=True, exist_ok=True)
    reports.mkdir(exist_ok=True)
    (base / "keys").mkdir(exist_ok=True)
    keys = make_keys(base / "keys")
    env = {**keys.server_env(), **(extra_env or {})}
    creds = credentials(keys)
    seed_headers = creds[0].headers
    config = base / "schemathesis.toml"
    write_config(config)
    seeded = base / "seed"
    started = time.monotonic()
    seed(seeded, logs, seed_headers, env)
    print(f"seeded {seeded} in {time.monotonic() - started:.1f}s", flush=True)
    outcomes: list[Outcome] = []
    for name in services:
        data_dir = base / name
        shutil.copytree(seeded, data_dir, ignore=shutil.ignore_patterns("writer.lock"))
        with running(name, data_dir, logs, env) as server:
            for credential in creds:
                outcome = run_schemathesis(
                    server,
                    credential,
                    config=config,
                    report_dir=reports,
                    phases=phases,
                    max_examples=max_examples,
                    seed_value=seed_value,
                    max_time_s=max_time_s,
                )
                outcomes.append(outcome)
                verdict = "passed" if outcome.returncode == 0 else f"FAILED (exit {outcome.returncode})"
                print(
                    f"\n===== schemathesis: {name}, {credential.name}: {verdict} in {outcome.seconds:.0f}s "
                    f"=====\n{outcome.output}",
                    flush=True,
                )
    print(
        f"\nservice logs: {logs}; JUnit reports: {reports}; the run's keys: {base / 'keys'} "
        "(api-keys.json, secret.txt)",
        flush=True,
    )
    return outcomes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--services", default=",".join(SERVICES), help="comma-separated: ingest,search,matcher"
    )
    parser.add_argument("--phases", default=DEFAULT_PHASES)
    parser.add_argument("--max-examples", type=int, default=DEFAULT_MAX_EXAMPLES)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--max-time", type=float, help="schemathesis's time budget per run, seconds")
    parser.add_argument("--work-dir", type=Path, help="data, logs and reports here (default: a new temp dir)")
    parser.add_argument(
        "--service-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for the services started (repeatable), e.g. a rate limit",
    )
    args = parser.parse_args(argv)
    extra_env = dict(item.split("=", 1) for item in args.service_env)
    names = [n.strip() for n in args.services.split(",") if n.strip()]
    unknown = sorted(set(names) - set(SERVICES))
    if unknown:
        parser.error(f"unknown services: {unknown}")
    outcomes = run(
        names,
        phases=args.phases,
        max_examples=args.max_examples,
        seed_value=args.seed,
        max_time_s=args.max_time,
        work_dir=args.work_dir,
        extra_env=extra_env,
    )
    print("\nschemathesis runs:")
    for outcome in outcomes:
        verdict = "passed" if outcome.returncode == 0 else f"FAILED (exit {outcome.returncode})"
        print(f"  {outcome.service:8} {outcome.credential:10} {verdict:18} {outcome.seconds:5.0f}s")
    return 0 if outcomes and all(o.returncode == 0 for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
