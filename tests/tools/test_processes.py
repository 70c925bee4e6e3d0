"""The one process launcher (bot/tools/processes.py): a server started in its own group,
waited for on its health URL, restarted on the same port, stopped with what it started."""

from __future__ import annotations

import os
import socket
import sys
import time

import psutil
import pytest

from bot.config import settings
from bot.tools.processes import Process, StartError, child_env, free_port


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def http_server(tmp_path, port: int, name: str = "serveur") -> Process:
    return Process(
        name,
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        child_env(),
        tmp_path / f"{name}.log",
        cwd=tmp_path,
        health_url=f"http://127.0.0.1:{port}/",
    )


def test_free_port_can_be_bound():
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_child_env_makes_the_project_importable_and_keeps_what_is_given():
    env = child_env({"PATH": "/bin", "BOUSSOLE_DB_URL": "sqlite://"}, BOUSSOLE_RASA_TOKEN="jeton", BOUSSOLE_DB_URL=None)
    assert env["PYTHONPATH"] == str(settings.PROJECT_ROOT) and env["RASA_TELEMETRY_ENABLED"] == "false"
    assert env["BOUSSOLE_RASA_TOKEN"] == "jeton" and env["BOUSSOLE_DB_URL"] == "sqlite://"
    assert child_env()["PATH"] == os.environ["PATH"]


def test_a_server_is_ready_restarts_on_its_port_and_stops(tmp_path):
    server = http_server(tmp_path, free_port()).start()
    try:
        assert server.wait_ready(30) >= 0 and server.ready_after is not None
        first = server.pid
        server.restart(30)
        assert server.pid != first and not alive(first) and server.ready()
    finally:
        server.stop(grace_s=5)
    assert not server.alive and not server.ready()


def test_a_server_that_stops_while_starting_says_so_with_its_log(tmp_path):
    failing = Process(
        "Rasa",
        [
            sys.executable,
            "-c",
            "import sys, warnings\n"
            "warnings.warn('vieux module', DeprecationWarning)\n"
            "print('modèle illisible', flush=True)\nsys.exit(3)",
        ],
        child_env(PYTHONWARNINGS="always"),
        tmp_path / "rasa.log",
        health_url=f"http://127.0.0.1:{free_port()}/",
    ).start()
    with pytest.raises(StartError, match=r"Rasa s'est arrêté \(code 3\)") as failed:
        failing.wait_ready(30)
    assert "modèle illisible" in str(failed.value) and "vieux module" not in str(failed.value)
    failing.stop()


def test_a_server_that_never_answers_is_named_with_its_url(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/"
    silent = Process(
        "muet",
        [sys.executable, "-c", "import time; time.sleep(600)"],
        child_env(),
        tmp_path / "muet.log",
        health_url=url,
    ).start()
    try:
        with pytest.raises(StartError, match=f"muet ne répond pas sur {url} après 1 s"):
            silent.wait_ready(1)
    finally:
        silent.stop(grace_s=5)


def test_kill_and_stop_take_what_the_process_started(tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    parent = Process(
        "parent", ["/bin/sh", "-c", f"sleep 600 & echo $! > {pid_file}; wait"], child_env(), tmp_path / "parent.log"
    ).start()
    deadline = time.monotonic() + 10
    # The shell creates the file before it writes the pid into it.
    while not (pid_file.exists() and pid_file.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.1)
    grandchild = int(pid_file.read_text())
    assert alive(grandchild)
    parent.kill()
    deadline = time.monotonic() + 5
    while alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(grandchild) and parent.process.returncode == -9
    parent.stop()


def test_a_restart_appends_to_the_log(tmp_path):
    talker = Process(
        "bavard", [sys.executable, "-c", "print('démarré', flush=True)"], child_env(), tmp_path / "bavard.log"
    ).start()
    talker.process.wait()
    talker.restart(10)
    talker.process.wait()
    talker.stop()
    assert (tmp_path / "bavard.log").read_text().count("démarré") == 2


def test_the_wait_counts_from_the_call_not_from_the_start(tmp_path):
    """A server started beside slower ones is waited for once they are ready: the time they
    took must not count against its own timeout."""
    port = free_port()
    serve = f"import http.server as h; h.HTTPServer(('127.0.0.1', {port}), h.SimpleHTTPRequestHandler).serve_forever()"
    server = Process(
        "lent",
        [sys.executable, "-c", serve],
        child_env(),
        tmp_path / "lent.log",
        health_url=f"http://127.0.0.1:{port}/",
    )
    server.start()
    try:
        time.sleep(3)  # longer than the timeout below: the others were slow to start
        assert server.wait_ready(2) >= 3
    finally:
        server.stop()
