"""Erasing a conversation and removing old ones (bot/tools/privacy.py), on SQLite and PostgreSQL:
the tracker store is written by Rasa's own SQLTrackerStore (tests/support/review_store.py), feedback
and dossiers by their own modules; every check reads the databases back."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import func, select

from bot import cli
from bot.core.advice import handover
from bot.knowledge import store
from bot.tools import privacy
from bot.website import feedback
from bot.website.review.tracker import EVENTS
from tests.support import review_store

NUMBER = "3f9c2a7b5e1d4c608a9b7c6d5e4f3a21"
OTHER = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
DAY_S = 86400


def _utc(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).replace(tzinfo=None)


def _dossier(engine, conversation_id: str, created_at: dt.datetime) -> str:
    return handover.store(
        engine,
        handover.DossierDraft(
            conversation_id=conversation_id,
            region=None,
            profile={"facts": [], "values": {}},
            programmes=[],
            open_questions=[],
            contact={"email": "marie.martin@exemple.fr"},
            consent="Oui",
            created_at=created_at,
        ),
    )


def _feedback(engine, conversation_id: str, created_at: dt.datetime) -> None:
    item = feedback.draft(conversation_id, "down", "Il manque le montant.", "Réponse", "Question ?")
    item.created_at = created_at
    feedback.store(engine, item)


def _events_of(engine) -> dict:
    with engine.connect() as connection:
        return dict(connection.execute(select(EVENTS.c.sender_id, func.count()).group_by(EVENTS.c.sender_id)).all())


def _ids(rows) -> list:
    return sorted(row["conversation_id"] for row in rows)


@pytest.fixture
def stored(db_url):
    """Two website conversations (Rasa knows them as web-…), one Telegram one, feedback
    under the widget's number, a dossier under Rasa's id; the same database holds the
    tracker and the knowledge base's tables, as a small deployment may."""
    now = time.time()
    review_store.write(
        db_url,
        {
            f"web-{NUMBER}": review_store.unanswered(now - 3600),
            f"web-{OTHER}": review_store.answered(now - 1800),
            "123456789": review_store.core_fallback(now - 600),
        },
    )
    engine = store.make_engine(db_url)
    _feedback(engine, NUMBER, _utc(now - 3000))
    _feedback(engine, OTHER, _utc(now - 1700))
    reference = _dossier(engine, f"web-{NUMBER}", _utc(now - 2900))
    kept = _dossier(engine, f"web-{OTHER}", _utc(now - 1600))
    yield db_url, engine, reference, kept
    engine.dispose()


@pytest.mark.parametrize("form", [NUMBER, f"web-{NUMBER}"])
def test_erase_removes_the_conversation_everywhere_and_nothing_else(stored, form):
    url, engine, reference, kept = stored
    before = _events_of(engine)
    stores = privacy.Stores.open(url, url)
    try:
        removed = privacy.erase(stores, form)
    finally:
        stores.close()
    assert (removed.conversations, removed.events, removed.feedback, removed.dossiers) == (
        1,
        before[f"web-{NUMBER}"],
        1,
        [reference],
    )
    assert _events_of(engine) == {k: v for k, v in before.items() if k != f"web-{NUMBER}"}
    assert _ids(feedback.read_all(engine)) == [OTHER]
    assert [d["reference"] for d in handover.read_all(engine)] == [kept]


def test_erase_of_an_unknown_number_removes_nothing(stored):
    url, engine, _, _ = stored
    before = _events_of(engine)
    stores = privacy.Stores.open(url, url)
    try:
        removed = privacy.erase(stores, "ffffffffffffffffffffffffffffffff")
    finally:
        stores.close()
    assert not removed.anything and removed.conversations == 0
    assert _events_of(engine) == before
    assert len(feedback.read_all(engine)) == 2 and handover.count(engine) == 2


def test_cli_erase_says_what_it_removed_in_french(stored, monkeypatch, capsys):
    url, engine, reference, _ = stored
    monkeypatch.setenv("BOUSSOLE_TRACKER_URL", url)
    monkeypatch.setenv("BOUSSOLE_DB_URL", url)
    events = _events_of(engine)[f"web-{NUMBER}"]
    assert cli.main(["privacy", "erase", NUMBER]) == 0
    out = capsys.readouterr().out
    assert f"Conversation « {NUMBER} » effacée" in out
    assert f"{events} événements" in out and "1 avis" in out and f"1 dossier ({reference})" in out
    assert cli.main(["privacy", "erase", NUMBER]) == 2
    captured = capsys.readouterr()
    assert "Aucune donnée pour la conversation" in captured.err and "rien n'a été effacé" in captured.err
    assert captured.out == ""


