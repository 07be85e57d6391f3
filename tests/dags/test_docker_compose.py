"""docker-compose.yaml declares what the package needs, and it validates.

Read with PyYAML (anchors and `<<` merges resolved) and interpolated here the way Compose does it:
the Airflow services of the CeleryExecutor, the package's mounts and shared work volume, the three
connections of the contract (parsed as Airflow parses them), `.env.example` against the variables
the file uses. `docker-compose config` (Debian's package) or `docker compose config` validates the
file when installed. The first-start scripts of the bundled DMS server run against the test
session's PostgreSQL. No Docker engine is needed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yaml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKER_DIR = ROOT / "docker"

AIRFLOW_IMAGE = "apache/airflow:3.3.2-python3.11"
# service -> the Airflow command it runs
AIRFLOW_COMPONENTS = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
    "airflow-worker": "celery worker",
}
# container path -> the repository folder mounted there
PACKAGE_MOUNTS = {
    "/opt/airflow/dags": "./dags",
    "/opt/airflow/plugins": "./plugins",
    "/opt/airflow/include": "./include",
    "/opt/airflow/sql": "./sql",
}
CONNECTIONS = ("AIRFLOW_CONN_DMS_POSTGRES", "AIRFLOW_CONN_ALERTS_POSTGRES", "AIRFLOW_CONN_SMTP_DEFAULT")

# $$ (a literal $), ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $VAR
_TOKEN = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<sep>:?[-?])(?P<arg>[^}]*))?\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)


def interpolate(text: str, env: dict[str, str]) -> str:
    """`text` as Compose interpolates it with the variables `env` (a `.env` file, say)."""

    def replace(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["named"]
        sep, arg = match["sep"], match["arg"]
        if sep == ":-":
            return env.get(name) or arg
        if sep == "-":
            return env.get(name, arg)
        if sep in (":?", "?") and (not env.get(name) if sep == ":?" else name not in env):
            raise KeyError(f"{name}: {arg}")
        return env.get(name, "")

    return _TOKEN.sub(replace, text)


def variables_in(text: str) -> set[str]:
    return {m["braced"] or m["named"] for m in _TOKEN.finditer(text) if not m["escaped"]}


def strings_in(node: object):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings_in(key)
            yield from strings_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings_in(item)


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, sep, value = line.partition("=")
            assert sep, f"{path.name}: not KEY=value: {line!r}"
            values[key.strip()] = value.strip()
    return values


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def mounts(service: dict) -> dict[str, str]:
    """container path -> source (host path or volume name) of a service's volumes."""
    result = {}
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            result[volume["target"]] = volume["source"]
        else:
            source, target, *_ = volume.split(":")
            result[target] = source
    return result


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict]:
    return compose["services"]


@pytest.fixture(scope="module")
def airflow_services(services) -> dict[str, dict]:
    """Every service that runs an Airflow component (the shared x-airflow-common settings)."""
    found = {name: s for name, s in services.items() if name.startswith("airflow-") or name == "flower"}
    assert set(AIRFLOW_COMPONENTS) | {"airflow-init"} <= set(found)
    return found


@pytest.fixture(scope="module")
def example_env() -> dict[str, str]:
    return read_env_file(ENV_EXAMPLE)


ENVS = ("no .env", ".env.example")


def env_for(which: str, example_env: dict[str, str]) -> dict[str, str]:
    return {} if which == "no .env" else example_env


# ---------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------


def test_every_service_the_package_needs_is_declared(services):
    for name, command in AIRFLOW_COMPONENTS.items():
        assert services[name]["command"] == command, name
    assert services["redis"]["image"].startswith("redis:")
    assert services["postgres"]["image"].startswith("postgres:")  # Airflow's metadata
    assert services["dms-postgres"]["image"] == "postgres:16"
    assert services["mailpit"]["image"].startswith("axllent/mailpit")
    assert "dms-init" in services
    for name in ("postgres", "redis", "dms-postgres", "mailpit", *AIRFLOW_COMPONENTS):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_airflow_runs_the_celery_executor_with_redis_and_postgres(airflow_services):
    for name, service in airflow_services.items():
        env = environment(service)
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith(("redis://redis:", "redis://:@redis:")), name
        assert "@postgres/airflow" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"], name
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
        assert env["AIRFLOW__API_AUTH__JWT_SECRET"], name
        assert env["AIRFLOW__CORE__AUTH_MANAGER"].endswith("SimpleAuthManager"), name
        assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false"


