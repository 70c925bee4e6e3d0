"""Starts an assistant's servers on free ports for a benchmark, times their start-up,
reads their memory and stops them. Used by bench/run.py; reusable by anything that
needs a running stack without the fixed ports of `make run`."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from bot.tools.processes import Process, StartError, child_env, free_port

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
RASA = str(Path(sys.executable).parent / "rasa")


def base_env(**extra: str) -> dict[str, str]:
    return child_env(PYTHONDONTWRITEBYTECODE="1", **extra)


def memory(pid: int) -> dict:
    """RSS and PSS of a process and all its children, in MB. RSS counts pages shared by
    forked workers once per worker; PSS shares them out, so it is the fairer sum."""
    try:
        root = psutil.Process(pid)
        processes = [root] + root.children(recursive=True)
    except psutil.NoSuchProcess:
        return {"rss_mb": None, "pss_mb": None, "processes": 0}
    rss = pss = 0
    counted = 0
    for process in processes:
        try:
            info = process.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        rss += info.rss
        pss += getattr(info, "pss", info.rss)
        counted += 1
    return {"rss_mb": round(rss / 2**20), "pss_mb": round(pss / 2**20), "processes": counted}


class Server(Process):
    """A server of the benchmark on its own port; stopping it stops its workers too."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        env: dict[str, str],
        log_path: Path,
        port: int,
        health_path: str = "/",
        cwd: Path = ROOT,
    ):
        self.port = port
        super().__init__(name, argv, env, log_path, cwd=cwd, health_url=self.url + health_path)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ready_after_s(self) -> float | None:
        return self.ready_after

    def memory(self) -> dict:
        return memory(self.process.pid)


