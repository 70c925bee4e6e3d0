"""The action server opens its port only once its knowledge base is in memory: the first
action after a (re)start does not wait for the database (actions/launch.py)."""

from __future__ import annotations

import sys
import time

import pytest

from bot.knowledge import store
from bot.tools.processes import Process, child_env, free_port

pytestmark = pytest.mark.slow


def test_the_health_check_answers_once_the_knowledge_base_is_read(dataset, tmp_path):
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    store.load(dataset, store.make_engine(url))
    port = free_port()
    server = Process(
        "actions",
        [sys.executable, "-m", "bot", "serve", "actions", "--port", str(port)],
        child_env(BOUSSOLE_DB_URL=url, BOUSSOLE_KB_REFRESH_S="0"),
        tmp_path / "actions.log",
        health_url=f"http://127.0.0.1:{port}/health",
    )
    server.start()
    try:
        # Polled often: the log is read at the first answer, before any action was asked.
        deadline = time.monotonic() + 120
        while not server.ready():
            assert server.alive and time.monotonic() < deadline, server.tail()
            time.sleep(0.05)
        assert "Base de connaissances chargée" in server.tail(200)
    finally:
        server.stop()
