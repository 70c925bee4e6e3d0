"""The settings: read once from the environment, every wrong value named in French, and
one way out for each process (exit code 2)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import cli
from bot.config import settings
from bot.config.settings import InvalidSetting, load

ROOT = settings.PROJECT_ROOT


def test_the_defaults_work_on_one_machine():
    config = load({})
    assert config.db_url == f"sqlite:///{ROOT / 'var' / 'boussole.db'}"
    assert config.tracker_url == f"sqlite:///{ROOT / 'var' / 'tracker.db'}"
    assert (config.rasa_url, config.actions_url) == ("http://localhost:5005", "http://localhost:5055")
    assert (config.web_port, config.bind_host, config.max_message_chars) == (8080, "127.0.0.1", 2000)
    assert config.lock_store == {"type": "in_memory"} and config.event_broker is None
    assert (config.rate_limit_session, config.rate_limit_ip, config.retention_days) == (20, 120, 180)
    assert config.cors_origins == () and config.frame_ancestors == "'self'"
    assert not (config.log_messages or config.trust_proxy or config.admin_secure_cookie)
    assert config.kb_refresh_s == 5.0 and config.timezone == "Europe/Paris"


def test_values_are_typed_and_the_var_dir_moves_the_sqlite_files(tmp_path):
    config = load(
        {
            "BOUSSOLE_VAR_DIR": str(tmp_path),
            "BOUSSOLE_WEB_PORT": "9090",
            "BOUSSOLE_LOG_MESSAGES": "oui",
            "BOUSSOLE_RASA_URL": "http://rasa.interne:5005/",
            "BOUSSOLE_CORS_ORIGINS": "https://a.fr, https://b.fr/",
            "BOUSSOLE_TELEGRAM_TOKEN": "123:abc",
            "BOUSSOLE_SLACK_TOKEN": "",
        }
    )
    assert config.db_url == f"sqlite:///{tmp_path / 'boussole.db'}" and config.var_dir == tmp_path
    assert config.web_port == 9090 and config.log_messages is True
    assert config.rasa_url == "http://rasa.interne:5005"
    assert config.cors_origins == ("https://a.fr", "https://b.fr")
    assert config.channel_env == {"BOUSSOLE_TELEGRAM_TOKEN": "123:abc"}


@pytest.mark.parametrize(
    "variable, value, expected",
    [
        (
            "BOUSSOLE_RATE_LIMIT_SESSION",
            "vingt",
            "BOUSSOLE_RATE_LIMIT_SESSION doit être un nombre entier (reçu « vingt »)",
        ),
        ("BOUSSOLE_MAX_MESSAGE_CHARS", "0", "BOUSSOLE_MAX_MESSAGE_CHARS doit valoir au moins 1"),
        ("BOUSSOLE_RASA_WORKERS", "deux", "BOUSSOLE_RASA_WORKERS doit être un nombre entier"),
        ("BOUSSOLE_WEB_PORT", "http", "BOUSSOLE_WEB_PORT doit être un numéro de port"),
        ("BOUSSOLE_RASA_URL", "localhost:5005", "BOUSSOLE_RASA_URL doit être une adresse http:// ou https://"),
        ("BOUSSOLE_ACTIONS_URL", "ftp://actions", "BOUSSOLE_ACTIONS_URL doit être une adresse http://"),
        ("BOUSSOLE_DB_URL", "pas une url", "BOUSSOLE_DB_URL n'est pas une URL de base de données valide"),
        ("BOUSSOLE_TRACKER_URL", "mysql://root@localhost/rasa", "le type de base « mysql » n'est pas pris en charge"),
        (
            "BOUSSOLE_LOCK_STORE",
            "memcached://localhost",
            "BOUSSOLE_LOCK_STORE doit valoir « in_memory » ou une URL redis://",
        ),
        ("BOUSSOLE_TIMEZONE", "Europe/Lutece", "BOUSSOLE_TIMEZONE : fuseau horaire inconnu « Europe/Lutece »"),
        ("BOUSSOLE_RETENTION_DAYS", "0", "BOUSSOLE_RETENTION_DAYS doit valoir au moins 1"),
        ("BOUSSOLE_RASA_SERVERS", "17", "entre 1 et 16"),
    ],
)
def test_a_wrong_value_is_named_in_french(variable, value, expected):
    with pytest.raises(InvalidSetting) as raised:
        load({variable: value})
    assert expected in str(raised.value)


def test_a_wrong_refresh_interval_keeps_the_default_with_a_warning(caplog):
    assert load({"BOUSSOLE_KB_REFRESH_S": "bientôt"}).kb_refresh_s == settings.DEFAULT_KB_REFRESH_S
    assert "BOUSSOLE_KB_REFRESH_S" in caplog.text


def test_current_reads_the_environment_once_and_again_only_when_it_changed(monkeypatch):
    monkeypatch.setenv("BOUSSOLE_RATE_LIMIT_IP", "7")
    first = settings.current()
    assert first.rate_limit_ip == 7 and settings.current() is first
    monkeypatch.setenv("BOUSSOLE_RATE_LIMIT_IP", "8")
    assert settings.current().rate_limit_ip == 8
    settings.reset()
    assert settings.current() is not first


def test_the_settings_cannot_be_changed_once_read():
    with pytest.raises(AttributeError):
        load({}).web_port = 1


def test_knowledge_and_var_dirs_stay_readable_as_module_names(monkeypatch, tmp_path):
    monkeypatch.setenv("BOUSSOLE_VAR_DIR", str(tmp_path))
    assert settings.VAR_DIR == tmp_path and settings.KNOWLEDGE_DIR == ROOT / "knowledge"


@pytest.mark.parametrize(
    "variable, value",
    [
        ("BOUSSOLE_RATE_LIMIT_IP", "beaucoup"),
        ("BOUSSOLE_RASA_URL", "rasa:5005"),
        ("BOUSSOLE_LOCK_STORE", "memcached://hôte"),
    ],
)
def test_every_command_stops_with_one_french_line_and_exit_code_2(monkeypatch, capsys, variable, value):
    monkeypatch.setenv(variable, value)
    assert cli.main(["kb", "check"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"Erreur de configuration : {variable}") and err.count("\n") == 1


def _run(args, **variables):
    env = {**os.environ, "PYTHONPATH": str(ROOT), **variables}
    return subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_the_processes_stop_at_start_with_exit_code_2():
    """`python -m bot` (the command line, `serve actions`, `web`) and Rasa's launcher."""
    for args in (
        ["-m", "bot", "web", "--port", "1"],
        ["-m", "bot", "serve", "actions", "--port", "1"],
        ["-m", "bot.rasa_server.launch", "run"],
    ):
        result = _run(args, BOUSSOLE_MAX_MESSAGE_CHARS="deux mille")
        assert result.returncode == 2, (args, result.stderr)
        assert "Erreur de configuration : BOUSSOLE_MAX_MESSAGE_CHARS doit être un nombre entier" in result.stderr
        assert "Traceback" not in result.stderr


def test_the_website_stops_at_start_with_exit_code_2(monkeypatch, capsys):
    from bot.website.app import serve

    monkeypatch.setenv("BOUSSOLE_FRAME_ANCESTORS", "'self'; script-src *")
    with pytest.raises(SystemExit) as stop:
        serve(port=1)
    assert stop.value.code == 2
    assert "BOUSSOLE_FRAME_ANCESTORS" in capsys.readouterr().err


def test_no_module_reads_the_environment_for_a_boussole_variable():
    """Every BOUSSOLE_* variable goes through bot/config/settings.py."""
    import re

    reading = re.compile(r"(environ(\.get)?\s*[\[(]|getenv\(|env\.get\(|env\[)\s*[\"']BOUSSOLE_")
    offenders = []
    for folder in ("bot", "actions"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == Path(settings.__file__):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if reading.search(line) and 'os.environ["BOUSSOLE_RASA_TOKEN"] =' not in line:
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