def test_airflow_services_wait_for_init_and_their_backends(services, airflow_services):
    for name in AIRFLOW_COMPONENTS:
        depends = services[name]["depends_on"]
        assert depends["airflow-init"]["condition"] == "service_completed_successfully", name
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
    assert services["airflow-worker"]["depends_on"]["airflow-apiserver"]["condition"] == "service_healthy"
    assert "8080" in services["airflow-apiserver"]["ports"][0].split(":")[-1]


def test_the_airflow_image_is_the_official_one_with_our_requirements(airflow_services, services):
    dockerfile = DOCKER_DIR / "Dockerfile"
    text = dockerfile.read_text()
    assert AIRFLOW_IMAGE in text
    assert re.search(r"pip install --no-cache-dir -r \S*requirements\.txt", text)
    version = AIRFLOW_IMAGE.split(":")[1].split("-")[0]
    assert f"apache-airflow=={version}" in (ROOT / "requirements.txt").read_text().split()
    # the build context is the repository, cut down to requirements.txt
    ignore = (DOCKER_DIR / "Dockerfile.dockerignore").read_text().split()
    assert "*" in ignore and "!requirements.txt" in ignore
    for name, service in [*airflow_services.items(), ("dms-init", services["dms-init"])]:
        assert service["build"] == {"context": ".", "dockerfile": "docker/Dockerfile"}, name
        assert service["image"] == airflow_services["airflow-scheduler"]["image"], name


# ---------------------------------------------------------------------------------------------
# Mounts and the shared work folder
# ---------------------------------------------------------------------------------------------


def test_every_airflow_service_mounts_the_package_and_keeps_run_files_in_the_bucket(
    compose, airflow_services, services
):
    for folder in ("dags", "plugins/alertas_rapidas", "include/templates", "sql/dms"):
        assert (ROOT / folder).is_dir(), folder
    for name, service in airflow_services.items():
        mounted = mounts(service)
        for target, source in PACKAGE_MOUNTS.items():
            assert mounted.get(target) == source, f"{name}: {target} is not {source}"
        env = environment(service)
        assert env["ALERTAS_PROJECT_ROOT"] == "/opt/airflow", name
        assert "/opt/airflow/plugins" in env["PYTHONPATH"].split(":"), name
        # Run files are objects in the object-store's bucket: no folder is shared by the workers.
        assert interpolate(env["ALERTAS_WORK_DIR"], {}) == "s3://alertas/work", name
        assert env["ALERTAS_WORK_CONN_ID"] == "alertas_work_store", name
        assert not any("alertas_work" in target for target in mounted), f"{name} mounts a work folder"
    assert "alertas-work" not in (compose.get("volumes") or {})
    for name in AIRFLOW_COMPONENTS:
        assert services[name]["depends_on"]["object-store"]["condition"] == "service_healthy", name


@pytest.mark.parametrize("which", ENVS)
def test_the_object_store_connection_reaches_the_bundled_bucket(
    airflow_services, services, example_env, which
):
    from airflow.models.connection import Connection

    env = env_for(which, example_env)
    template = environment(airflow_services["airflow-worker"])["AIRFLOW_CONN_ALERTAS_WORK_STORE"]
    conn = Connection.from_json(interpolate(template, env), conn_id="alertas_work_store")
    assert conn.conn_type == "aws"
    assert conn.extra_dejson["endpoint_url"] == "http://object-store:8333"
    store = services["object-store"]
    assert store["image"].startswith("chrislusf/seaweedfs:")
    assert "-bucket=alertas" in store["command"] and "mini" in store["command"]
    assert "8333" in str(store["healthcheck"]["test"])
    keys = environment(store)
    # the server's keys are the connection's login and password, from the same variables
    assert interpolate(keys["AWS_ACCESS_KEY_ID"], env) == conn.login
    assert interpolate(keys["AWS_SECRET_ACCESS_KEY"], env) == conn.password
    assert "object-store-data" in mounts(store).values()


