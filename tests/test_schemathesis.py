"""Schemathesis against each service's OpenAPI document: no server error, no answer the document does
not describe (tools/schemathesis_run.py does the work; this runs it as CI's ``./dev test`` does).

Each service (ingest, search, matcher) runs alone on the embedded backends as a real server, with a few
seeded postings and seekers; schemathesis's examples, coverage, fuzzing and stateful phases run with every
check, once with an admin API key the runner makes for the run and once without a key (both always).
Its output, the summary last, is printed in the test's output. About a minute and a half on 2 cores.

``JOBMATCH_SCHEMATHESIS_MAX_EXAMPLES`` and ``JOBMATCH_SCHEMATHESIS_SEED`` change the bounds (a failure is
reproduced with the seed it printed).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT

TIMEOUT_S = 15 * 60
"""The runner's own bound is the examples per operation; this only stops a hung run."""


def test_every_operation_answers_as_its_document_says(tmp_path: Path) -> None:
    # Data, service logs and JUnit reports in pytest's temporary directory (it keeps the last runs').
    command = [sys.executable, str(ROOT / "tools" / "schemathesis_run.py"), "--work-dir", str(tmp_path)]
    for variable, option in (
        ("JOBMATCH_SCHEMATHESIS_MAX_EXAMPLES", "--max-examples"),
        ("JOBMATCH_SCHEMATHESIS_SEED", "--seed"),
    ):
        if os.environ.get(variable):
            command += [option, os.environ[variable]]
    finished = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, errors="replace", timeout=TIMEOUT_S, check=False
    )
    # Printed either way: pytest shows it with a failure, and with -rA (.ci/run) for a pass too.
    print(finished.stdout)
    print(finished.stderr, file=sys.stderr)
    assert finished.returncode == 0, (
        "schemathesis found answers the OpenAPI documents do not describe (above)"
    )