def test_purge_removes_idle_conversations_with_their_feedback_and_dossiers(db_url, monkeypatch, capsys):
    now = time.time()
    # Started long ago, active again yesterday: kept.
    resumed = review_store.answered(now - 300 * DAY_S)
    resumed.clock = now - DAY_S
    resumed.user("et pour le Canada ?", "ask_country", 0.9).listen()
    review_store.write(
        db_url,
        {
            "web-ancienne": review_store.answered(now - 200 * DAY_S),
            "web-reprise": resumed,
            "web-recente": review_store.answered(now - 2 * DAY_S),
        },
    )
    engine = store.make_engine(db_url)
    _feedback(engine, "ancienne", _utc(now - 199 * DAY_S))
    old_dossier = _dossier(engine, "web-ancienne", _utc(now - 199 * DAY_S))
    # Feedback whose conversation has left the tracker store: its own date decides.
    _feedback(engine, "orpheline", _utc(now - 190 * DAY_S))
    _feedback(engine, "recente", _utc(now - DAY_S))
    recent_dossier = _dossier(engine, "web-reprise", _utc(now - DAY_S))
    before = _events_of(engine)
    monkeypatch.setenv("BOUSSOLE_TRACKER_URL", db_url)
    monkeypatch.setenv("BOUSSOLE_DB_URL", db_url)

    assert cli.main(["privacy", "purge", "--older-than", "180d", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "rien n'est supprimé" in out and "2 conversations inactives depuis plus de 180 jours" in out
    assert f"{before['web-ancienne']} événements" in out and "2 avis" in out and f"1 dossier ({old_dossier})" in out
    assert _events_of(engine) == before and len(feedback.read_all(engine)) == 3

    assert cli.main(["privacy", "purge", "--older-than", "180d"]) == 0
    out = capsys.readouterr().out
    assert "Supprimé : 2 conversations inactives" in out
    assert set(_events_of(engine)) == {"web-reprise", "web-recente"}
    assert _ids(feedback.read_all(engine)) == ["recente"]
    assert [d["reference"] for d in handover.read_all(engine)] == [recent_dossier]

    assert cli.main(["privacy", "purge", "--older-than", "180d"]) == 0
    assert "Supprimé : 0 conversation inactive" in capsys.readouterr().out
    engine.dispose()


def test_purge_default_comes_from_the_setting(tmp_path, monkeypatch, capsys):
    tracker, data = f"sqlite:///{tmp_path / 'tracker.db'}", f"sqlite:///{tmp_path / 'kb.db'}"
    now = time.time()
    review_store.write(tracker, {"a": review_store.answered(now - 40 * DAY_S), "b": review_store.answered(now)})
    monkeypatch.setenv("BOUSSOLE_TRACKER_URL", tracker)
    monkeypatch.setenv("BOUSSOLE_DB_URL", data)
    monkeypatch.setenv("BOUSSOLE_RETENTION_DAYS", "30")
    assert cli.main(["privacy", "purge"]) == 0
    assert "1 conversation inactive depuis plus de 30 jours" in capsys.readouterr().out
    engine = store.make_engine(tracker)
    assert set(_events_of(engine)) == {"b"}
    engine.dispose()
    # No knowledge database was created for nothing.
    assert not (tmp_path / "kb.db").exists()

    monkeypatch.setenv("BOUSSOLE_RETENTION_DAYS", "six mois")
    assert cli.main(["privacy", "purge"]) == 2
    assert "BOUSSOLE_RETENTION_DAYS" in capsys.readouterr().err


@pytest.mark.parametrize("text, days", [("180d", 180), ("30j", 30), ("7", 7)])
def test_ages(text, days):
    assert privacy.parse_age(text) == days


@pytest.mark.parametrize("text", ["", "0d", "6m", "-3d", "d"])
def test_unreadable_ages_are_refused_in_french(text):
    with pytest.raises(privacy.PrivacyError, match="Durée illisible"):
        privacy.parse_age(text)


def test_both_forms_of_a_number():
    assert privacy.forms("abc12345") == ("abc12345", "web-abc12345")
    assert privacy.forms("web-abc12345") == ("web-abc12345", "abc12345")


def test_nothing_stored_yet_creates_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BOUSSOLE_TRACKER_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    monkeypatch.setenv("BOUSSOLE_DB_URL", f"sqlite:///{tmp_path / 'kb.db'}")
    assert cli.main(["privacy", "erase", NUMBER]) == 2
    assert cli.main(["privacy", "purge", "--dry-run"]) == 0
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_database_is_said_in_french(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("BOUSSOLE_TRACKER_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("BOUSSOLE_DB_URL", f"sqlite:///{tmp_path / 'kb.db'}")
    assert cli.main(["privacy", "erase", NUMBER]) == 2
    assert "Impossible de joindre l'historique des conversations" in capsys.readouterr().err


def test_make_clean_keeps_var():
    import subprocess

    from bot.config import settings

    planned = subprocess.run(
        ["make", "-n", "clean"], capture_output=True, text=True, cwd=settings.PROJECT_ROOT, check=True
    ).stdout
    assert "models" in planned and not any(word in ("var", "var/") for word in planned.split())


def test_clean_data_asks_first(tmp_path):
    import os
    import subprocess

    from bot.config import settings

    var = tmp_path / "var"
    var.mkdir()
    (var / "tracker.db").write_text("x")
    (var / "admin_token").write_text("y")
    script = str(settings.PROJECT_ROOT / "scripts" / "clean_data.sh")
    env = dict(os.environ, BOUSSOLE_VAR_DIR=str(var))
    env.pop("CONFIRM", None)
    # No terminal to ask on, no CONFIRM=1: nothing is deleted.
    refused = subprocess.run([script], capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)
    assert refused.returncode == 1 and "CONFIRM=1" in refused.stderr
    assert "tracker.db" in refused.stdout and "historique des conversations" in refused.stdout
    assert sorted(p.name for p in var.iterdir()) == ["admin_token", "tracker.db"]
    done = subprocess.run(
        [script], capture_output=True, text=True, env=dict(env, CONFIRM="1"), stdin=subprocess.DEVNULL
    )
    assert done.returncode == 0 and not var.exists(), done.stderr
