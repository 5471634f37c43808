#!/usr/bin/env bash
# Rewrite the lock files from pyproject.toml, for Python 3.11 on Linux x86_64 (the image's python:3.11-slim):
#   requirements-test.lock  the project's dependencies plus the test extra; ./dev installs it
#   requirements.lock       the runtime dependencies only; the Dockerfile installs it
# The runtime lock is resolved with the test lock as its constraints, so the image runs exactly the
# versions the tests ran.
#
# It needs uv (0.13 or later) on PATH or in $UV; from a throwaway venv, for example:
#   python3 -m venv /tmp/uv && /tmp/uv/bin/pip install uv && UV=/tmp/uv/bin/uv tools/lock.sh
#
#   tools/lock.sh                               after a change to pyproject.toml: keeps every pin it can
#   tools/lock.sh --upgrade                     every package to its newest allowed version
#   tools/lock.sh --upgrade-package NAME[==V]   one package (repeatable)
# Arguments go to the test lock's resolution; the runtime lock then follows it.
set -euo pipefail
cd "$(dirname "$0")/.."

UV=${UV:-uv}
target=(--custom-compile-command tools/lock.sh --python-version 3.11 --python-platform x86_64-unknown-linux-gnu --generate-hashes)

"$UV" pip compile --quiet pyproject.toml --extra test "${target[@]}" "$@" -o requirements-test.lock
"$UV" pip compile --quiet pyproject.toml "${target[@]}" -c requirements-test.lock -o requirements.lock
