"""One trained model, one action server, one Rasa server and one website for the whole
test session, on free ports, with their own SQLite knowledge base and tracker store."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bot.config import settings
from bot.knowledge import store

ROOT = settings.PROJECT_ROOT
VENV_BIN = Path(sys.executable).parent
MODEL_LOAD_TIMEOUT_S = 420
# Rasa's HTTP API is on, behind this token, as with `make run`.
RASA_TOKEN = "jeton-de-test-" + os.urandom(8).hex()
# The advisers' review pages (/admin) are behind this one.
ADMIN_TOKEN = "jeton-conseillers-" + os.urandom(8).hex()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(**extra) -> dict:
    env = dict(os.environ)
    env.update(RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=str(ROOT),
               SQLALCHEMY_SILENCE_UBER_WARNING="1")
    env.update(extra)
    return env


class Server:
    """A child process with its log file; `wait` fails with the log's tail if it dies.
    The fault tests kill it and start it again with the same command (same port)."""

    def __init__(self, name: str, args: list, env: dict, log_dir: Path):
        self.name, self.args, self.env = name, args, env
        self.log_path = log_dir / f"{name}.log"
        self.log = open(self.log_path, "wb")
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        """As a crash would: no chance to clean up."""
        self.process.kill()
        self.process.wait()

    def restart(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.start()
        self.wait(self.health_url, self.start_timeout)

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def wait(self, url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"{self.name} s'est arrêté (code {self.process.returncode}) :\n{self.tail()}")
            try:
                if requests.get(url, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(1)
        pytest.fail(f"{self.name} ne répond pas sur {url} après {timeout:.0f} s :\n{self.tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The model `make test` trained; trained here (once) when pytest runs on its own."""
    given = os.environ.get("BOUSSOLE_TEST_MODEL")
    if not given:
        subprocess.run([str(ROOT / "scripts" / "train.sh")], check=True, cwd=ROOT, env=base_env())
        given = subprocess.run([str(ROOT / "scripts" / "model_path.sh")], check=True, capture_output=True,
                               text=True, cwd=ROOT).stdout.strip()
    path = ROOT / given if not Path(given).is_absolute() else Path(given)
    assert path.exists(), f"modèle introuvable : {path}"
    return path


@pytest.fixture(scope="session")
def runtime_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("runtime")


@pytest.fixture(scope="session")
def kb_db_url(dataset, runtime_dir) -> str:
    url = f"sqlite:///{runtime_dir / 'kb.db'}"
    store.load(dataset, store.make_engine(url), "integration")
    return url


def serve(name: str, args: list, env: dict, log_dir: Path, health_path: str, timeout: float):
    """Starts a server on a free port (`{port}` in args), yields it once `health_path`
    answers 200, stops it at the end."""
    port = free_port()
    server = Server(name, [a.replace("{port}", str(port)) for a in args], env, log_dir)
    server.url = f"http://127.0.0.1:{port}"
    server.health_url, server.start_timeout = f"{server.url}{health_path}", timeout
    try:
        server.wait(server.health_url, timeout=timeout)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def action_server(kb_db_url, runtime_dir):
    yield from serve("actions", [sys.executable, "-m", "bot", "serve", "actions", "--port", "{port}"],
                     base_env(BOUSSOLE_DB_URL=kb_db_url), runtime_dir, "/health", timeout=120)


def rasa_env(runtime_dir: Path, action_server, **extra) -> dict:
    """The environment `python -m bot serve rasa` writes Rasa's configuration from, as with
    `make run`: this session's action server and its own SQLite tracker store."""
    return base_env(BOUSSOLE_ACTIONS_URL=action_server.url, BOUSSOLE_RASA_TOKEN=RASA_TOKEN,
                    BOUSSOLE_TRACKER_URL=f"sqlite:///{runtime_dir / 'tracker.db'}", **extra)


@pytest.fixture(scope="session")
def rasa_config_dir(runtime_dir) -> Path:
    path = runtime_dir / "rasa-config"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="session")
def endpoints_file(action_server, runtime_dir, rasa_config_dir) -> Path:
    """The endpoints Rasa runs on, written by the project's own generator."""
    from bot.config.settings import load
    from bot.rasa_server import runtime_files

    runtime_files.write(rasa_config_dir, load(rasa_env(runtime_dir, action_server)))
    return rasa_config_dir / "endpoints.yml"


@pytest.fixture(scope="session")
def fake_platforms():
    """Loopback stand-ins for the messaging platforms' APIs and a callback receiver; up before
    Rasa, whose Telegram and Bot Framework connectors call them as they start."""
    from tests.integration.fake_platforms import FakePlatforms

    with FakePlatforms() as platforms:
        yield platforms


@pytest.fixture(scope="session")
def rasa_server(model_path, endpoints_file, action_server, runtime_dir, rasa_config_dir, fake_platforms):
    """Rasa with every channel of credentials.yml on, the platforms' APIs pointed at the fakes."""
    yield from serve("rasa", [sys.executable, "-m", "bot", "serve", "rasa", "--port", "{port}", "--model",
                              str(model_path), "--out", str(rasa_config_dir)],
                     rasa_env(runtime_dir, action_server, **fake_platforms.env), runtime_dir, "/",
                     timeout=MODEL_LOAD_TIMEOUT_S)


@pytest.fixture(scope="session")
def partner_origin() -> str:
    """The origin of a partner site that embeds the widget (served by the browser tests),
    reserved before the website starts so that its CORS allow-list can name it."""
    return f"http://127.0.0.1:{free_port()}"


def website_env(rasa_server, action_server, kb_db_url, **extra) -> dict:
    # Every test request comes from 127.0.0.1: the per-address limit is off here and tested
    # on its own (tests/website/test_chat_api.py); the per-conversation limit keeps its default.
    return base_env(BOUSSOLE_RASA_URL=rasa_server.url, BOUSSOLE_ACTIONS_URL=action_server.url,
                    BOUSSOLE_DB_URL=kb_db_url, BOUSSOLE_RASA_TOKEN=RASA_TOKEN, BOUSSOLE_RATE_LIMIT_IP="0",
                    # The review page reads the tracker store Rasa writes.
                    BOUSSOLE_ADMIN_TOKEN=ADMIN_TOKEN, BOUSSOLE_TRACKER_URL=rasa_server.env["BOUSSOLE_TRACKER_URL"],
                    **extra)


@pytest.fixture(scope="session")
def website(rasa_server, action_server, kb_db_url, runtime_dir, partner_origin):
    yield from serve("web", [sys.executable, "-m", "bot", "web", "--port", "{port}"],
                     website_env(rasa_server, action_server, kb_db_url, BOUSSOLE_CORS_ORIGINS=partner_origin),
                     runtime_dir, "/healthz", timeout=60)


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module: Playwright's synchronous API keeps an event
    loop running in the main thread while it is open, which the async tests after it
    cannot share."""
    from tests.integration.browser import launch

    yield from launch()
