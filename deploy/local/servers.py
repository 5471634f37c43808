"""Run a real Elasticsearch node and a real Kafka broker on 127.0.0.1 without Docker.

    python deploy/local/servers.py fetch|start|stop|status|env

Artifacts come from Maven (``mvn``) into a cache outside the work tree
(``JOBMATCH_SERVERS_CACHE``, default ``/var/cache/jobmatch-servers``). Every
start uses fresh data in a temporary run directory and free loopback ports.
Heap sizes: ``JOBMATCH_SERVERS_ELASTICSEARCH_HEAP`` (default 1g) and
``JOBMATCH_SERVERS_KAFKA_HEAP`` (default 512m).
Tests import this file (see ``tests/conftest.py``) and call ``start_elasticsearch``
and ``start_kafka``; the command line writes a state file so ``stop``,
``status`` and ``env`` work from another process.
"""

from __future__ import annotations

import argparse
import atexit
import base64
import fcntl
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

ELASTICSEARCH_VERSION = "9.5.3"
KAFKA_VERSION = "4.4.0"
# Kafka 4.x logs through SLF4J 1.7 and its POM carries log4j-core but no binding.
LOG4J_VERSION = "2.25.5"
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

ELASTICSEARCH_MIN_JAVA = 21
KAFKA_MIN_JAVA = 17
DEFAULT_ELASTICSEARCH_HEAP = "1g"
DEFAULT_KAFKA_HEAP = "512m"
HEAP_VARIABLES = {
    "elasticsearch": "JOBMATCH_SERVERS_ELASTICSEARCH_HEAP",
    "kafka": "JOBMATCH_SERVERS_KAFKA_HEAP",
}
ELASTICSEARCH_USER = "jobmatch-es"
DEFAULT_CACHE = Path("/var/cache/jobmatch-servers")
START_TIMEOUT_S = 180.0
STOP_GRACE_S = 15.0
LOG_TAIL_LINES = 40


class ServerStartError(RuntimeError):
    """A server could not be fetched or did not become healthy; the message ends with its log tail."""


@dataclass(frozen=True)
class RunningServer:
    name: str
    address: str
    version: str
    java_home: str
    pid: int
    process_group: int
    run_dir: str
    log_files: tuple[str, ...]


@dataclass(frozen=True)
class ServerInfo:
    elasticsearch: RunningServer
    kafka: RunningServer

    @property
    def elasticsearch_url(self) -> str:
        return self.elasticsearch.address

    @property
    def kafka_bootstrap(self) -> str:
        return self.kafka.address

    def env(self) -> dict[str, str]:
        return {
            "JOBMATCH_ELASTICSEARCH_URL": self.elasticsearch_url,
            "JOBMATCH_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
        }


# ---------------------------------------------------------------- paths, java, ports


def heap_size(server: str) -> str:
    """The JVM heap of ``server``: its variable in ``HEAP_VARIABLES`` (a JVM size such as 2g or 768m),
    else the default; both -Xms and -Xmx, so the heap does not grow under a benchmark."""
    default = DEFAULT_ELASTICSEARCH_HEAP if server == "elasticsearch" else DEFAULT_KAFKA_HEAP
    value = os.environ.get(HEAP_VARIABLES[server], "").strip().lower() or default
    if not (value[:-1].isdigit() and value[-1] in "mg" and int(value[:-1]) > 0):
        raise ServerStartError(f"{HEAP_VARIABLES[server]}={value!r}: expected a size such as 2g or 768m")
    return value


def cache_dir() -> Path:
    return Path(os.environ.get("JOBMATCH_SERVERS_CACHE") or DEFAULT_CACHE)


def default_state_file() -> Path:
    return Path(os.environ.get("JOBMATCH_SERVERS_STATE") or cache_dir() / "state.json")


