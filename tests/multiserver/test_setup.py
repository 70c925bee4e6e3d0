"""The pieces of the scaled setup that need no model: where each part listens, which
stores several servers must share, and the supervisor of `make run-deployment`, which must
leave no process behind."""

from __future__ import annotations

import os
import sys
import time

import psutil
import pytest

from bot.config.settings import load
from bot.multiserver import topology
from bot.rasa_server.runtime_files import ConfigurationError
from bot.tools import supervisor
from bot.tools.processes import free_port
from bot.tools.supervisor import Part, Supervisor

SHARED = {
    "BOUSSOLE_TRACKER_URL": "postgresql://postgres@127.0.0.1:5432/boussole",
    "BOUSSOLE_LOCK_STORE": "redis://127.0.0.1:6379/1",
}


def test_local_layout_keeps_the_ports_of_make_run_for_nginx():
    layout = topology.local(load({}))
    assert (layout.public, layout.rasa_entry, layout.actions_entry) == (
        "127.0.0.1:8080",
        "127.0.0.1:5005",
        "127.0.0.1:5055",
    )
    assert layout.rasa == ("127.0.0.1:5006", "127.0.0.1:5007")
    assert layout.actions == ("127.0.0.1:5056", "127.0.0.1:5057")
    assert layout.web == ("127.0.0.1:8081",)


def test_server_counts_and_ports_from_the_environment():
    layout = topology.local(
        load(
            {
                "BOUSSOLE_RASA_SERVERS": "3",
                "BOUSSOLE_ACTION_SERVERS": "1",
                "BOUSSOLE_RASA_PORT": "6005",
                "BOUSSOLE_ACTIONS_PORT": "6055",
                "BOUSSOLE_WEB_PORT": "9080",
            }
        )
    )
    assert layout.rasa == ("127.0.0.1:6006", "127.0.0.1:6007", "127.0.0.1:6008")
    assert layout.actions == ("127.0.0.1:6056",) and layout.public == "127.0.0.1:9080"


@pytest.mark.parametrize(
    "env, expected",
    [
        ({"BOUSSOLE_RASA_SERVERS": "zéro"}, "entre 1 et 16"),
        ({"BOUSSOLE_RASA_SERVERS": "0"}, "entre 1 et 16"),
        ({"BOUSSOLE_RASA_PORT": "8079"}, "trop proches"),
        ({"BOUSSOLE_WEB_PORT": "http"}, "numéro de port"),
    ],
)
def test_a_wrong_layout_is_explained_in_french(env, expected):
    with pytest.raises(ConfigurationError, match=expected):
        topology.local(load(env))


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"BOUSSOLE_TRACKER_URL": "sqlite:///var/tracker.db"}, "SQLite ne convient qu'à un seul serveur Rasa"),
        ({"BOUSSOLE_LOCK_STORE": "in_memory"}, "partagés dans Redis"),
    ],
)
def test_several_rasa_servers_need_shared_conversations_and_locks(change, expected):
    with pytest.raises(ConfigurationError, match=expected):
        topology.check_shared_stores(topology.local(load({})), load(dict(SHARED, **change)))
    # One Rasa server may keep them to itself.
    topology.check_shared_stores(topology.local(load({"BOUSSOLE_RASA_SERVERS": "1"})), load(dict(SHARED, **change)))


def test_action_servers_on_several_hosts_need_one_knowledge_base():
    spread = topology.Topology(
        rasa=("10.0.0.11:5005", "10.0.0.12:5005"),
        actions=("10.0.0.21:5055", "10.0.0.22:5055"),
        web=("10.0.0.31:8080",),
        public="0.0.0.0:80",
        rasa_entry="10.0.0.10:5005",
        actions_entry="10.0.0.10:5055",
    )
    with pytest.raises(ConfigurationError, match="BOUSSOLE_DB_URL"):
        topology.check_shared_stores(spread, load(dict(SHARED, BOUSSOLE_DB_URL="sqlite:///var/boussole.db")))
    topology.check_shared_stores(spread, load(dict(SHARED, BOUSSOLE_DB_URL=SHARED["BOUSSOLE_TRACKER_URL"])))
    topology.check_shared_stores(
        topology.local(load({})), load(dict(SHARED, BOUSSOLE_DB_URL="sqlite:///var/boussole.db"))
    )


# --- the supervisor ------------------------------------------------------------------------


def python(code: str) -> list:
    return [sys.executable, "-c", code]


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.fixture
def lines():
    return []


@pytest.fixture
def sup(tmp_path, lines):
    sup = Supervisor(tmp_path / "logs", tmp_path, say=lines.append)
    yield sup
    sup.stop(grace_s=1)


