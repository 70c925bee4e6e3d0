"""`make run`'s launcher (bot/tools/run_local.py): the three servers on the ports run.sh
checked, their logs shown here after their names, everything stopped when one stops."""

from __future__ import annotations

import signal
import sys

import pytest

from bot.tools import run_local
from bot.tools import supervisor as supervisor_module
from bot.tools.processes import Process, child_env
from bot.tools.supervisor import Part, Supervisor


def test_the_three_servers_on_the_ports_of_run_sh(tmp_path):
    model = tmp_path / "model.tar.gz"
    env = {"PATH": "/bin", "BOUSSOLE_ACTIONS_PORT": "6055", "BOUSSOLE_RASA_PORT": "6005", "BOUSSOLE_WEB_PORT": "6080"}
    actions, rasa, web = run_local.parts(env, str(model))
    assert actions.argv[-4:] == ["serve", "actions", "--port", "6055"]
    assert rasa.argv[-6:] == ["serve", "rasa", "--port", "6005", "--model", str(model)]
    assert web.argv[-3:] == ["web", "--port", "6080"] and web.health_url == "http://localhost:6080/healthz"
    assert [p.echo_prefix.strip() for p in (actions, rasa, web)] == ["actions", "rasa", "web"]
    assert web.ready_last and not rasa.ready_last
    assert all(p.env["PATH"] == "/bin" and p.env["RASA_TELEMETRY_ENABLED"] == "false" for p in (actions, rasa, web))


def test_without_a_model_it_says_what_to_run(tmp_path):
    said = []
    assert run_local.run({"BOUSSOLE_MODEL": str(tmp_path / "absent.tar.gz")}, say=said.append) == 2
    assert "lancez « make train »" in said[0]


def test_each_line_of_a_log_is_shown_after_its_name_and_kept(tmp_path, capsys):
    talker = Process(
        "bavard",
        [sys.executable, "-c", "print('modèle chargé', flush=True)"],
        child_env(),
        tmp_path / "bavard.log",
        echo_prefix="rasa",
    ).start()
    talker.process.wait()
    talker.stop()
    assert "rasa | modèle chargé\n" in capsys.readouterr().out
    assert (tmp_path / "bavard.log").read_text(encoding="utf-8") == "modèle chargé\n"


@pytest.fixture
def own_signals():
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_a_server_that_keeps_stopping_is_restarted_then_everything_stops(tmp_path, own_signals, monkeypatch):
    # The back-off of a real run (1, 2, 4, 8, 16 s) shortened: the steps are the same.
    monkeypatch.setattr(supervisor_module, "FIRST_BACKOFF_S", 0.1)
    said = []
    supervisor = Supervisor(tmp_path / "logs", tmp_path, say=said.append)
    parts = [
        Part("Rasa", [sys.executable, "-c", "import time; time.sleep(1); print('modèle illisible')"], child_env()),
        Part("Site web", [sys.executable, "-c", "import time; time.sleep(600)"], child_env()),
    ]
    assert supervisor.run(parts, 30, "prêt") == 1
    assert "prêt" in said
    assert sum(line.startswith("↻ Rasa redémarre") for line in said) == supervisor_module.MAX_RESTARTS
    assert any(f"Rasa ne redémarre pas après {supervisor_module.MAX_RESTARTS} essais" in line for line in said)
    assert said[-1] == "✔ Tout est arrêté (2 processus, aucun restant)."


def test_the_website_is_polled_once_the_others_answer(tmp_path, own_signals):
    said = []
    supervisor = Supervisor(tmp_path / "logs", tmp_path, say=said.append)
    never = Part("Rasa", [sys.executable, "-c", "import time; time.sleep(600)"], child_env(), "http://127.0.0.1:9/")
    web = Part("Site web", [sys.executable, "-c", "import time; time.sleep(600)"], child_env(), ready_last=True)
    supervisor.start(never)
    supervisor.start(web)
    assert supervisor.wait_ready(1.5, lambda: False) is False
    assert not any("Site web prêt" in line for line in said)
    supervisor.stop(grace_s=1)