def _java_major(java_home: Path) -> int | None:
    try:
        release = (java_home / "release").read_text()
    except OSError:
        return None
    for line in release.splitlines():
        if line.startswith("JAVA_VERSION="):
            parts = line.split("=", 1)[1].strip('"').split(".")
            major = int(parts[1]) if parts[0] == "1" else int(parts[0])
            return major if (java_home / "bin" / "java").exists() else None
    return None


def find_java_home(min_major: int) -> tuple[Path, int]:
    """The newest JDK under /usr/lib/jvm at or above ``min_major`` (or ``JOBMATCH_JAVA_HOME``)."""
    override = os.environ.get("JOBMATCH_JAVA_HOME")
    candidates = [Path(override)] if override else sorted(Path("/usr/lib/jvm").glob("*"))
    found: list[tuple[int, Path]] = []
    for home in candidates:
        major = _java_major(home.resolve())
        if major is not None and major >= min_major:
            found.append((major, home.resolve()))
    if not found:
        where = override or "/usr/lib/jvm"
        raise ServerStartError(f"no Java {min_major}+ found in {where} (set JOBMATCH_JAVA_HOME)")
    major, home = max(found)
    return home, major


def free_ports(count: int) -> list[int]:
    """Ports the OS hands out on 127.0.0.1; all held open together so they differ."""
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _new_run_dir(name: str) -> Path:
    root = os.environ.get("JOBMATCH_SERVERS_RUN_ROOT") or tempfile.gettempdir()
    run_dir = Path(tempfile.mkdtemp(prefix=f"jobmatch-{name}-", dir=root))
    # The Elasticsearch user must be able to enter it.
    run_dir.chmod(0o755)
    return run_dir


def log_tail(paths: Sequence[str | Path], lines: int = LOG_TAIL_LINES) -> str:
    chunks = []
    for path in paths:
        try:
            text = Path(path).read_text(errors="replace")
        except OSError:
            continue
        tail = text.splitlines()[-lines:]
        if tail:
            chunks.append(f"--- last {len(tail)} lines of {path} ---\n" + "\n".join(tail))
    return "\n".join(chunks) or "(no log output)"


# ---------------------------------------------------------------- fetch through Maven