def test_scaled_workers_can_share_everything(services):
    worker = services["airflow-worker"]
    assert "container_name" not in worker
    assert not worker.get("ports"), "published ports would clash with --scale airflow-worker=3"


# ---------------------------------------------------------------------------------------------
# The three connections
# ---------------------------------------------------------------------------------------------


def test_airflow_services_get_the_three_connections(airflow_services):
    for name, service in airflow_services.items():
        env = environment(service)
        for variable in CONNECTIONS:
            assert env.get(variable), f"{name} has no {variable}"


@pytest.mark.parametrize("which", ENVS)
def test_the_connections_parse_as_airflow_parses_them(airflow_services, example_env, which):
    from airflow.sdk import Connection

    env = environment(airflow_services["airflow-worker"])
    values = {var: interpolate(env[var], env_for(which, example_env)) for var in CONNECTIONS}

    dms = Connection.from_uri(values["AIRFLOW_CONN_DMS_POSTGRES"], conn_id="dms_postgres")
    assert (dms.conn_type, dms.host, dms.port, dms.schema) == ("postgres", "dms-postgres", 5432, "dms")
    assert dms.login and dms.password

    alerts = Connection.from_uri(values["AIRFLOW_CONN_ALERTS_POSTGRES"], conn_id="alerts_postgres")
    assert (alerts.conn_type, alerts.host, alerts.port, alerts.schema) == (
        "postgres",
        "dms-postgres",
        5432,
        "alerts",
    )
    assert alerts.login and alerts.password

    smtp_value = values["AIRFLOW_CONN_SMTP_DEFAULT"]
    assert smtp_value.startswith("{"), "smtp_default must be in JSON form (typed extras)"
    smtp = Connection.from_json(smtp_value, conn_id="smtp_default")
    assert (smtp.conn_type, smtp.host, smtp.port) == ("smtp", "mailpit", 1025)
    assert smtp.extra_dejson["disable_ssl"] is True
    assert smtp.extra_dejson["disable_tls"] is True
    assert "@" in smtp.extra_dejson["from_email"]


@pytest.mark.parametrize("which", ENVS)
def test_smtp_default_is_json_with_boolean_flags(airflow_services, example_env, which):
    template = environment(airflow_services["airflow-scheduler"])["AIRFLOW_CONN_SMTP_DEFAULT"]
    conn = json.loads(interpolate(template, env_for(which, example_env)))
    assert conn["conn_type"] == "smtp"
    assert isinstance(conn["port"], int)
    for flag in ("disable_ssl", "disable_tls"):
        assert isinstance(conn["extra"][flag], bool), flag
    # a real relay with STARTTLS: the flag stays a JSON boolean, so `false` means false
    relay = json.loads(interpolate(template, {"SMTP_HOST": "smtp.example.com", "SMTP_DISABLE_TLS": "false"}))
    assert relay["extra"]["disable_tls"] is False
    assert relay["extra"]["disable_ssl"] is True


