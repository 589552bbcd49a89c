"""The container image (Containerfile) and compose.yaml, built and run for real with podman.

Exercised here:
- the image is built from the Containerfile on a local Debian base (mmdebstrap, then
  `podman import`; no registry serves images here, so the default BASE, the official slim
  Python image, is not built). pip inside the build reaches the same indexes as pip on this
  machine, from this machine's own pip configuration: no host is named in the Containerfile;
- the image runs on its embedded PostgreSQL with a published port, nowva as PID 1 and a
  non-root user; its HEALTHCHECK passes; a program is generated through it over HTTP;
- a second container of the same image runs `nowva worker` against the first one's database
  (the socket in the shared /data volume, with no network at all) and runs jobs;
- both are stopped with SIGTERM (`podman stop`) while they run jobs: each ends by itself
  within its grace (status 0, no SIGKILL), the embedded PostgreSQL is shut down cleanly by
  nowva's own shutdown path, and after a restart on the same volume every job has completed
  exactly once.

Not exercised: `compose up`. compose.yaml's PostgreSQL is the official image, which cannot be
pulled here, so the file is only parsed and interpolated by `podman-compose config` and its
wiring (services, health checks, stop graces, the direct LISTEN URL) is checked from that.
Docker itself is not used either; the commands are the same.

The machine's quirks (found by trying): crun refuses its hybrid cgroups, so podman runs with
runc; podman's default ulimits are above what may be set here, so every container gets lower
ones. The base image is cached between runs under a tag that names its recipe.
"""

from __future__ import annotations

import ast
import contextlib
import fcntl
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import httpx
import pytest
import yaml

from app.settings import Settings
from tests.support import ROOT, free_port

pytestmark = pytest.mark.container

SUITE = "bookworm"
BASE_RECIPE = [
    "mmdebstrap", "--quiet", "--variant=apt", "--include=python3,python3-venv,ca-certificates",
    # A slim base: no manuals, translations or docs (licences stay).
    "--dpkgopt=path-exclude=/usr/share/man/*", "--dpkgopt=path-exclude=/usr/share/locale/*",
    "--dpkgopt=path-exclude=/usr/share/doc/*", "--dpkgopt=path-include=/usr/share/doc/*/copyright",
    SUITE,
]
# Setting limits above the current ones is not permitted here, and podman's defaults are higher.
ULIMITS = ["--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096"]
# Only what decides where pip looks and whom it trusts goes into the build.
PIP_KEYS = {"index-url", "extra-index-url", "find-links", "no-index", "trusted-host", "cert", "proxy",
            "timeout", "default-timeout", "retries", "constraint", "only-binary", "prefer-binary"}
GRACE = 15  # NOWVA_SHUTDOWN_GRACE in both containers; a job takes ~3 s
JOBS = 10  # at two per worker, 3 s each: some are still pending when both have stopped
PG_URL_IN_VOLUME = "postgresql://postgres@/nowva?host=/data/pg"
BODY = {"height_cm": 180, "weight_kg": 80, "goal_category": "strength", "goal_raw": "get strong",
        "duration_weeks": 6, "days_per_week": 3, "fitness_level": "intermediate"}


