"""One trained model, one action server, one Rasa server and one website for the whole
test session, on free ports, with their own SQLite knowledge base and tracker store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import settings
from bot.knowledge import store

# The test modules take these from here: the launcher's, not copies.
from bot.tools.processes import child_env as base_env
from bot.tools.processes import free_port
from tests.support.servers import serve

ROOT = settings.PROJECT_ROOT
VENV_BIN = Path(sys.executable).parent
MODEL_LOAD_TIMEOUT_S = 420
# Rasa's HTTP API is on, behind this token, as with `make run`.
RASA_TOKEN = "jeton-de-test-" + os.urandom(8).hex()
# The advisers' review pages (/admin) are behind this one.
ADMIN_TOKEN = "jeton-conseillers-" + os.urandom(8).hex()


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The model `make test` trained; trained here (once) when pytest runs on its own."""
    given = os.environ.get("BOUSSOLE_TEST_MODEL")
    if not given:
        subprocess.run([str(ROOT / "scripts" / "train.sh")], check=True, cwd=ROOT, env=base_env())
        given = subprocess.run(
            [str(ROOT / "scripts" / "model_path.sh")], check=True, capture_output=True, text=True, cwd=ROOT
        ).stdout.strip()
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


@pytest.fixture(scope="session")
def action_server(kb_db_url, runtime_dir):
    yield from serve(
        "actions",
        [sys.executable, "-m", "bot", "serve", "actions", "--port", "{port}"],
        base_env(BOUSSOLE_DB_URL=kb_db_url),
        runtime_dir,
        "/health",
        timeout=120,
    )


def rasa_env(runtime_dir: Path, action_server, **extra) -> dict:
    """The environment `python -m bot serve rasa` writes Rasa's configuration from, as with
    `make run`: this session's action server and its own SQLite tracker store."""
    return base_env(
        BOUSSOLE_ACTIONS_URL=action_server.url,
        BOUSSOLE_RASA_TOKEN=RASA_TOKEN,
        BOUSSOLE_TRACKER_URL=f"sqlite:///{runtime_dir / 'tracker.db'}",
        **extra,
    )


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
    yield from serve(
        "rasa",
        [
            sys.executable,
            "-m",
            "bot",
            "serve",
            "rasa",
            "--port",
            "{port}",
            "--model",
            str(model_path),
            "--out",
            str(rasa_config_dir),
        ],
        rasa_env(runtime_dir, action_server, **fake_platforms.env),
        runtime_dir,
        "/",
        timeout=MODEL_LOAD_TIMEOUT_S,
    )


@pytest.fixture(scope="session")
def partner_origin() -> str:
    """The origin of a partner site that embeds the widget (served by the browser tests),
    reserved before the website starts so that its CORS allow-list can name it."""
    return f"http://127.0.0.1:{free_port()}"


def website_env(rasa_server, action_server, kb_db_url, **extra) -> dict:
    # Every test request comes from 127.0.0.1: the per-address limit is off here and tested
    # on its own (tests/website/test_chat_api.py); the per-conversation limit keeps its default.
    return base_env(
        BOUSSOLE_RASA_URL=rasa_server.url,
        BOUSSOLE_ACTIONS_URL=action_server.url,
        BOUSSOLE_DB_URL=kb_db_url,
        BOUSSOLE_RASA_TOKEN=RASA_TOKEN,
        BOUSSOLE_RATE_LIMIT_IP="0",
        # The review page reads the tracker store Rasa writes.
        BOUSSOLE_ADMIN_TOKEN=ADMIN_TOKEN,
        BOUSSOLE_TRACKER_URL=rasa_server.env["BOUSSOLE_TRACKER_URL"],
        **extra,
    )


@pytest.fixture(scope="session")
def website(rasa_server, action_server, kb_db_url, runtime_dir, partner_origin):
    yield from serve(
        "web",
        [sys.executable, "-m", "bot", "web", "--port", "{port}"],
        website_env(rasa_server, action_server, kb_db_url, BOUSSOLE_CORS_ORIGINS=partner_origin),
        runtime_dir,
        "/healthz",
        timeout=60,
    )


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module: Playwright's synchronous API keeps an event
    loop running in the main thread while it is open, which the async tests after it
    cannot share."""
    from tests.integration.browser import launch

    yield from launch()