@pytest.mark.parametrize("which", ENVS)
def test_bundled_dms_server_creates_the_roles_the_connections_use(
    services, airflow_services, example_env, which
):
    env = env_for(which, example_env)
    conns = environment(airflow_services["airflow-worker"])
    server = {k: interpolate(v, env) for k, v in environment(services["dms-postgres"]).items()}

    from airflow.sdk import Connection

    dms = Connection.from_uri(interpolate(conns["AIRFLOW_CONN_DMS_POSTGRES"], env), conn_id="dms_postgres")
    alerts = Connection.from_uri(interpolate(conns["AIRFLOW_CONN_ALERTS_POSTGRES"], env), conn_id="a")
    assert (dms.login, dms.password) == (server["DMS_READER_USER"], server["DMS_READER_PASSWORD"])
    assert dms.schema == server["POSTGRES_DB"]
    assert (alerts.login, alerts.password, alerts.schema) == (
        server["ALERTS_DB_USER"],
        server["ALERTS_DB_PASSWORD"],
        server["ALERTS_DB_NAME"],
    )
    assert dms.login != server["POSTGRES_USER"], "dms_postgres must not use the server's owner"


def test_mailpit_is_the_mail_catcher_behind_smtp_default(services):
    mailpit = services["mailpit"]
    assert any(str(p).endswith(":8025") for p in mailpit["ports"]), "web UI on 8025"
    assert "1025" in map(str, mailpit.get("expose", [])), "SMTP on 1025"


# ---------------------------------------------------------------------------------------------
# .env.example
# ---------------------------------------------------------------------------------------------


def test_env_example_lists_every_variable_the_compose_file_uses(compose, example_env):
    used = set().union(*(variables_in(s) for s in strings_in(compose)))
    missing = sorted(used - set(example_env))
    assert not missing, f".env.example does not list: {missing}"
    unused = sorted(set(example_env) - used)
    assert not unused, f".env.example lists variables the compose file does not use: {unused}"
    for key, value in example_env.items():
        assert "$" not in value and not value.startswith(("'", '"')), f"{key}: keep values literal"


def test_every_variable_has_a_default_so_no_env_file_is_needed(compose):
    text_values = [s for s in strings_in(compose) if "$" in s]
    for text in text_values:
        for match in _TOKEN.finditer(text):
            if match["escaped"]:
                continue
            assert match["sep"] == ":-", f"{match[0]} in {text!r} has no default"


def test_no_secret_is_committed():
    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", ".env"], cwd=ROOT, capture_output=True, text=True
    )
    assert tracked.returncode != 0, ".env is tracked by git"
    assert ".env" in (ROOT / ".gitignore").read_text().split()


# ---------------------------------------------------------------------------------------------
# One-shot services and their scripts
# ---------------------------------------------------------------------------------------------


def test_one_shot_services(services):
    init = services["airflow-init"]
    assert init["user"] == "0:0"
    assert any("airflow-init.sh" in target for target in mounts(init))
    dms_init = services["dms-init"]
    assert dms_init["depends_on"]["dms-postgres"]["condition"] == "service_healthy"
    assert mounts(dms_init)["/opt/airflow/plugins"] == "./plugins"
    assert mounts(dms_init)["/opt/airflow/sql"] == "./sql"
    assert "alertas_dev.demo.dms_data" in (DOCKER_DIR / "dms-init.sh").read_text()
    assert mounts(services["dms-postgres"])["/docker-entrypoint-initdb.d"] == "./docker/dms-postgres"
    for script in DOCKER_DIR.rglob("*.sh"):
        result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert result.returncode == 0, f"{script}: {result.stderr}"