@pytest.mark.slow
def test_stop_leaves_no_process_even_a_stubborn_one_or_a_grandchild(sup, tmp_path):
    port = free_port()
    web = sup.start(
        Part(
            "serveur",
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
            dict(os.environ),
            f"http://127.0.0.1:{port}/",
        )
    )
    stubborn = sup.start(
        Part(
            "têtu",
            python(
                "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                "print('prêt', flush=True)\ntime.sleep(600)"
            ),
            dict(os.environ),
        )
    )
    pid_file = tmp_path / "grandchild.pid"
    parent = sup.start(Part("parent", ["/bin/sh", "-c", f"sleep 600 & echo $! > {pid_file}; wait"], dict(os.environ)))
    assert sup.wait_ready(30, lambda: False)
    deadline = time.monotonic() + 10
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    grandchild = int(pid_file.read_text())
    pids = [web.process.pid, stubborn.process.pid, parent.process.pid, grandchild]
    assert all(alive(pid) for pid in pids)

    started = time.monotonic()
    leftovers = sup.stop(grace_s=2)
    assert leftovers == []
    assert not any(alive(pid) for pid in pids)
    # The stubborn one got SIGKILL once the grace period was over, not before.
    assert stubborn.process.returncode == -9 and time.monotonic() - started >= 2


@pytest.mark.slow
def test_a_part_that_dies_while_starting_stops_the_wait_with_its_log(sup, lines):
    port = free_port()
    sup.start(
        Part("jamais prêt", python("import time\ntime.sleep(600)"), dict(os.environ), f"http://127.0.0.1:{port}/")
    )
    sup.start(
        Part(
            "Rasa 2",
            python(
                "import sys, warnings\nwarnings.warn('vieux module', DeprecationWarning)\n"
                "print('modèle illisible', flush=True)\nsys.exit(3)"
            ),
            dict(os.environ),
            f"http://127.0.0.1:{free_port()}/",
        )
    )
    assert sup.wait_ready(60, lambda: False) is False
    report = "\n".join(lines)
    assert "Rasa 2 s'est arrêté (code 3)" in report and "modèle illisible" in report
    assert "vieux module" not in report


@pytest.mark.slow
def test_progress_names_what_is_still_starting(sup, lines, monkeypatch):
    monkeypatch.setattr(supervisor, "PROGRESS_EVERY_S", 0.5)
    sup.start(
        Part(
            "Rasa 1",
            python("import time\ntime.sleep(600)"),
            dict(os.environ),
            f"http://127.0.0.1:{free_port()}/",
            waiting="chargement du modèle",
        )
    )
    assert sup.wait_ready(2, lambda: False) is False
    assert any("en attente de : Rasa 1 (chargement du modèle)" in line for line in lines)
    assert "Toujours pas prêt après 2 s : Rasa 1" in lines[-1]


@pytest.mark.slow
def test_a_server_that_stops_is_started_again_and_said_to_serve_again(sup, lines, monkeypatch):
    """Rasa 1 killed: the others serve meanwhile, it starts again after its back-off on
    the same port, and the log says when it answers again."""
    monkeypatch.setattr(supervisor, "FIRST_BACKOFF_S", 0.5)
    port = free_port()
    server = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    first = sup.start(Part("Rasa 1", server, dict(os.environ), f"http://127.0.0.1:{port}/", group="rasa"))
    sup.start(Part("Rasa 2", python("import time\ntime.sleep(600)"), dict(os.environ), group="rasa"))
    assert sup.wait_ready(30, lambda: False)
    killed_pid = first.process.pid
    first.signal_group(9)
    first.process.wait()
    sup.watch(lambda: any("de nouveau prêt" in line for line in lines) or len(lines) > 20)
    assert any("Rasa 1 s'est arrêté (tué par le signal 9)" in line for line in lines)
    assert any("nginx envoie les requêtes aux autres : Rasa 2" in line for line in lines)
    assert any("↻ Rasa 1 redémarre dans 0.5 s (essai 1 sur 5)" in line for line in lines)
    assert any("✔ Rasa 1 de nouveau prêt" in line for line in lines), lines
    assert first.alive and first.process.pid != killed_pid and first.ready()


@pytest.mark.slow
def test_a_server_that_keeps_stopping_is_given_up_after_a_growing_back_off(sup, lines, monkeypatch):
    monkeypatch.setattr(supervisor, "FIRST_BACKOFF_S", 0.1)
    monkeypatch.setattr(supervisor, "MAX_RESTARTS", 3)
    sup.start(Part("Actions 1", python("import time\ntime.sleep(600)"), dict(os.environ), group="actions"))
    failing = sup.start(Part("Actions 2", python("import time\ntime.sleep(600)"), dict(os.environ), group="actions"))
    assert sup.wait_ready(10, lambda: False)
    failing.argv = python("import sys\nsys.exit(4)")
    failing.signal_group(9)
    started = time.monotonic()
    sup.watch(lambda: time.monotonic() - started > 30)
    delays = [line.split(" dans ")[1].split(" s ")[0] for line in lines if line.startswith("↻ Actions 2 redémarre")]
    assert delays == ["0.1", "0.2", "0.4"], lines
    assert sum("Actions 2 s'est arrêté (code 4)" in line for line in lines) == 3
    assert lines[-1] == "✘ Actions 2 ne redémarre pas après 3 essais : arrêt de tout."