@contextmanager
def _cache_lock(cache: Path) -> Iterator[None]:
    cache.mkdir(parents=True, exist_ok=True)
    cache.chmod(0o755)
    with open(cache / ".lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _dependency_xml(coordinate: str) -> str:
    group, artifact, version, *kind = coordinate.split(":")
    type_xml = f"<type>{kind[0]}</type>" if kind else ""
    exclusions = (
        "<exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>"
        if kind
        else ""
    )
    return (
        f"<dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId>"
        f"<version>{version}</version>{type_xml}{exclusions}</dependency>"
    )


def _maven_copy(work_dir: Path, coordinates: Sequence[str], output_dir: Path) -> None:
    """Copy the artifacts and their runtime dependencies into ``output_dir`` with mvn."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ServerStartError("mvn is not on PATH; install Maven 3.8+")
    work_dir.mkdir(parents=True, exist_ok=True)
    dependencies = "\n    ".join(_dependency_xml(c) for c in coordinates)
    (work_dir / "pom.xml").write_text(
        '<project xmlns="http://maven.apache.org/POM/4.0.0">\n'
        "  <modelVersion>4.0.0</modelVersion>\n"
        f"  <groupId>local.jobmatch</groupId><artifactId>{work_dir.name}</artifactId>"
        "<version>1</version><packaging>pom</packaging>\n"
        f"  <dependencies>\n    {dependencies}\n  </dependencies>\n"
        "</project>\n"
    )
    command = [
        mvn, "-B", "-q", "-f", str(work_dir / "pom.xml"),
        f"-Dmaven.repo.local={work_dir.parent / 'm2'}",
        f"{DEPENDENCY_PLUGIN}:copy-dependencies",
        "-DincludeScope=runtime", f"-DoutputDirectory={output_dir}",
    ]  # fmt: skip
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        output = "\n".join((result.stdout + result.stderr).splitlines()[-LOG_TAIL_LINES:])
        raise ServerStartError(f"mvn could not fetch {', '.join(coordinates)}:\n{output}")


def _unzip_readable(zip_path: Path, dest: Path) -> None:
    """Unzip keeping the executable bits, and readable by every user (zipfile drops modes)."""
    with zipfile.ZipFile(zip_path) as archive:
        for member in archive.infolist():
            extracted = Path(archive.extract(member, dest))
            mode = (member.external_attr >> 16) & 0o777
            if member.is_dir():
                extracted.chmod(0o755)
            else:
                extracted.chmod(0o755 if mode & 0o100 else 0o644)


def ensure_elasticsearch(version: str = ELASTICSEARCH_VERSION, cache: Path | None = None) -> Path:
    """The unzipped distribution's home, fetched on first use."""
    cache = cache or cache_dir()
    home = cache / f"elasticsearch-{version}"
    if (home / ".complete").exists():
        return home
    with _cache_lock(cache):
        if (home / ".complete").exists():
            return home
        download_dir = cache / "pom-elasticsearch" / "download"
        coordinate = f"org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip"
        _maven_copy(cache / "pom-elasticsearch", [coordinate], download_dir)
        unpack_dir = cache / f".unpack-elasticsearch-{version}"
        shutil.rmtree(unpack_dir, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)
        _unzip_readable(download_dir / f"elasticsearch-{version}.zip", unpack_dir)
        (unpack_dir / f"elasticsearch-{version}").rename(home)
        shutil.rmtree(unpack_dir)
        # The Maven repository under the cache keeps a copy of the zip.
        shutil.rmtree(download_dir)
        (home / ".complete").touch()
    return home


def ensure_kafka(version: str = KAFKA_VERSION, cache: Path | None = None) -> Path:
    """A folder holding the broker's jars, fetched on first use."""
    cache = cache or cache_dir()
    libs = cache / f"kafka-{version}" / "libs"
    if (libs.parent / ".complete").exists():
        return libs
    with _cache_lock(cache):
        if (libs.parent / ".complete").exists():
            return libs
        shutil.rmtree(libs.parent, ignore_errors=True)
        coordinates = [
            f"org.apache.kafka:kafka_2.13:{version}",
            f"org.apache.logging.log4j:log4j-core:{LOG4J_VERSION}",
            f"org.apache.logging.log4j:log4j-slf4j-impl:{LOG4J_VERSION}",
        ]
        _maven_copy(cache / "pom-kafka", coordinates, libs)
        (libs.parent / ".complete").touch()
    return libs


# ---------------------------------------------------------------- process handling

# Popen objects of children started by this process, so stop() can reap them.
_children: dict[int, subprocess.Popen[bytes]] = {}
_children_lock = threading.RLock()  # re-entered by the SIGTERM handler


def _process_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _belongs_to_run(pid: int, run_dir: str) -> bool:
    """Guards against signalling a recycled pid: our servers name their run dir on the command line."""
    try:
        return run_dir.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _signal_group(process_group: int, sig: signal.Signals) -> None:
    try:
        os.killpg(process_group, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _wait_gone(pid: int, timeout_s: float) -> bool:
    with _children_lock:
        child = _children.get(pid)
    if child is not None:
        try:
            child.wait(timeout=timeout_s)
            return True
        except subprocess.TimeoutExpired:
            return False
    deadline = time.monotonic() + timeout_s
    while _process_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def stop_server(server: RunningServer) -> None:
    """Stop one server (SIGTERM, then SIGKILL after a grace period) and delete its run dir."""
    if _process_alive(server.pid) and _belongs_to_run(server.pid, server.run_dir):
        _signal_group(server.process_group, signal.SIGTERM)
        if not _wait_gone(server.pid, STOP_GRACE_S):
            _signal_group(server.process_group, signal.SIGKILL)
            _wait_gone(server.pid, 10.0)
    # Helpers left in the group (the launcher, runuser) go with it.
    if not _process_alive(server.pid):
        _signal_group(server.process_group, signal.SIGKILL)
    with _children_lock:
        child = _children.pop(server.pid, None)
    if child is not None and child.poll() is None:
        child.kill()
        child.wait()
    shutil.rmtree(server.run_dir, ignore_errors=True)
    with _children_lock:
        if server in _servers_to_stop:
            _servers_to_stop.remove(server)


def _kill_keeping_logs(server: RunningServer) -> None:
    """Kill a server that failed to start, leaving its run dir for the error message and inspection."""
    _signal_group(server.process_group, signal.SIGKILL)
    _wait_gone(server.pid, 10.0)
    with _children_lock:
        child = _children.pop(server.pid, None)
    if child is not None:
        child.wait()


# Servers this process started with stop_at_exit=True and has not stopped yet.
_servers_to_stop: list[RunningServer] = []
_exit_hooks_installed = False


def _stop_registered() -> None:
    while _servers_to_stop:
        stop_server(_servers_to_stop[-1])


def _on_termination(signum: int, _frame: object) -> None:
    # atexit does not run when a signal ends the process (a CI timeout, `timeout pytest`).
    _stop_registered()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install_exit_hooks() -> None:
    """Call from the main thread before starting servers: signal handlers can only be set there."""
    global _exit_hooks_installed
    if _exit_hooks_installed:
        return
    _exit_hooks_installed = True
    atexit.register(_stop_registered)
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGHUP):
            if signal.getsignal(sig) is signal.SIG_DFL:
                signal.signal(sig, _on_termination)


def _stop_at_exit(server: RunningServer) -> None:
    with _children_lock:
        _servers_to_stop.append(server)


# ---------------------------------------------------------------- Elasticsearch


def _ensure_system_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    result = subprocess.run(
        ["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
         "--shell", "/usr/sbin/nologin", name],
        check=False, capture_output=True, text=True,
    )  # fmt: skip
    try:
        return pwd.getpwnam(name)
    except KeyError:
        raise ServerStartError(f"could not create user {name}: {result.stderr.strip()}") from None


def _elasticsearch_health(url: str, timeout_s: float) -> str | None:
    query = f"{url}/_cluster/health?wait_for_status=yellow&timeout={max(1, int(timeout_s))}s"
    try:
        with urllib.request.urlopen(query, timeout=timeout_s + 5) as response:
            health = json.load(response)
    except (OSError, ValueError):
        return None
    if health.get("timed_out"):
        return None
    return health.get("status")


def start_elasticsearch(
    *, version: str = ELASTICSEARCH_VERSION, stop_at_exit: bool = True, timeout_s: float = START_TIMEOUT_S
) -> RunningServer:
    if stop_at_exit:
        _install_exit_hooks()
    heap = heap_size("elasticsearch")
    home = ensure_elasticsearch(version)
    java_home, _ = find_java_home(ELASTICSEARCH_MIN_JAVA)
    run_dir = _new_run_dir("elasticsearch")
    config_dir, data_dir, logs_dir, tmp_dir = (run_dir / d for d in ("config", "data", "logs", "tmp"))
    shutil.copytree(home / "config", config_dir)
    for folder in (data_dir, logs_dir, tmp_dir):
        folder.mkdir()
    (config_dir / "jvm.options.d" / "jobmatch.options").write_text(f"-Xms{heap}\n-Xmx{heap}\n")
    http_port, transport_port = free_ports(2)
    url = f"http://127.0.0.1:{http_port}"
    pid_file = run_dir / "elasticsearch.pid"
    launcher_log = run_dir / "launcher.log"
    main_log = logs_dir / "jobmatch-test.log"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "ES_JAVA_HOME": str(java_home),
        "ES_PATH_CONF": str(config_dir),
        "ES_TMPDIR": str(tmp_dir),
        # The launcher probes JVM flags in java.io.tmpdir and leaves files there.
        "CLI_JAVA_OPTS": f"-Djava.io.tmpdir={tmp_dir}",
    }
    command = [
        str(home / "bin" / "elasticsearch"), "-d", "-p", str(pid_file),
        "-Ecluster.name=jobmatch-test", "-Enode.name=jobmatch-test",
        "-Expack.security.enabled=false", "-Ediscovery.type=single-node",
        "-Enetwork.host=127.0.0.1", f"-Ehttp.port={http_port}", f"-Etransport.port={transport_port}",
        f"-Epath.data={data_dir}", f"-Epath.logs={logs_dir}",
        "-Ecluster.routing.allocation.disk.threshold_enabled=false",
    ]  # fmt: skip
    if os.geteuid() == 0:
        # Elasticsearch refuses to run as root.
        user = _ensure_system_user(ELASTICSEARCH_USER)
        for path in (run_dir, config_dir, data_dir, logs_dir, tmp_dir):
            for entry in [path, *path.rglob("*")]:
                os.chown(entry, user.pw_uid, user.pw_gid)
        command = ["runuser", "-u", ELASTICSEARCH_USER, "--", "env", *[f"{k}={v}" for k, v in env.items()],
                   *command]  # fmt: skip
    log_files = (str(launcher_log), str(main_log))
    deadline = time.monotonic() + timeout_s
    with open(launcher_log, "wb") as launcher_out:
        launcher = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=launcher_out, stderr=subprocess.STDOUT,
            env={**os.environ, **env}, start_new_session=True,
        )  # fmt: skip
    server = RunningServer(
        name="elasticsearch", address=url, version=version, java_home=str(java_home),
        pid=launcher.pid, process_group=launcher.pid, run_dir=str(run_dir), log_files=log_files,
    )  # fmt: skip

    def fail(reason: str) -> ServerStartError:
        _signal_group(launcher.pid, signal.SIGKILL)
        launcher.wait()
        return ServerStartError(
            f"Elasticsearch {version} {reason} (run dir {run_dir})\n{log_tail(log_files)}"
        )

    try:
        # With -d the launcher returns once the node has started, or failed.
        returncode = launcher.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        raise fail(f"did not start within {timeout_s:.0f}s") from None
    if returncode != 0 or not pid_file.exists():
        raise fail(f"launcher exited with {returncode}")
    server = RunningServer(**{**asdict(server), "pid": int(pid_file.read_text().strip())})
    while _elasticsearch_health(url, min(10.0, deadline - time.monotonic())) is None:
        if not _process_alive(server.pid) or time.monotonic() > deadline:
            raise fail("did not reach yellow health")
    if stop_at_exit:
        _stop_at_exit(server)
    return server


