"""The container and Kubernetes packaging stays in step with the code, offline.

No Docker or cluster is needed: the files are parsed and checked against the
Settings class, the services' declarations (``services.registry``) and the
installed clients; core Kubernetes objects are validated against the API
schemas shipped in kubernetes-validate, the operators' custom resources by
their required fields.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.metadata
import importlib.util
import json
import re
import shlex
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from packaging.specifiers import SpecifierSet

from services.registry import DISTRIBUTED, SERVICES
from shared.adapters.backends import Backend
from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
PYPROJECT = ROOT / "pyproject.toml"
CLI_SOURCE = ROOT / "services" / "cli.py"
LOCAL_SERVERS = ROOT / "deploy" / "local" / "servers.py"
K8S_DIR = ROOT / "deploy" / "k8s"
SECRET_TEMPLATE = K8S_DIR / "secret.example.yaml"

# The oldest Kubernetes deploy/k8s/README.md promises (the preStop `sleep` action needs it).
KUBERNETES_VERSION = "1.30"
DISTRIBUTED_SERVICES = tuple(spec.name for spec in DISTRIBUTED)
SERVICE_PORTS = {"ingest": 8001, "search": 8002, "matcher": 8003}
ENV_PREFIX = "JOBMATCH_"
PLACEHOLDER = "REPLACE-ME"

# Custom resources have no schema in kubernetes-validate: these fields are what their operators require.
CUSTOM_RESOURCE_FIELDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("elasticsearch.k8s.elastic.co/v1", "Elasticsearch"): ("spec.version", "spec.nodeSets"),
    ("kafka.strimzi.io/v1", "Kafka"): ("spec.kafka.version", "spec.kafka.listeners"),
    ("kafka.strimzi.io/v1", "KafkaNodePool"): ("spec.replicas", "spec.roles", "spec.storage"),
}


# ---------------------------------------------------------------- helpers


def setting_name(variable: str) -> str:
    assert variable.startswith(ENV_PREFIX), variable
    return variable.removeprefix(ENV_PREFIX).lower()


def assert_settings_fields(variables: Any, where: str) -> None:
    unknown = sorted(
        v for v in variables if v.startswith(ENV_PREFIX) and setting_name(v) not in Settings.model_fields
    )
    assert not unknown, f"{where} sets {unknown}, which shared/settings.py does not define"


def settings_from(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings as a process with exactly this environment would read them (validation included)."""
    for field in Settings.model_fields:
        monkeypatch.delenv(ENV_PREFIX + field.upper(), raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return Settings()


def backends_needed(service: str) -> set[str]:
    """The servers a service opens, as its declaration says."""
    needs = SERVICES[service].needs
    servers = set()
    if Backend.EVENT_LOG in needs:
        servers.add("kafka")
    if needs & {Backend.POSTINGS_INDEX, Backend.SEEKERS_INDEX}:
        servers.add("elasticsearch")
    return servers


def stops_a_worker(service: str) -> bool:
    """Whether the service has work to finish after uvicorn stops (the search consumer)."""
    return bool(SERVICES[service].workers)


def graceful_shutdown_seconds() -> float:
    source = CLI_SOURCE.read_text(encoding="utf-8")
    assert '"timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_S' in source, (
        "the CLI no longer passes it to uvicorn"
    )
    return float(module_constant(CLI_SOURCE, "GRACEFUL_SHUTDOWN_S"))


def module_constant(path: Path, name: str) -> Any:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{path.relative_to(ROOT)} defines no {name}")


def config_map_with_urls() -> dict[str, str]:
    """The shared ConfigMap plus what each Deployment adds from its Secrets (the Elasticsearch URL, the
    deployment secret)."""
    return {
        **config_map(),
        "JOBMATCH_ELASTICSEARCH_URL": "http://user:password@jobmatch-es-http:9200",
        "JOBMATCH_SECRET_KEY": "0" * 64,
    }


def dig(document: dict[str, Any], dotted: str) -> Any:
    value: Any = document
    for key in dotted.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def major(version: str) -> int:
    return int(version.split(".")[0])


# ---------------------------------------------------------------- docker-compose.yml

_COMPOSE_VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(value: str) -> str:
    """Compose interpolation with an empty shell: defaults apply, required variables become <NAME> (padded to
    a secret's length, so a required secret passes its length check as a value set by the operator would)."""

    def replace(match: re.Match[str]) -> str:
        op = match["op"] or ""
        if op.endswith("-"):
            return match["arg"]
        return f"<{match['name']}>".ljust(64, "-")

    return _COMPOSE_VARIABLE.sub(replace, value)


@cache
def compose_text() -> str:
    return COMPOSE_FILE.read_text(encoding="utf-8")


@cache
def compose() -> dict[str, Any]:
    return yaml.safe_load(compose_text())


def app_services() -> dict[str, dict[str, Any]]:
    return {name: svc for name, svc in compose()["services"].items() if "build" in svc}


def compose_environment(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {name: interpolate(str(value)) for name, value in environment.items()}


def image_tag(service: str) -> str:
    image = interpolate(compose()["services"][service]["image"])
    repository, _, tag = image.rpartition(":")
    assert repository and re.fullmatch(r"\d+\.\d+\.\d+", tag), (
        f"{service} image {image!r} needs a concrete x.y.z tag"
    )
    return tag


def test_compose_variables_have_a_default_or_a_required_message() -> None:
    for match in re.finditer(r"\$\{[^}]*\}", compose_text()):
        parsed = _COMPOSE_VARIABLE.fullmatch(match.group())
        assert parsed, f"unparseable variable {match.group()}"
        assert parsed["op"], (
            f"{match.group()} turns silently empty when unset: give it :-default or :?message"
        )
        if parsed["op"].endswith("?"):
            assert parsed["arg"].strip(), f"{match.group()} must say what to supply"


def test_compose_runs_each_distributed_service_from_the_cli() -> None:
    services = app_services()
    assert sorted(services) == sorted(DISTRIBUTED_SERVICES)
    for name, service in services.items():
        command = service["command"]
        command = shlex.split(command) if isinstance(command, str) else command
        assert command[0] in SERVICES, f"{name} runs {command[0]!r}, not a service in services.registry"
        assert command[0] == name


def test_compose_settings_are_settings_fields_with_valid_values(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, service in app_services().items():
        environment = compose_environment(service)
        assert_settings_fields(environment, f"docker-compose.yml service {name}")
        settings = settings_from(environment, monkeypatch)
        assert settings.environment == "production"
        assert settings.host == "0.0.0.0", f"{name} must listen on all interfaces inside its container"
        assert settings.index_backend == "elasticsearch"
        assert settings.eventlog_backend == "kafka"


def test_compose_ports_and_readiness_checks_use_jobmatch_port(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, service in app_services().items():
        port = settings_from(compose_environment(service), monkeypatch).port
        assert port == SERVICE_PORTS[name]
        targets = {int(p["target"]) for p in service["ports"]}
        assert targets == {port}, f"{name} publishes {targets} but listens on JOBMATCH_PORT={port}"
        probe = " ".join(service["healthcheck"]["test"])
        assert "JOBMATCH_PORT" in probe and "/readyz" in probe, (
            f"{name}'s healthcheck must ask /readyz on its port"
        )


def test_compose_healthchecks_and_dependencies_follow_the_code() -> None:
    services = compose()["services"]
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        for dependency, condition in (service.get("depends_on") or {}).items():
            assert dependency in services
            assert condition == {"condition": "service_healthy"}, f"{name} -> {dependency}"
    for name, service in app_services().items():
        assert set(service.get("depends_on") or {}) == backends_needed(name), (
            f"{name} opens {sorted(backends_needed(name))} (its declaration) but depends_on says otherwise"
        )


def test_compose_backend_addresses_reach_the_backend_services(monkeypatch: pytest.MonkeyPatch) -> None:
    services = compose()["services"]
    advertised = compose_environment(services["kafka"])["KAFKA_ADVERTISED_LISTENERS"]
    advertised_addresses = {listener.split("://", 1)[1] for listener in advertised.split(",")}
    for service in app_services().values():
        settings = settings_from(compose_environment(service), monkeypatch)
        assert settings.elasticsearch_url == "http://elasticsearch:9200"
        assert settings.kafka_bootstrap in advertised_addresses
        assert settings.kafka_bootstrap.split(":")[0] == "kafka"
        assert settings.kafka_topic_replication == 1, "the compose file runs a single broker"


def test_elasticsearch_image_major_matches_the_python_client() -> None:
    client = importlib.metadata.version("elasticsearch")
    assert major(image_tag("elasticsearch")) == major(client), (
        f"Elasticsearch image {image_tag('elasticsearch')} and client {client}: "
        "a client sends compatible-with=<its major>, which another server major rejects"
    )


def test_image_tags_match_the_servers_the_tests_run() -> None:
    for service, constant in (("elasticsearch", "ELASTICSEARCH_VERSION"), ("kafka", "KAFKA_VERSION")):
        tested = module_constant(LOCAL_SERVERS, constant)
        assert image_tag(service) == tested, (
            f"docker-compose.yml runs {service} {image_tag(service)} but the tests run {tested} "
            f"(deploy/local/servers.py {constant}); change both, and the version in deploy/k8s/data/"
        )


# ---------------------------------------------------------------- Dockerfile


@dataclass(frozen=True)
class Instruction:
    stage: int
    keyword: str
    arguments: str


def dockerfile_instructions() -> list[Instruction]:
    logical_lines: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical_lines.append(pending + stripped)
        pending = ""
    instructions: list[Instruction] = []
    stage = -1
    for line in logical_lines:
        keyword, _, arguments = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        instructions.append(Instruction(stage, keyword, arguments.strip()))
    return instructions


def runtime_stage() -> list[Instruction]:
    instructions = dockerfile_instructions()
    last = max(i.stage for i in instructions)
    return [i for i in instructions if i.stage == last]


def exec_form(arguments: str) -> list[str]:
    parsed = json.loads(arguments)
    assert isinstance(parsed, list), f"use the exec (JSON) form: {arguments}"
    return parsed


def dockerfile_user_id() -> int:
    users = [i.arguments for i in runtime_stage() if i.keyword == "USER"]
    assert users, "the runtime stage runs as root"
    uid = users[-1].split(":")[0]
    assert uid.isdigit(), "USER must be numeric so Kubernetes can verify runAsNonRoot"
    return int(uid)


@cache
def pyproject() -> dict[str, Any]:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))


def test_dockerfile_runtime_stage() -> None:
    stage = runtime_stage()
    base = stage[0].arguments.split()[0]
    match = re.fullmatch(r"python:(\d+\.\d+)-slim", base)
    assert match, f"runtime base {base} is not python:X.Y-slim"
    assert match[1] + ".0" in SpecifierSet(pyproject()["project"]["requires-python"])
    assert dockerfile_user_id() > 0

    environment: dict[str, str] = {}
    for instruction in stage:
        if instruction.keyword == "ENV":
            environment.update(pair.split("=", 1) for pair in shlex.split(instruction.arguments))
    assert_settings_fields(environment, "Dockerfile ENV")
    assert environment.get("JOBMATCH_HOST") == "0.0.0.0"

    healthchecks = [i.arguments for i in stage if i.keyword == "HEALTHCHECK"]
    assert healthchecks and "/healthz" in healthchecks[-1] and "JOBMATCH_PORT" in healthchecks[-1]

    entrypoint = exec_form(next(i.arguments for i in reversed(stage) if i.keyword == "ENTRYPOINT"))
    assert pyproject()["project"]["scripts"].get(entrypoint[0]) == "services.cli:main"
    command = exec_form(next(i.arguments for i in reversed(stage) if i.keyword == "CMD"))
    assert command[0] in SERVICES


def test_dockerfile_installs_the_project_without_test_extras() -> None:
    installs = [
        i.arguments for i in dockerfile_instructions() if i.keyword == "RUN" and "pip install" in i.arguments
    ]
    assert installs, "the Dockerfile no longer pip-installs the project"
    for command in installs:
        target = command.split("pip install", 1)[1].split("&&")[0]
        assert "[" not in target and "-e " not in target, (
            f"install the plain project, no extras/editable: {command}"
        )
    build_tools = re.compile(r"\b(gcc|g\+\+|build-essential|make)\b")
    assert not any(build_tools.search(i.arguments) for i in runtime_stage()), (
        "build tools in the runtime stage"
    )


def test_dockerfile_installs_the_runtime_lock_and_resolves_nothing_else() -> None:
    installs = [
        shlex.split(part.split("pip install", 1)[1])
        for i in dockerfile_instructions()
        if i.keyword == "RUN"
        for part in i.arguments.split("&&")
        if "pip install" in part
    ]
    assert ["--require-hashes", "-r", "requirements.lock"] in installs, (
        f"the image must install requirements.lock with --require-hashes: {installs}"
    )
    for arguments in installs:
        assert "-r" in arguments or "--no-deps" in arguments, (
            f"pip install {' '.join(arguments)} resolves dependencies the lock does not pin"
        )


def dockerignore_excludes(path: str) -> bool:
    excluded = False
    prefixes = ["/".join(path.split("/")[: n + 1]) for n in range(path.count("/") + 1)]
    for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        variants = {pattern, pattern.replace("**/", "")}
        if any(fnmatch.fnmatchcase(prefix, variant) for prefix in prefixes for variant in variants):
            excluded = not negated
    return excluded


def test_build_context_holds_everything_pip_needs() -> None:
    copied: set[str] = set()
    for instruction in dockerfile_instructions():
        if instruction.keyword == "COPY" and "--from" not in instruction.arguments:
            sources = [a for a in shlex.split(instruction.arguments) if not a.startswith("--")][:-1]
            copied.update(s.rstrip("/") for s in sources)
    project = pyproject()
    needed = {"pyproject.toml", project["project"]["readme"]}
    needed |= {
        pattern.rstrip("*") for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    assert needed <= copied, f"the Dockerfile does not copy {sorted(needed - copied)}"
    for source in copied:
        path = ROOT / source
        assert path.exists(), f"COPY {source}: no such file"
        files = (
            [path]
            if path.is_file()
            else [p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        )
        for file in files:
            relative = file.relative_to(ROOT).as_posix()
            assert not dockerignore_excludes(relative), (
                f".dockerignore leaves {relative} out of the build context"
            )
    for package, patterns in project["tool"]["setuptools"].get("package-data", {}).items():
        for pattern in patterns:
            data_files = list((ROOT / package).glob(pattern))
            assert data_files, f"package data {package}/{pattern} is missing"
            assert not any(dockerignore_excludes(f.relative_to(ROOT).as_posix()) for f in data_files)
    for left_out in (".venv/bin/python", "tests/conftest.py", ".git/HEAD", "var/data/events.sqlite3"):
        assert dockerignore_excludes(left_out), f"{left_out} should stay out of the build context"


# ---------------------------------------------------------------- deploy/k8s


@dataclass(frozen=True)
class Manifest:
    path: Path
    index: int
    body: dict[str, Any]

    @property
    def label(self) -> str:
        name = dig(self.body, "metadata.name")
        return f"{self.path.relative_to(K8S_DIR)}#{self.index} {self.body.get('kind')}/{name}"


def yaml_files(directory: Path) -> Iterator[Path]:
    yield from sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml"))


@cache
def manifests() -> tuple[Manifest, ...]:
    found = []
    for path in yaml_files(K8S_DIR):
        if path.name == "kustomization.yaml":
            continue
        for index, body in enumerate(yaml.safe_load_all(path.read_text(encoding="utf-8"))):
            if body is not None:
                found.append(Manifest(path, index, body))
    return tuple(found)


def applied() -> list[Manifest]:
    return [m for m in manifests() if m.path != SECRET_TEMPLATE]


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [m.body for m in applied() if m.body["kind"] == kind]


def one(kind: str) -> dict[str, Any]:
    found = of_kind(kind)
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def config_map() -> dict[str, str]:
    return one("ConfigMap")["data"]


def container_of(deployment: dict[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, deployment["metadata"]["name"]
    return containers[0]


def service_of(deployment: dict[str, Any]) -> str:
    return container_of(deployment)["args"][0]


def deployments() -> dict[str, dict[str, Any]]:
    return {service_of(d): d for d in of_kind("Deployment")}


def resolved_environment(deployment: dict[str, Any]) -> dict[str, str]:
    """What the process sees: the ConfigMap, then env with $(VAR) expanded (secrets as sample values)."""
    container = container_of(deployment)
    environment: dict[str, str] = {}
    for source in container.get("envFrom", []):
        assert source["configMapRef"]["name"] == one("ConfigMap")["metadata"]["name"]
        environment.update(config_map())
    for variable in container.get("env", []):
        if "valueFrom" in variable:
            environment[variable["name"]] = f"sample-{variable['valueFrom']['secretKeyRef']['key']}".ljust(
                64, "0"
            )
            continue
        value = variable["value"]
        for reference in re.findall(r"\$\((\w+)\)", value):
            assert reference in environment, f"{variable['name']} uses $({reference}) before it is defined"
            value = value.replace(f"$({reference})", environment[reference])
        environment[variable["name"]] = value
    return environment


def check_custom_resource(body: dict[str, Any]) -> None:
    key = (body.get("apiVersion"), body.get("kind"))
    assert key in CUSTOM_RESOURCE_FIELDS, f"no schema for {key}: add it to CUSTOM_RESOURCE_FIELDS"
    assert dig(body, "metadata.name"), "metadata.name is required"
    for field in CUSTOM_RESOURCE_FIELDS[key]:
        assert dig(body, field) not in (None, "", [], {}), f"{key[1]} needs {field}"
    if key[1] == "Elasticsearch":
        for node_set in body["spec"]["nodeSets"]:
            assert node_set.get("name") and int(node_set.get("count", 0)) >= 1
    if key[1] == "KafkaNodePool":
        assert set(body["spec"]["roles"]) <= {"controller", "broker"}
        assert dig(body, "metadata.labels")["strimzi.io/cluster"]


@pytest.mark.parametrize("manifest", manifests(), ids=lambda m: m.label)
def test_k8s_document_is_valid(manifest: Manifest) -> None:
    body = manifest.body
    assert body.get("apiVersion") and body.get("kind"), "every document needs apiVersion and kind"
    try:
        kubernetes_validate.validate(body, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.SchemaNotFoundError:
        check_custom_resource(body)
    except kubernetes_validate.ValidationError as error:
        pytest.fail(f"{manifest.label}: {error.message} at {'/'.join(map(str, error.absolute_path))}")


def test_kustomizations_list_every_file() -> None:
    kustomizations = sorted(K8S_DIR.rglob("kustomization.yaml"))
    assert K8S_DIR / "kustomization.yaml" in kustomizations
    for kustomization in kustomizations:
        directory = kustomization.parent
        listed = yaml.safe_load(kustomization.read_text(encoding="utf-8"))
        assert (
            listed["apiVersion"].startswith("kustomize.config.k8s.io/") and listed["kind"] == "Kustomization"
        )
        resources = set(listed.get("resources", []))
        for resource in resources:
            assert (directory / resource).exists(), (
                f"{kustomization.relative_to(ROOT)} lists missing {resource}"
            )
        expected = {p.name for p in directory.glob("*.yaml") if p.name != "kustomization.yaml"}
        expected -= {p.name for p in directory.glob("*.example.yaml")}
        expected |= {p.name for p in directory.iterdir() if (p / "kustomization.yaml").is_file()}
        assert resources == expected, (
            f"{kustomization.relative_to(ROOT)}: lists {sorted(resources)}, has {sorted(expected)}"
        )


def test_kustomize_image_tag_is_the_project_version() -> None:
    images = yaml.safe_load((K8S_DIR / "kustomization.yaml").read_text(encoding="utf-8"))["images"]
    names = {container_of(d)["image"] for d in deployments().values()}
    assert names == {image["name"] for image in images}
    assert all(str(image["newTag"]) == pyproject()["project"]["version"] for image in images)


def test_secret_template_is_a_marked_placeholder_that_covers_every_reference() -> None:
    assert SECRET_TEMPLATE.is_file()
    assert (
        SECRET_TEMPLATE.name not in yaml.safe_load((K8S_DIR / "kustomization.yaml").read_text())["resources"]
    )
    templates = {m.body["metadata"]["name"]: m.body for m in manifests() if m.path == SECRET_TEMPLATE}
    assert set(templates) == {"jobmatch-elasticsearch-user", "jobmatch-access"}
    assert "TEMPLATE" in SECRET_TEMPLATE.read_text().splitlines()[0]
    assert all(template["kind"] == "Secret" for template in templates.values())
    provided = {(name, key) for name, template in templates.items() for key in template["stringData"]}
    template = templates["jobmatch-elasticsearch-user"]
    assert template["stringData"]["password"] == PLACEHOLDER
    assert templates["jobmatch-access"]["stringData"]["secret-key"] == PLACEHOLDER
    for service, deployment in deployments().items():
        # The keys file the settings name is where the access Secret is mounted.
        mounts = {m["name"]: m["mountPath"] for m in container_of(deployment)["volumeMounts"]}
        volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
        assert volumes["access"]["secret"]["secretName"] == "jobmatch-access", service
        assert config_map()["JOBMATCH_KEYS_FILE"] == mounts["access"] + "/key-hashes.json", service
    for service, deployment in deployments().items():
        for variable in container_of(deployment).get("env", []):
            if "valueFrom" in variable:
                reference = variable["valueFrom"]["secretKeyRef"]
                assert (reference["name"], reference["key"]) in provided, f"{service}: {reference}"
    elasticsearch = one("Elasticsearch")
    assert [r["secretName"] for r in elasticsearch["spec"]["auth"]["fileRealm"]] == [
        template["metadata"]["name"]
    ]
    defined_roles = set(elasticsearch_roles())
    assert set(template["stringData"]["roles"].split(",")) <= defined_roles


def elasticsearch_roles() -> dict[str, Any]:
    names = {r["secretName"] for r in one("Elasticsearch")["spec"]["auth"]["roles"]}
    roles: dict[str, Any] = {}
    for secret in of_kind("Secret"):
        if secret["metadata"]["name"] in names:
            roles.update(yaml.safe_load(secret["stringData"]["roles.yml"]))
    return roles


def test_deployments_run_each_distributed_service() -> None:
    assert sorted(deployments()) == sorted(DISTRIBUTED_SERVICES)
    for service, deployment in deployments().items():
        assert service in SERVICES
        assert deployment["metadata"]["name"] == f"jobmatch-{service}"


def test_deployments_have_probes_resources_and_a_locked_down_pod() -> None:
    drain_seconds = graceful_shutdown_seconds()
    for service, deployment in deployments().items():
        pod = deployment["spec"]["template"]["spec"]
        container = container_of(deployment)
        port_names = {p["name"]: p["containerPort"] for p in container["ports"]}
        for probe_name, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
            probe = container.get(probe_name)
            assert probe, f"{service} has no {probe_name}"
            assert probe["httpGet"]["path"] == path
            assert probe["httpGet"]["port"] in port_names or probe["httpGet"]["port"] in port_names.values()
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(container["resources"].get(kind, {})), (
                f"{service} resources.{kind}"
            )

        pod_security = pod["securityContext"]
        assert pod_security["runAsNonRoot"] is True
        assert pod_security["runAsUser"] == dockerfile_user_id()
        container_security = container["securityContext"]
        assert container_security["readOnlyRootFilesystem"] is True
        assert container_security["allowPrivilegeEscalation"] is False
        assert "ALL" in container_security["capabilities"]["drop"]
        assert pod.get("automountServiceAccountToken") is False

        tmp_volumes = {m["name"] for m in container["volumeMounts"] if m["mountPath"] == "/tmp"}
        assert tmp_volumes and all("emptyDir" in v for v in pod["volumes"] if v["name"] in tmp_volumes)

        pre_stop = dig(container, "lifecycle.preStop.sleep.seconds") or 0
        needed = pre_stop + drain_seconds
        assert pod["terminationGracePeriodSeconds"] > needed, f"{service} is killed before it drains"
        if stops_a_worker(service):
            # The consumer also finishes its batch and commits after uvicorn stops.
            assert pod["terminationGracePeriodSeconds"] >= needed + 20


def test_deployment_ports_services_and_compose_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    services_by_name = {s["metadata"]["name"]: s for s in of_kind("Service")}
    for service, deployment in deployments().items():
        container = container_of(deployment)
        settings = settings_from(resolved_environment(deployment), monkeypatch)
        assert settings.port == SERVICE_PORTS[service]
        assert [p["containerPort"] for p in container["ports"]] == [settings.port]
        compose_port = settings_from(compose_environment(app_services()[service]), monkeypatch).port
        assert compose_port == settings.port, f"{service}: compose and Kubernetes disagree on the port"

        k8s_service = services_by_name[deployment["metadata"]["name"]]
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert k8s_service["spec"]["selector"].items() <= pod_labels.items()
        assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
        (port,) = k8s_service["spec"]["ports"]
        assert port["targetPort"] in ("http", settings.port)


def test_k8s_settings_are_settings_fields_with_valid_values(monkeypatch: pytest.MonkeyPatch) -> None:
    assert_settings_fields(config_map(), "the ConfigMap")
    for service, deployment in deployments().items():
        environment = resolved_environment(deployment)
        assert_settings_fields(environment, f"Deployment jobmatch-{service}")
        settings = settings_from(environment, monkeypatch)
        assert settings.environment == "production"
        assert settings.host == "0.0.0.0"
        assert (settings.index_backend, settings.eventlog_backend) == ("elasticsearch", "kafka")
        has_url = "JOBMATCH_ELASTICSEARCH_URL" in environment
        assert has_url == ("elasticsearch" in backends_needed(service)), f"{service}: Elasticsearch URL"


def test_k8s_backend_addresses_name_the_operator_services(monkeypatch: pytest.MonkeyPatch) -> None:
    elasticsearch = one("Elasticsearch")
    kafka = one("Kafka")
    (plain,) = [lst for lst in kafka["spec"]["kafka"]["listeners"] if lst["tls"] is False]
    assert (
        config_map()["JOBMATCH_KAFKA_BOOTSTRAP"]
        == f"{kafka['metadata']['name']}-kafka-bootstrap:{plain['port']}"
    )
    for service, deployment in deployments().items():
        settings = settings_from(resolved_environment(deployment), monkeypatch)
        if "elasticsearch" in backends_needed(service):
            host = settings.elasticsearch_url.split("@", 1)[1]
            assert host == f"{elasticsearch['metadata']['name']}-es-http:9200"
            tls_off = dig(elasticsearch, "spec.http.tls.selfSignedCertificate.disabled") is True
            assert settings.elasticsearch_url.startswith("http://" if tls_off else "https://")
        peers = plain.get("networkPolicyPeers")
        if peers:
            pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
            assert any(p["podSelector"]["matchLabels"].items() <= pod_labels.items() for p in peers)


def test_hpas_scale_search_and_matcher_within_kafka_partitions(monkeypatch: pytest.MonkeyPatch) -> None:
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in of_kind("HorizontalPodAutoscaler")}
    names = {service: d["metadata"]["name"] for service, d in deployments().items()}
    assert set(hpas) == {names["search"], names["matcher"]}
    for hpa in hpas.values():
        assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    partitions = settings_from(config_map_with_urls(), monkeypatch).kafka_topic_partitions
    assert hpas[names["search"]]["spec"]["maxReplicas"] <= partitions


def test_data_tier_versions_and_capacity(monkeypatch: pytest.MonkeyPatch) -> None:
    elasticsearch = one("Elasticsearch")
    kafka = one("Kafka")
    assert elasticsearch["spec"]["version"] == image_tag("elasticsearch")
    assert kafka["spec"]["kafka"]["version"] == image_tag("kafka")

    pools = [
        p
        for p in of_kind("KafkaNodePool")
        if p["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
    ]
    brokers = sum(p["spec"]["replicas"] for p in pools if "broker" in p["spec"]["roles"])
    assert any("controller" in p["spec"]["roles"] for p in pools), "KRaft needs a controller pool"
    settings = settings_from(config_map_with_urls(), monkeypatch)
    assert settings.kafka_topic_replication <= brokers
    min_insync = int(kafka["spec"]["kafka"]["config"].get("min.insync.replicas", 1))
    assert min_insync < settings.kafka_topic_replication, "one broker down would stop every write"

    granted = [
        n for role in elasticsearch_roles().values() for grant in role["indices"] for n in grant["names"]
    ]
    assert any(fnmatch.fnmatchcase(f"{settings.index_prefix}-postings-000001", n) for n in granted), (
        f"no role covers the indexes of JOBMATCH_INDEX_PREFIX={settings.index_prefix}"
    )


@pytest.mark.parametrize(
    ("environment", "missing"),
    [
        (
            {
                "JOBMATCH_INDEX_BACKEND": "elasticsearch",
                "JOBMATCH_EVENTLOG_BACKEND": "kafka",
                "JOBMATCH_KAFKA_BOOTSTRAP": "kafka:9092",
            },
            "JOBMATCH_ELASTICSEARCH_URL",
        ),
        (
            {
                "JOBMATCH_INDEX_BACKEND": "elasticsearch",
                "JOBMATCH_EVENTLOG_BACKEND": "kafka",
                "JOBMATCH_ELASTICSEARCH_URL": "http://es:9200",
            },
            "JOBMATCH_KAFKA_BOOTSTRAP",
        ),
        ({}, "JOBMATCH_DATA_DIR"),
    ],
)
def test_production_settings_name_every_backend_address(
    environment: dict[str, str], missing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValueError, match=missing):
        settings_from({"JOBMATCH_ENVIRONMENT": "production", **environment}, monkeypatch)
    complete = {
        "JOBMATCH_ELASTICSEARCH_URL": "http://es:9200",
        "JOBMATCH_KAFKA_BOOTSTRAP": "kafka:9092",
        "JOBMATCH_DATA_DIR": "/var/lib/jobmatch",
        "JOBMATCH_SECRET_KEY": "0" * 64,
        "JOBMATCH_KEYS_FILE": "/etc/jobmatch/access/key-hashes.json",
    }
    assert settings_from({"JOBMATCH_ENVIRONMENT": "production", **environment, **complete}, monkeypatch)
    assert settings_from({"JOBMATCH_ENVIRONMENT": "development", **environment}, monkeypatch)