def test_bundled_dms_first_start_and_dms_init_on_a_real_postgres(postgres):
    """docker/dms-postgres/ and docker/dms-init.sh, run as their containers run them."""
    import pgserver
    import psycopg
    from psycopg import sql

    database = "compose_dms"
    dsn = postgres.create_database(database, drop=True)
    bin_dir = Path(pgserver.__file__).parent / "pginstall" / "bin"
    path = f"{Path(sys.executable).parent}{os.pathsep}{bin_dir}{os.pathsep}{os.environ['PATH']}"
    env = {
        **os.environ,
        "PATH": path,
        "PGHOST": postgres.socket_dir,
        "POSTGRES_USER": "postgres",
        "POSTGRES_DB": database,
        "DMS_READER_USER": "compose_reader",
        "DMS_READER_PASSWORD": "reader-secret",
        "ALERTS_DB_NAME": "compose_alerts",
        "ALERTS_DB_USER": "compose_alertas",
        "ALERTS_DB_PASSWORD": "alerts-secret",
    }
    with psycopg.connect(postgres.dsn(), autocommit=True) as conn:  # as on an empty data volume
        conn.execute("drop database if exists compose_alerts")
        for role in ("compose_reader", "compose_alertas"):
            conn.execute(sql.SQL("drop role if exists {}").format(sql.Identifier(role)))
    first_start = subprocess.run(
        ["bash", str(DOCKER_DIR / "dms-postgres" / "10-alertas-roles.sh")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert first_start.returncode == 0, first_start.stderr

    init_env = {
        **env,
        "PYTHONPATH": str(ROOT / "plugins"),
        "DMS_INIT_DSN": dsn,
        "DEMO_SEED": "7",
        "DEMO_CUSTOMERS": "12",
        "DEMO_REFERENCE_DATE": "2026-11-01",
    }
    for run in ("loads", "leaves as it is"):
        result = subprocess.run(
            ["bash", str(DOCKER_DIR / "dms-init.sh")], env=init_env, capture_output=True, text=True
        )
        assert result.returncode == 0, f"{run}: {result.stdout}\n{result.stderr}"
    assert "already holds data" in result.stdout

    def connect(user: str, dbname: str) -> psycopg.Connection:
        return psycopg.connect(host=postgres.socket_dir, user=user, dbname=dbname, autocommit=True)

    with connect("compose_reader", database) as reader:
        assert reader.execute("select count(*) from dms.customers").fetchone() == (12,)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            reader.execute("create table dms.scratch (id int)")
        reader.execute("set default_transaction_read_only = off")  # a session may; privileges hold
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            reader.execute("delete from dms.customers")
    with pytest.raises(psycopg.OperationalError):
        connect("compose_reader", "compose_alerts")
    with connect("compose_alertas", "compose_alerts") as alerts:
        from alertas_rapidas.ledger.migrations import migrate

        migrate(alerts)
        assert alerts.execute("select to_regclass('alerts.deliveries') is not null").fetchone() == (True,)


# ---------------------------------------------------------------------------------------------
# Compose itself
# ---------------------------------------------------------------------------------------------


def _compose_command(name: str) -> list[str] | None:
    if name == "docker-compose":
        return ["docker-compose"] if shutil.which("docker-compose") else None
    if shutil.which("docker") is None:
        return None
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
    return ["docker", "compose"] if probe.returncode == 0 else None


@pytest.mark.parametrize("implementation", ["docker-compose", "docker compose"])
@pytest.mark.parametrize("which", ENVS)
def test_compose_validates_the_file(implementation, which, tmp_path):
    command = _compose_command(implementation)
    if command is None:
        if implementation == "docker-compose":
            pytest.skip(
                "`docker-compose` is not installed: install Debian's package with "
                "`apt-get install -y --no-install-recommends docker-compose` (CI does)"
            )
        pytest.skip("`docker compose` (the Compose v2 plugin of the docker CLI) is not installed")
    env_file = ENV_EXAMPLE if which == ".env.example" else tmp_path / "empty.env"
    if which == "no .env":
        env_file.write_text("")
    # a clean environment: only the env file (or nothing) sets the variables
    clean = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    base = [*command, "--env-file", str(env_file), "-f", str(COMPOSE_FILE)]
    check = subprocess.run([*base, "config", "-q"], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert "is not set" not in check.stderr, check.stderr

    rendered = subprocess.run([*base, "config"], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert rendered.returncode == 0, rendered.stderr
    config = yaml.safe_load(rendered.stdout)
    smtp = json.loads(environment(config["services"]["airflow-worker"])["AIRFLOW_CONN_SMTP_DEFAULT"])
    assert smtp["extra"]["disable_ssl"] is True and smtp["extra"]["disable_tls"] is True
    needed = set(AIRFLOW_COMPONENTS) | {"redis", "postgres", "dms-postgres", "mailpit"}
    assert needed <= set(config["services"])