# ---------------------------------------------------------------- Kafka


def _kafka_cluster_id() -> str:
    # Kafka's own format: 16 random bytes, URL-safe base64 without padding, not starting with "-".
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def _kafka_properties(run_dir: Path, broker_port: int, controller_port: int) -> str:
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "listeners": f"PLAINTEXT://127.0.0.1:{broker_port},CONTROLLER://127.0.0.1:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{broker_port}",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "inter.broker.listener.name": "PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "controller.quorum.bootstrap.servers": f"127.0.0.1:{controller_port}",
        "log.dirs": str(run_dir / "data"),
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        "num.partitions": "1",
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


def _kafka_log4j_config(log_file: Path) -> str:
    return (
        "status = warn\n"
        "appender.file.type = File\n"
        "appender.file.name = file\n"
        f"appender.file.fileName = {log_file}\n"
        "appender.file.layout.type = PatternLayout\n"
        "appender.file.layout.pattern = [%d] %p %m (%c)%n\n"
        "rootLogger.level = INFO\n"
        "rootLogger.appenderRef.file.ref = file\n"
    )


def _kafka_answers_metadata(bootstrap: str, timeout_s: float) -> bool:
    from kafka import KafkaConsumer  # kafka-python, from the project's venv
    from kafka.errors import KafkaError

    timeout_ms = int(max(1.0, timeout_s) * 1000)
    try:
        consumer = KafkaConsumer(
            bootstrap_servers=bootstrap, request_timeout_ms=timeout_ms + 1000,
            api_version_auto_timeout_ms=timeout_ms, client_id="jobmatch-servers-health",
        )  # fmt: skip
    except KafkaError:
        return False
    try:
        consumer.topics()
        return True
    except KafkaError:
        return False
    finally:
        consumer.close()


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