def load_knowledge(db_url: str, log_dir: Path) -> None:
    """Loads knowledge/ into the benchmark's own database, as `make run` does."""
    result = subprocess.run(
        [PYTHON, "-m", "bot", "kb", "load"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=base_env(BOUSSOLE_DB_URL=db_url, BOUSSOLE_VAR_DIR=str(log_dir)),
    )
    if result.returncode != 0:
        raise StartError(f"chargement de la base de connaissances impossible :\n{result.stdout}\n{result.stderr}")


@dataclass
class Deployment:
    """How a stack is served: the levers the benchmark compares."""

    rasa_workers: int = 1
    action_workers: int = 1
    # A Redis URL (redis://127.0.0.1:6379/N) is needed by more than one Rasa worker.
    lock_store: str | None = None
    # A SQLAlchemy URL; None means a SQLite file in the run's folder, as `make run` does.
    tracker_url: str | None = None
    # Extra environment of the Rasa process (e.g. POSTGRESQL_SCHEMA).
    rasa_env: dict[str, str] = field(default_factory=dict)

    def label(self) -> str:
        tracker = (
            "SQLite" if not self.tracker_url else self.tracker_url.split(":", 1)[0].replace("postgresql", "PostgreSQL")
        )
        return (
            f"{self.rasa_workers} worker(s) Rasa, {self.action_workers} worker(s) actions, "
            f"verrous {'Redis' if self.lock_store else 'en mémoire'}, historique {tracker}"
        )

    def as_dict(self) -> dict:
        return {
            "rasa_workers": self.rasa_workers,
            "action_workers": self.action_workers,
            "lock_store": self.lock_store or "in_memory",
            "tracker_store": self.tracker_url or "sqlite (fichier)",
            "label": self.label(),
        }


def rasa_server(
    name: str,
    model: Path,
    work: Path,
    token: str,
    deployment: Deployment,
    actions_url: str | None = None,
    as_shipped: bool = False,
) -> Server:
    """Rasa started by the project's own launcher (`python -m bot serve rasa`): REST channel,
    HTTP API behind the token, SQL tracker store, on 127.0.0.1.

    `as_shipped` (the floor): the same endpoints and credentials, written by the same
    generator, and the same options, but Rasa's own `rasa run`, without the per-turn fixes
    of bot/rasa_server/launch.py, which are Boussole's work."""
    port = free_port()
    config_dir = work / f"{name}-config"
    env = base_env(
        BOUSSOLE_RASA_TOKEN=token,
        BOUSSOLE_ACTIONS_URL=actions_url or f"http://127.0.0.1:{free_port()}",
        BOUSSOLE_TRACKER_URL=deployment.tracker_url or f"sqlite:///{work / (name + '-tracker.db')}",
        BOUSSOLE_LOCK_STORE=deployment.lock_store,
        BOUSSOLE_VAR_DIR=str(work),
        BOUSSOLE_RASA_WORKERS=str(deployment.rasa_workers),
        **deployment.rasa_env,
    )
    argv = [PYTHON, "-m", "bot", "serve", "rasa", "--port", str(port), "--model", str(model), "--out", str(config_dir)]
    if as_shipped:
        result = subprocess.run(
            [PYTHON, "-m", "bot", "config", "--out", str(config_dir)], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if result.returncode != 0:
            raise StartError(f"configuration de {name} impossible :\n{result.stdout}\n{result.stderr}")
        argv = [
            RASA,
            "run",
            "--model",
            str(model),
            "--endpoints",
            str(config_dir / "endpoints.yml"),
            "--credentials",
            str(config_dir / "credentials.yml"),
            "--interface",
            "127.0.0.1",
            "--port",
            str(port),
            "--enable-api",
            "--auth-token",
            token,
        ]
        env["SANIC_WORKERS"] = str(deployment.rasa_workers)
    return Server(name, argv, env, work / f"{name}.log", port, "/")


def action_server(work: Path, db_url: str, deployment: Deployment) -> Server:
    port = free_port()
    env = base_env(
        BOUSSOLE_DB_URL=db_url, BOUSSOLE_VAR_DIR=str(work), BOUSSOLE_ACTION_WORKERS=str(deployment.action_workers)
    )
    argv = [PYTHON, "-m", "bot", "serve", "actions", "--port", str(port)]
    return Server("actions", argv, env, work / "actions.log", port, "/health")


def website(work: Path, db_url: str, rasa_url: str, actions_url: str) -> Server:
    port = free_port()
    # Every simulated user comes from 127.0.0.1 and some paths reuse one conversation for
    # hundreds of turns: the rate limits, which would refuse them, are off for the bench.
    env = base_env(
        BOUSSOLE_DB_URL=db_url,
        BOUSSOLE_RASA_URL=rasa_url,
        BOUSSOLE_ACTIONS_URL=actions_url,
        BOUSSOLE_VAR_DIR=str(work),
        BOUSSOLE_RATE_LIMIT_SESSION="0",
        BOUSSOLE_RATE_LIMIT_IP="0",
    )
    argv = [PYTHON, "-m", "bot", "web", "--port", str(port)]
    return Server("web", argv, env, work / "web.log", port, "/healthz")


class BoussoleStack:
    """The action server, Rasa and the website of Boussole Export, each on a free port, with
    a knowledge base and a tracker store of their own under `work`."""

    def __init__(self, model: Path, work: Path, token: str, deployment: Deployment = None, as_shipped: bool = False):
        self.model, self.work, self.token = model, work, token
        self.deployment = deployment or Deployment()
        self.as_shipped = as_shipped
        self.db_url = f"sqlite:///{work / 'kb.db'}"
        self.actions = self.rasa = self.web = None

    def start(self, load_timeout: float = 600) -> BoussoleStack:
        load_knowledge(self.db_url, self.work)
        self.actions = action_server(self.work, self.db_url, self.deployment).start()
        self.actions.wait_ready(120)
        self.rasa = rasa_server(
            "rasa",
            self.model,
            self.work,
            self.token,
            self.deployment,
            actions_url=self.actions.url,
            as_shipped=self.as_shipped,
        ).start()
        self.rasa.wait_ready(load_timeout)
        self.web = website(self.work, self.db_url, self.rasa.url, self.actions.url).start()
        self.web.wait_ready(60)
        return self

    def servers(self) -> dict[str, Server]:
        return {s.name: s for s in (self.rasa, self.actions, self.web) if s is not None}

    def memory(self) -> dict[str, dict]:
        return {name: server.memory() for name, server in self.servers().items()}

    def stop(self) -> None:
        for server in (self.web, self.rasa, self.actions):
            if server is not None:
                server.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def clear_redis_locks(db: int, prefix: str = "boussole") -> int:
    """Removes the lock keys the benchmark's Rasa workers may have left in their own Redis
    database (a worker killed mid-turn leaves its lock until it expires)."""
    try:
        import redis
    except ImportError:
        return 0
    try:
        client = redis.Redis(host="127.0.0.1", port=6379, db=db, socket_timeout=2)
        keys = list(client.scan_iter(match=f"{prefix}*"))
        return client.delete(*keys) if keys else 0
    except redis.RedisError:
        return 0
