"""Rasa's endpoints and credentials, written from the environment; the tracker store
guarded before Rasa would retry an unreachable database forever."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import yaml

from bot.config.settings import load
from bot.knowledge.store import DatabaseUnavailable
from bot.rasa_server import runtime_files
from tests.conftest import PG_URL, ROOT


def test_defaults_are_one_process_on_sqlite(tmp_path):
    endpoints = runtime_files.endpoints(load({}))
    assert endpoints["action_endpoint"] == {"url": "http://localhost:5055/webhook"}
    assert endpoints["tracker_store"]["dialect"] == "sqlite"
    assert endpoints["tracker_store"]["url"].endswith("/var/tracker.db")
    assert endpoints["lock_store"] == {"type": "in_memory"}


def test_postgresql_tracker_and_redis_lock_store_from_the_environment():
    endpoints = runtime_files.endpoints(
        load(
            {
                "BOUSSOLE_TRACKER_URL": "postgresql://rasa:s%40cret@db.internal:5433/conversations",
                "BOUSSOLE_LOCK_STORE": "redis://:motdepasse@cache.internal:6380/3",
                "BOUSSOLE_ACTIONS_URL": "http://actions.internal:5055/",
            }
        )
    )
    assert endpoints["tracker_store"] == {
        "type": "SQL",
        "dialect": "postgresql",
        "url": "postgresql://rasa:s%40cret@db.internal:5433/conversations",
    }
    assert endpoints["lock_store"] == {
        "type": "bot.multiserver.lock_store.AtomicRedisLockStore",
        "url": "cache.internal",
        "port": 6380,
        "db": 3,
        "password": "motdepasse",
        "key_prefix": "boussole",
    }
    assert endpoints["action_endpoint"]["url"] == "http://actions.internal:5055/webhook"


def test_a_lock_prefix_of_its_own_keeps_deployments_apart_in_one_redis():
    endpoints = runtime_files.endpoints(
        load({"BOUSSOLE_LOCK_STORE": "redis://127.0.0.1:6379/12", "BOUSSOLE_LOCK_PREFIX": "recette2"})
    )
    assert endpoints["lock_store"]["key_prefix"] == "recette2" and endpoints["lock_store"]["db"] == 12


@pytest.mark.parametrize(
    "variable, value, expected",
    [
        ("BOUSSOLE_TRACKER_URL", "pas une url", "BOUSSOLE_TRACKER_URL"),
        ("BOUSSOLE_TRACKER_URL", "mysql://root@localhost/rasa", "mysql"),
        ("BOUSSOLE_LOCK_STORE", "memcached://localhost", "in_memory"),
        ("BOUSSOLE_LOCK_STORE", "redis://localhost:6379/rasa", "numéro"),
        ("BOUSSOLE_LOCK_PREFIX", "boussole-recette", "BOUSSOLE_LOCK_PREFIX"),
        ("BOUSSOLE_LOCK_PREFIX", "étape2", "sans accent"),
        ("BOUSSOLE_KAFKA_URL", "kafka.internal", "hôte:port"),
        ("BOUSSOLE_KAFKA_USER", "analytique", "BOUSSOLE_KAFKA_PASSWORD"),
    ],
)
def test_a_wrong_variable_is_named_in_french(variable, value, expected):
    env = {variable: value}
    if variable == "BOUSSOLE_LOCK_PREFIX":
        env["BOUSSOLE_LOCK_STORE"] = "redis://localhost:6379/1"
    if variable == "BOUSSOLE_KAFKA_USER":
        env["BOUSSOLE_KAFKA_URL"] = "kafka.internal:9092"
    with pytest.raises(runtime_files.ConfigurationError, match=expected):
        runtime_files.endpoints(load(env))


def test_the_kafka_event_broker_is_what_rasa_reads(tmp_path):
    """Analytics: with BOUSSOLE_KAFKA_URL, Rasa publishes every event to Kafka (the
    broker itself is not run here: its configuration is what Rasa's reader sees)."""
    from rasa.core.utils import read_endpoints_from_path

    runtime_files.write(
        tmp_path,
        load(
            {
                "BOUSSOLE_KAFKA_URL": "k1.internal:9092,k2.internal:9092",
                "BOUSSOLE_KAFKA_USER": "analytique",
                "BOUSSOLE_KAFKA_PASSWORD": "s3cret",
            }
        ),
    )
    broker = read_endpoints_from_path(tmp_path / "endpoints.yml").event_broker
    assert broker.type == "kafka" and broker.url == "k1.internal:9092,k2.internal:9092"
    assert broker.kwargs["topic"] == "rasa_core_events" and broker.kwargs["partition_by_sender"] is True
    assert broker.kwargs["security_protocol"] == "SASL_PLAINTEXT" and broker.kwargs["sasl_username"] == "analytique"
    assert (tmp_path / "endpoints.yml").stat().st_mode & 0o077 == 0
    assert "event_broker" not in runtime_files.endpoints(load({}))


def test_a_channel_is_kept_only_when_its_variables_are_set(tmp_path):
    template = tmp_path / "credentials.yml"
    template.write_text(
        "rest:\n"
        'callback:\n  url: "${CALLBACK_URL:-http://localhost:5034/bot}"\n'
        'telegram:\n  access_token: "${TG_TOKEN}"\n  verify: "${TG_NAME}"\n'
        'slack:\n  slack_token: "${SLACK_TOKEN}"\n  use_threads: "${SLACK_THREADS:-false}"\n',
        encoding="utf-8",
    )
    creds = runtime_files.credentials(template, {"TG_TOKEN": "123:abc", "TG_NAME": "boussole_bot"})
    assert creds.channels == {
        "rest": None,
        "callback": {"url": "http://localhost:5034/bot"},
        "telegram": {"access_token": "123:abc", "verify": "boussole_bot"},
    }
    assert creds.skipped == {"slack": ["SLACK_TOKEN"]}
    creds = runtime_files.credentials(template, {"SLACK_TOKEN": "xoxb-1", "SLACK_THREADS": "true"})
    assert creds.channels["slack"] == {"slack_token": "xoxb-1", "use_threads": True}


def test_the_written_files_are_what_rasa_reads(tmp_path):
    (endpoints_path, credentials_path), _ = runtime_files.write(
        tmp_path, load({"BOUSSOLE_CALLBACK_URL": "http://gw/bot"})
    )
    from rasa.core.utils import read_endpoints_from_path

    endpoints = read_endpoints_from_path(endpoints_path)
    assert endpoints.action.url == "http://localhost:5055/webhook"
    assert endpoints.tracker_store.type == "SQL"
    credentials = yaml.safe_load(credentials_path.read_text(encoding="utf-8"))
    assert credentials["bot.rasa_server.channels.callback.CallbackInput"] == {"url": "http://gw/bot"}
    assert credentials_path.stat().st_mode & 0o077 == 0


def test_the_repository_defaults_match_the_generated_ones():
    """endpoints.yml documents the defaults for a hand-started `rasa run`: it must say
    what the generator writes with an empty environment."""
    documented = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    generated = runtime_files.endpoints(load({"BOUSSOLE_TRACKER_URL": "sqlite:///var/tracker.db"}))
    assert documented == generated


def test_an_unreachable_tracker_database_fails_fast_with_a_french_message():
    start = time.monotonic()
    with pytest.raises(DatabaseUnavailable, match="BOUSSOLE_TRACKER_URL"):
        runtime_files.check_tracker_store("postgresql://postgres@127.0.0.1:1/test")
    assert time.monotonic() - start < 10


@pytest.mark.postgres
def test_the_postgresql_tracker_database_is_reachable():
    runtime_files.check_tracker_store(PG_URL)


@pytest.mark.slow
def test_serve_rasa_refuses_to_start_on_an_unreachable_tracker_store(tmp_path):
    """`python -m bot serve rasa` exits with 2 and a French message instead of letting
    Rasa's tracker store retry forever."""
    env = {
        "BOUSSOLE_TRACKER_URL": "postgresql://postgres@127.0.0.1:1/test",
        "PATH": "/usr/bin:/bin",
        "BOUSSOLE_RASA_TOKEN": "jeton",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "serve",
            "rasa",
            "--port",
            "1",
            "--model",
            "absent.tar.gz",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert "Base de données injoignable" in result.stderr and "BOUSSOLE_TRACKER_URL" in result.stderr
    assert "Traceback" not in result.stderr


def _serve_rasa(tmp_path, *options, **env):
    env = {
        "PATH": "/usr/bin:/bin",
        "BOUSSOLE_RASA_TOKEN": "jeton",
        "PYTHONPATH": str(ROOT),
        "BOUSSOLE_TRACKER_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
        **env,
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "serve",
            "rasa",
            "--port",
            "1",
            "--model",
            "absent.tar.gz",
            "--out",
            str(tmp_path),
            *options,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=ROOT,
    )


@pytest.mark.slow
def test_several_rasa_workers_without_a_shared_lock_store_are_refused(tmp_path):
    """Rasa would silently run one worker with the in-memory lock store."""
    for result in (_serve_rasa(tmp_path, "--workers", "2"), _serve_rasa(tmp_path, BOUSSOLE_RASA_WORKERS="2")):
        assert result.returncode == 2
        assert "BOUSSOLE_LOCK_STORE=redis://" in result.stderr
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "endpoints.yml").exists()


@pytest.mark.slow
def test_a_worker_count_that_is_not_a_number_gets_a_french_message(tmp_path):
    result = _serve_rasa(tmp_path, BOUSSOLE_RASA_WORKERS="deux")
    assert result.returncode != 0
    assert "BOUSSOLE_RASA_WORKERS doit être un nombre entier" in result.stderr
    assert "Traceback" not in result.stderr
    result = _serve_rasa(tmp_path, "--workers", "0")
    assert result.returncode == 2 and "au moins 1" in result.stderr


def test_files_holding_secrets_are_never_readable_by_others_even_for_a_moment(tmp_path, monkeypatch):
    import os
    import stat

    from bot.rasa_server import runtime_files

    modes = {}
    replace = os.replace

    def watched(draft, final):
        modes[os.path.basename(final)] = stat.S_IMODE(os.stat(draft).st_mode)
        replace(draft, final)

    monkeypatch.setattr(os, "replace", watched)
    runtime_files.write(tmp_path, load({"BOUSSOLE_TELEGRAM_TOKEN": "123:secret"}))
    assert modes == {"endpoints.yml": 0o600, "credentials.yml": 0o600}
    for name in modes:
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no draft left behind"