def start_kafka(
    *, version: str = KAFKA_VERSION, stop_at_exit: bool = True, timeout_s: float = START_TIMEOUT_S
) -> RunningServer:
    try:
        import kafka  # noqa: F401  (the health check speaks Kafka through kafka-python)
    except ImportError:
        raise ServerStartError("kafka-python is missing: run with the project's venv python") from None
    if stop_at_exit:
        _install_exit_hooks()
    heap = heap_size("kafka")
    libs = ensure_kafka(version)
    java_home, _ = find_java_home(KAFKA_MIN_JAVA)
    java = str(java_home / "bin" / "java")
    run_dir = _new_run_dir("kafka")
    (run_dir / "data").mkdir()
    broker_port, controller_port = free_ports(2)
    properties = run_dir / "server.properties"
    properties.write_text(_kafka_properties(run_dir, broker_port, controller_port))
    server_log, stdout_log = run_dir / "server.log", run_dir / "stdout.log"
    log4j_config = run_dir / "log4j2.properties"
    log4j_config.write_text(_kafka_log4j_config(server_log))
    base = [java, "-cp", f"{libs}/*", f"-Dlog4j2.configurationFile=file:{log4j_config}",
            "-Djava.awt.headless=true"]  # fmt: skip
    log_files = (str(stdout_log), str(server_log))
    deadline = time.monotonic() + timeout_s

    formatted = subprocess.run(
        [*base, "-Xmx256m", "kafka.tools.StorageTool", "format", "--standalone",
         "-t", _kafka_cluster_id(), "-c", str(properties)],
        check=False, capture_output=True, text=True, timeout=timeout_s,
    )  # fmt: skip
    if formatted.returncode != 0:
        output = "\n".join((formatted.stdout + formatted.stderr).splitlines()[-LOG_TAIL_LINES:])
        raise ServerStartError(f"Kafka {version} storage format failed (run dir {run_dir}):\n{output}")

    with open(stdout_log, "wb") as stdout:
        broker = subprocess.Popen(
            [*base, f"-Xms{heap}", f"-Xmx{heap}", "-XX:+UseG1GC", "kafka.Kafka", str(properties)],
            stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.STDOUT,
            cwd=run_dir, start_new_session=True,
        )  # fmt: skip
    with _children_lock:
        _children[broker.pid] = broker
    server = RunningServer(
        name="kafka", address=f"127.0.0.1:{broker_port}", version=version, java_home=str(java_home),
        pid=broker.pid, process_group=broker.pid, run_dir=str(run_dir), log_files=log_files,
    )  # fmt: skip

    def fail(reason: str) -> ServerStartError:
        _kill_keeping_logs(server)
        return ServerStartError(f"Kafka {version} {reason} (run dir {run_dir})\n{log_tail(log_files)}")

    while not _port_open(broker_port):
        if broker.poll() is not None:
            raise fail(f"exited with {broker.returncode}")
        if time.monotonic() > deadline:
            raise fail(f"did not open port {broker_port} within {timeout_s:.0f}s")
        time.sleep(0.2)
    while not _kafka_answers_metadata(server.address, min(10.0, deadline - time.monotonic())):
        if broker.poll() is not None or time.monotonic() > deadline:
            raise fail("did not answer a metadata request")
        time.sleep(0.5)
    if stop_at_exit:
        _stop_at_exit(server)
    return server


