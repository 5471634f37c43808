"""The lock files stay in step with pyproject.toml and with what the runtime code imports.

``./dev`` installs requirements-test.lock and the Dockerfile requirements.lock, both
followed by the project with ``--no-deps``: a dependency missing from a lock is missing
from that environment. tools/lock.sh rewrites both.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_LOCK = ROOT / "requirements.lock"
TEST_LOCK = ROOT / "requirements-test.lock"
RUNTIME_SOURCES = ("shared", "services")
# Test-only packages runtime code may import, inside a function, where it is asked for them.
LAZY_TEST_ONLY = {"jieba": "shared/text/pipeline.py"}  # the reference segmentation engine

_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)")


@cache
def pins(lock: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    entries = lock.read_text(encoding="utf-8").replace("\\\n", " ").splitlines()
    for line in entries:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _PIN.match(line)
        assert match, f"{lock.name}: not a name==version pin: {line[:80]}"
        assert "--hash=sha256:" in line, f"{lock.name}: {match['name']} has no hash"
        found[canonicalize_name(match["name"])] = match["version"]
    return found


@cache
def project() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def assert_pinned(requirements: list[str], lock: Path) -> None:
    pinned = pins(lock)
    for text in requirements:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{lock.name} lacks {requirement.name}: run tools/lock.sh"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"{lock.name} pins {name}=={pinned[name]}, pyproject.toml asks {requirement}: run tools/lock.sh"
        )


def test_runtime_lock_pins_the_runtime_dependencies() -> None:
    assert_pinned(project()["dependencies"], RUNTIME_LOCK)


def test_test_lock_pins_the_runtime_and_test_dependencies() -> None:
    assert_pinned(project()["dependencies"] + project()["optional-dependencies"]["test"], TEST_LOCK)


def test_the_image_runs_the_versions_the_tests_run() -> None:
    runtime, test = pins(RUNTIME_LOCK), pins(TEST_LOCK)
    differing = {
        name: (version, test.get(name)) for name, version in runtime.items() if test.get(name) != version
    }
    assert not differing, f"requirements.lock differs from requirements-test.lock: {differing}"


def module_imports(path: Path) -> tuple[set[str], set[str]]:
    """Top-level names of a module's absolute imports: outside any function, and inside one."""
    eager: set[str] = set()
    lazy: set[str] = set()

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            names: list[str] = []
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                names = [child.module]
            (lazy if in_function else eager).update(name.split(".")[0] for name in names)
            visit(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return eager, lazy


def test_runtime_code_imports_only_what_the_runtime_lock_installs() -> None:
    distributions = importlib.metadata.packages_distributions()
    runtime = pins(RUNTIME_LOCK)
    local = {"__future__", *RUNTIME_SOURCES}
    problems = []
    for source in RUNTIME_SOURCES:
        for path in sorted((ROOT / source).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            eager, lazy = module_imports(path)
            for module in sorted((eager | lazy) - local - set(sys.stdlib_module_names)):
                if module in lazy - eager and LAZY_TEST_ONLY.get(module) == relative:
                    continue
                owners = {canonicalize_name(d) for d in distributions.get(module, [])}
                if not owners:
                    problems.append(f"{relative} imports {module}, which no installed distribution provides")
                elif not owners & runtime.keys():
                    problems.append(
                        f"{relative} imports {module} ({', '.join(sorted(owners))}), not in {RUNTIME_LOCK.name}"
                    )
    assert not problems, "\n".join(problems)