@dataclass
class Podman:
    command: list[str]

    def __call__(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([*self.command, *args], capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise AssertionError(f"podman {' '.join(args)} -> {done.returncode}\n{done.stdout}\n{done.stderr}")
        return done

    def out(self, *args: str) -> str:
        return self(*args).stdout.strip()


def require(tool: str) -> None:
    """Skip only where the tool cannot be had: ./scripts/test installs it when root (or with sudo)."""
    if os.environ.get("NOWVA_SKIP_CONTAINERS") == "1":
        pytest.skip("NOWVA_SKIP_CONTAINERS=1")
    if shutil.which(tool) is None:
        if os.geteuid() != 0:
            pytest.skip(f"{tool} is not installed, and installing it needs root (apt-get install podman runc "
                        "mmdebstrap); set NOWVA_SKIP_CONTAINERS=1 to skip knowingly")
        pytest.fail(f"{tool} is not installed: ./scripts/test installs it (apt-get install podman runc mmdebstrap)")


@pytest.fixture(scope="module")
def podman() -> Podman:
    require("podman")
    # crun (podman's usual default) refuses hybrid cgroup v1/v2 hosts like this one; runc works.
    return Podman(["podman", "--runtime", "runc"] if shutil.which("runc") else ["podman"])


# ---------------------------------------------------------------- the base and the build


def base_image(podman: Podman) -> str:
    """A local Debian with Python 3.11, made once per recipe and kept in podman's storage."""
    # On a Debian host of the same release, apt fetches from the host's own mirrors.
    mirrors = []
    if f"VERSION_CODENAME={SUITE}" in Path("/etc/os-release").read_text():
        mirrors = [p for p in (Path("/etc/apt/sources.list"), Path("/etc/apt/sources.list.d/debian.sources"))
                   if p.exists()]
    recipe = "\n".join([*BASE_RECIPE, *(p.read_text() for p in mirrors)])
    tag = f"localhost/nowva-base:{SUITE}-{hashlib.sha256(recipe.encode()).hexdigest()[:12]}"
    # One maker at a time across concurrent test runs on this machine.
    with open("/var/tmp/nowva-container-base.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if podman("image", "exists", tag, check=False).returncode != 0:
            require("mmdebstrap")
            tar = Path(f"/var/tmp/nowva-base-{os.getpid()}.tar")
            try:
                made = subprocess.run([*BASE_RECIPE, str(tar), *map(str, mirrors)], capture_output=True,
                                      text=True, timeout=600)
                assert made.returncode == 0, f"mmdebstrap failed:\n{made.stderr}"
                podman("import", "--quiet", str(tar), tag, timeout=300)
            finally:
                tar.unlink(missing_ok=True)
    return tag


def pip_options(tmp: Path) -> list[str]:
    """This machine's pip configuration, handed to the build as secrets and read-only mounts.

    `pip config list` gives every setting pip here uses (files and PIP_* variables). The
    settings that decide where pip looks go into a pip.conf secret; `cert` becomes the ca.crt
    secret; every local path they name (find-links, file:// indexes, constraints) is mounted
    read-only at the same place in the build.
    """
    listed = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True,
                            check=True).stdout.splitlines()
    # PIP_* variables (":env:") win over files, as in pip itself.
    listed.sort(key=lambda line: line.startswith(":env:"))
    settings: dict[str, str] = {}
    for line in listed:
        name, _, value = line.partition("=")
        section, _, key = name.rpartition(".")
        if section in ("global", "install", "download", "wheel", ":env:") and key in PIP_KEYS:
            settings[key] = ast.literal_eval(value)
    options: list[str] = []
    if "cert" in settings:
        options += ["--secret", f"id=ca.crt,src={settings['cert']}"]
        settings["cert"] = "/run/secrets/ca.crt"
    mounts: set[str] = set()
    for key, value in settings.items():
        for item in value.split():
            path = unquote(urlparse(item).path) if item.startswith("file:") else item
            if key.endswith("index-url") and Path(path).name == "simple":
                # A local PEP 503 index links to its files beside simple/ (../../files/...).
                path = str(Path(path).parent)
            if key != "cert" and path.startswith("/") and os.path.exists(path):
                mounts.add(path)
    for path in sorted(mounts):
        options += ["--volume", f"{path}:{path}:ro"]
    conf = tmp / "pip.conf"
    conf.write_text("[global]\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()))
    return [*options, "--secret", f"id=pip.conf,src={conf}"]


@pytest.fixture(scope="module")
def image(podman: Podman, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = base_image(podman)
    tag = f"localhost/nowva-test:{uuid.uuid4().hex[:12]}"
    started = time.monotonic()
    # --format docker keeps the HEALTHCHECK (OCI images have no such field).
    podman("build", "--format", "docker", "--build-arg", f"BASE={base}", *ULIMITS,
           *pip_options(tmp_path_factory.mktemp("pip")), "--tag", tag, "--file", "Containerfile", str(ROOT),
           timeout=900)
    size = int(podman.out("image", "inspect", "--format", "{{.Size}}", tag))
    print(f"\nimage {tag}: built in {time.monotonic() - started:.0f} s, {size / 1e6:.0f} MB "
          f"(base {int(podman.out('image', 'inspect', '--format', '{{.Size}}', base)) / 1e6:.0f} MB)")
    # 389 MB when written (174 MB of it the base); 666 MB once the worker reads people's words with
    # spaCy and medspaCy (issue 24: numpy 79 MB, blis 30, spaCy 28, Cython 16 — a runtime need of
    # medspaCy's PyRuSH —, nltk 14, thinc...). A guard against build tools or extras creeping in.
    assert size < 720e6, f"the image grew to {size / 1e6:.0f} MB"
    try:
        yield tag
    finally:
        podman("rmi", "--force", tag, check=False)


# ---------------------------------------------------------------- containers


@contextlib.contextmanager
def volume(podman: Podman) -> Iterator[str]:
    name = podman.out("volume", "create", f"nowva-test-{uuid.uuid4().hex[:12]}")
    try:
        yield name
    finally:
        podman("volume", "rm", "--force", name, check=False)


@contextlib.contextmanager
def container(podman: Podman, image: str, *args: str, options: list[str]) -> Iterator[str]:
    """A detached container, removed (forcibly if still running) at the end."""
    name = f"nowva-test-{uuid.uuid4().hex[:12]}"
    podman("run", "--detach", "--name", name, *ULIMITS, *options, image, *args)
    try:
        yield name
    finally:
        podman("rm", "--force", "--time", "0", name, check=False)


def logs(podman: Podman, name: str) -> str:
    done = podman("logs", name, check=False)
    return done.stdout + done.stderr


def wait_for(what: str, predicate: Callable[[], object], timeout: float, podman: Podman, name: str) -> None:
    """Until predicate() holds; fails at once if the container has ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if podman.out("inspect", "--format", "{{.State.Running}}", name) != "true":
            raise AssertionError(f"{name} ended while waiting for {what}:\n{logs(podman, name)}")
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}; logs of {name}:\n{logs(podman, name)}")


def healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/health", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def stop(podman: Podman, name: str) -> float:
    """SIGTERM (the image's STOPSIGNAL), SIGKILL only well past the grace; seconds it took."""
    started = time.monotonic()
    podman("stop", "--time", str(GRACE + 30), name, timeout=GRACE + 60)
    took = time.monotonic() - started
    state = podman.out("inspect", "--format", "{{.State.ExitCode}} {{.State.OOMKilled}}", name)
    assert state == "0 false", f"{name} ended with {state}, after {took:.1f} s:\n{logs(podman, name)}"
    return took


def started_jobs(text: str) -> set[str]:
    return set(re.findall(r"job ([0-9a-f-]{36}) attempt 1 started", text))


def completed_jobs(text: str) -> set[str]:
    return set(re.findall(r"job ([0-9a-f-]{36}) completed: program", text))


def running_jobs(podman: Podman, name: str) -> set[str]:
    text = logs(podman, name)
    return started_jobs(text) - completed_jobs(text)


@pytest.mark.timeout(900)  # a first build on a machine: the base (~40 s) and every layer
def test_image_serves_and_works_as_a_worker(podman: Podman, image: str) -> None:
    # nowva as PID 1, as the image's user; its grace, and jobs slow enough to be caught running.
    env = ["--env", f"NOWVA_SHUTDOWN_GRACE={GRACE}", "--env", "NOWVA_BUILTIN_WEEK_DELAY=0.5",
           "--env", "NOWVA_CONCURRENCY=2"]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with volume(podman) as data, container(podman, image, options=[
            *env, "--publish", f"127.0.0.1:{port}:8000", "--volume", f"{data}:/data"]) as api:
        wait_for("the API's health check", lambda: healthy(url), 120, podman, api)
        # Exec form: nowva itself is PID 1 (no shell to swallow SIGTERM), as the image's user,
        # with no packaging tools or compiler left.
        assert "nowva serve --host 0.0.0.0" in podman.out("exec", api, "sh", "-c", "tr '\\0' ' ' < /proc/1/cmdline")
        assert podman.out("exec", api, "id", "-un") == "nowva"
        assert podman("exec", api, "sh", "-c", "ls /opt/nowva/bin/pip* || command -v gcc cc",
                      check=False).returncode != 0
        config = "{{.Config.StopSignal}} {{.Config.Entrypoint}} {{.Config.Cmd}} {{.Config.Volumes}}"
        assert podman.out("image", "inspect", "--format", config, image) == \
            "SIGTERM [nowva] [serve --host 0.0.0.0] map[/data:{}]"
        podman("healthcheck", "run", api)  # the image's own HEALTHCHECK, run now
        key = podman.out("exec", api, "cat", "/data/service_key")
        http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30)

        # A program, generated through the container.
        user = http.post("/api/users", json={"display_name": "Container"}).json()["id"]
        first = http.post("/api/programs/generate", json={**BODY, "user_id": user})
        assert first.status_code == 202, first.text
        job = first.json()["job_id"]
        done = http.get(f"/api/programs/status/{job}", params={"wait": 30, "after": 1}).json()
        deadline = time.monotonic() + 60
        while done["status"] != "completed" and time.monotonic() < deadline:
            done = http.get(f"/api/programs/status/{job}", params={"wait": 30, "after": done["seq"]}).json()
        assert done["status"] == "completed", done
        program = http.get(f"/api/programs/{done['program_id']}").json()
        assert len(program["weeks"]) == BODY["duration_weeks"]

        # A second container as a worker on the first one's database: through the socket in
        # the shared volume, with no network at all.
        with container(podman, image, "worker", "--name", "second", options=[
                *env, "--network", "none", "--no-healthcheck", "--volume", f"{data}:/data",
                "--env", f"DATABASE_URL={PG_URL_IN_VOLUME}"]) as worker:
            wait_for("the worker's start", lambda: "worker starting" in logs(podman, worker), 60, podman, worker)
            jobs: dict[str, str] = {}  # job id -> its person's id
            for i in range(JOBS):
                person = http.post("/api/users", json={"display_name": f"Person {i}"}).json()["id"]
                answer = http.post("/api/programs/generate", json={**BODY, "user_id": person})
                assert answer.status_code == 202, answer.text
                jobs[answer.json()["job_id"]] = person
            # Two at a time per worker: both containers are running jobs.
            wait_for("jobs running in both containers",
                     lambda: running_jobs(podman, worker) and running_jobs(podman, api), 60, podman, worker)

            # SIGTERM to the worker first (as compose stops dependants first): it takes no more
            # jobs, and the ones it runs finish within its grace.
            running_there = running_jobs(podman, worker)
            took = stop(podman, worker)
            print(f"worker: {len(running_there)} jobs running at SIGTERM, stopped in {took:.1f} s")
            assert took < GRACE, f"the worker took {took:.1f} s to stop"
            worker_log = logs(podman, worker)
            assert "worker stopped" in worker_log, worker_log
            assert running_there <= completed_jobs(worker_log), worker_log

        # Then the API and its in-process worker: the same, and the embedded PostgreSQL stops
        # in nowva's own shutdown path, not by the container's end (which would kill it).
        # Caught between two jobs, it would have nothing to finish: wait for one running (3 s each).
        wait_for("a job running in the API container", lambda: running_jobs(podman, api), 30, podman, api)
        running_here = running_jobs(podman, api)
        took = stop(podman, api)
        print(f"API: {len(running_here)} jobs running at SIGTERM, stopped in {took:.1f} s")
        assert took < GRACE, f"the API took {took:.1f} s to stop"
        api_log = logs(podman, api)
        assert "shutting down" in api_log and running_here <= completed_jobs(api_log), api_log
        pending = set(jobs) - started_jobs(api_log) - started_jobs(worker_log)
        print(f"{len(pending)} jobs still pending")
        assert running_there and running_here and pending, (running_there, running_here, pending)
        pg = podman.out("run", "--rm", *ULIMITS, "--network", "none", "--volume", f"{data}:/data",
                        "--entrypoint", "sh", image, "-c",
                        "test ! -e /data/pg/postmaster.pid && echo stopped; tail -n 3 /data/pg/log")
        assert pg.startswith("stopped") and "database system is shut down" in pg, pg

        # Back up on the same volume: every job completes, each exactly once. Those still
        # pending run now; none had to be retried.
        podman("start", api)
        wait_for("the API's health check after a restart", lambda: healthy(url), 120, podman, api)
        for job_id, person in jobs.items():
            status = http.get(f"/api/programs/status/{job_id}").json()
            deadline = time.monotonic() + 60
            while status["status"] != "completed" and time.monotonic() < deadline:
                status = http.get(f"/api/programs/status/{job_id}", params={"wait": 30, "after": status["seq"]}).json()
            assert status["status"] == "completed" and status["attempt"] == 1, status
            programs = http.get("/api/programs", params={"user_id": person}).json()["items"]
            assert [p["id"] for p in programs] == [status["program_id"]], programs
        http.close()
        stop(podman, api)


# ---------------------------------------------------------------- compose.yaml


def seconds(duration: str) -> float:
    """A compose duration ("40s", "1m30s") in seconds."""
    parts = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", duration)
    assert parts and duration, duration
    h, m, s = (int(x or 0) for x in parts.groups())
    return h * 3600 + m * 60 + s


def env_file(path: Path) -> dict[str, str]:
    lines = (line.strip() for line in path.read_text().splitlines())
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_compose_file() -> None:
    """compose.yaml as podman-compose resolves it; `up` is not run (see the module docstring)."""
    if importlib.util.find_spec("podman_compose") is None:
        pytest.fail("podman-compose is a test extra: pip install -e '.[test]' (./scripts/test does)")
    done = subprocess.run([sys.executable, "-m", "podman_compose", "-f", "compose.yaml", "config"],
                          capture_output=True, text=True, timeout=60, cwd=ROOT,
                          env={**os.environ, "POSTGRES_PASSWORD": "s3cret"})
    assert done.returncode == 0, done.stdout + done.stderr
    services = yaml.safe_load(done.stdout)["services"]
    assert set(services) == {"db", "migrate", "api", "worker"}
    db, migrate, api, worker = (services[name] for name in ("db", "migrate", "api", "worker"))

    assert db["image"].startswith("docker.io/library/postgres:")
    assert "pg_isready" in db["healthcheck"]["test"]
    assert db["volumes"] == ["pgdata:/var/lib/postgresql/data"]
    assert db["environment"]["POSTGRES_PASSWORD"] == "s3cret"

    assert migrate["command"] == ["migrate"] and migrate["restart"] == "no"
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert api["command"][:2] == ["serve", "--no-worker"] and worker["command"] == ["worker"]
    for service in (api, worker):
        assert service["depends_on"] == {"db": {"condition": "service_healthy"},
                                         "migrate": {"condition": "service_completed_successfully"}}
        assert "container_name" not in service  # --scale needs generated names
        env = {**env_file(ROOT / service["env_file"][0]), **service["environment"]}
        # The hub's LISTEN goes straight to PostgreSQL, whatever DATABASE_URL goes through.
        listen = urlparse(env["NOWVA_LISTEN_DATABASE_URL"])
        assert (listen.hostname, listen.port, listen.password) == ("db", 5432, "s3cret")
        # SIGKILL only after nowva's own grace has run out.
        assert seconds(service["stop_grace_period"]) > float(env["NOWVA_SHUTDOWN_GRACE"]) + 10
    # The same grace as the systemd workers'.
    assert worker["environment"]["NOWVA_SHUTDOWN_GRACE"] == env_file(ROOT / "deploy/worker.env.example")[
        "NOWVA_SHUTDOWN_GRACE"]
    assert "/api/health" in " ".join(api["healthcheck"]["test"]) and worker["healthcheck"] == {"disable": True}
    # Scalable: replicas take ports from a range.
    assert api["ports"] == ["8000-8009:8000"]
    # What the containers would read parses as nowva settings (a typo'd value fails at start).
    for service in (api, worker):
        Settings.from_env({**env_file(ROOT / service["env_file"][0]), **service["environment"]})