# ---------------------------------------------------------------- both, and the state file


def start(*, state_file: Path | None = None, stop_at_exit: bool = True) -> ServerInfo:
    """Start both servers side by side; write ``state_file`` (JSON) when given."""
    if stop_at_exit:
        _install_exit_hooks()
    with ThreadPoolExecutor(max_workers=2) as pool:
        elasticsearch = pool.submit(start_elasticsearch, stop_at_exit=stop_at_exit)
        kafka = pool.submit(start_kafka, stop_at_exit=stop_at_exit)
        errors = [f.exception() for f in (elasticsearch, kafka)]
    if any(errors):
        for future in (elasticsearch, kafka):
            if future.exception() is None:
                stop_server(future.result())
        raise ServerStartError("\n\n".join(str(e) for e in errors if e))
    info = ServerInfo(elasticsearch=elasticsearch.result(), kafka=kafka.result())
    if state_file is not None:
        state_file.parent.mkdir(parents=True, exist_ok=True)
        state_file.write_text(json.dumps(asdict(info), indent=2))
    return info


def read_state(state_file: Path | None = None) -> ServerInfo | None:
    state_file = state_file or default_state_file()
    try:
        raw = json.loads(state_file.read_text())
    except (OSError, ValueError):
        return None

    def server(fields: dict[str, object]) -> RunningServer:
        return RunningServer(**{**fields, "log_files": tuple(fields["log_files"])})  # type: ignore[arg-type]

    return ServerInfo(elasticsearch=server(raw["elasticsearch"]), kafka=server(raw["kafka"]))


def stop(info: ServerInfo | None = None, *, state_file: Path | None = None) -> None:
    """Stop both servers: the given ones, or those recorded in the state file (then removed)."""
    if info is None:
        state_file = state_file or default_state_file()
        info = read_state(state_file)
    if info is not None:
        stop_server(info.elasticsearch)
        stop_server(info.kafka)
    if state_file is not None:
        state_file.unlink(missing_ok=True)


def is_healthy(server: RunningServer) -> bool:
    if not _process_alive(server.pid):
        return False
    if server.name == "elasticsearch":
        return _elasticsearch_health(server.address, 2.0) is not None
    return _port_open(int(server.address.rsplit(":", 1)[1]))


# ---------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["fetch", "start", "stop", "status", "env"])
    parser.add_argument("--state-file", type=Path, default=None, help="default: $JOBMATCH_SERVERS_STATE")
    args = parser.parse_args(argv)
    state_file: Path = args.state_file or default_state_file()
    running = read_state(state_file)

    if args.command == "fetch":
        began = time.monotonic()
        print(ensure_elasticsearch(), ensure_kafka(), sep="\n")
        print(f"fetched in {time.monotonic() - began:.1f}s", file=sys.stderr)
    elif args.command == "start":
        if running is not None and any(is_healthy(s) for s in (running.elasticsearch, running.kafka)):
            print(f"already running (see {state_file}); run stop first", file=sys.stderr)
            return 1
        began = time.monotonic()
        try:
            info = start(state_file=state_file, stop_at_exit=False)
        except ServerStartError as error:
            print(error, file=sys.stderr)
            return 1
        for server in (info.elasticsearch, info.kafka):
            print(
                f"{server.name} {server.version} at {server.address} (java {server.java_home})",
                file=sys.stderr,
            )
        print(f"started in {time.monotonic() - began:.1f}s; state in {state_file}", file=sys.stderr)
        print("\n".join(f"{key}={value}" for key, value in info.env().items()))
    elif args.command == "stop":
        stop(state_file=state_file)
    elif args.command == "status":
        if running is None:
            print("not running")
            return 1
        healthy = True
        for server in (running.elasticsearch, running.kafka):
            up = is_healthy(server)
            healthy &= up
            print(
                f"{server.name} {server.version} {server.address} pid {server.pid}: {'up' if up else 'DOWN'}"
            )
        return 0 if healthy else 1
    elif args.command == "env":
        if running is None:
            print("not running; run start first", file=sys.stderr)
            return 1
        print("\n".join(f"{key}={value}" for key, value in running.env().items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
