"""The knowledge base loads whole or not at all, on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import json
import shutil

import pytest
import sqlalchemy

from bot import cli
from bot.config import settings
from bot.knowledge import store
from bot.knowledge.validation import KnowledgeError, read_knowledge
from tests.support import fast_yaml


def _strip_empty(value):
    if isinstance(value, dict):
        return {k: _strip_empty(v) for k, v in value.items() if v not in (None, [], {})}
    if isinstance(value, list):
        return [_strip_empty(v) for v in value]
    return value


def test_load_round_trips_every_record(dataset, engine):
    counts = store.load(dataset, engine, "hash-1")
    assert counts == {kind: len(records) for kind, records in dataset.records.items()}
    assert _strip_empty(store.read_records(engine)) == _strip_empty(dataset.records)
    assert store.read_meta(engine)["content"]["value"] == "hash-1"


def test_reload_replaces_content(dataset, engine):
    store.load(dataset, engine)
    smaller = copy.deepcopy(dataset)
    removed = sorted(smaller.records["faq"])[0]
    del smaller.records["faq"][removed]
    store.load(smaller, engine)
    assert removed not in store.read_records(engine)["faq"]


def test_database_failure_mid_load_keeps_previous_content(dataset, engine):
    store.load(dataset, engine, "before")
    before = store.read_records(engine)
    broken = copy.deepcopy(dataset)
    # Passes validation's reading but violates a NOT NULL column: the insert fails late.
    last_programme = sorted(broken.records["programme"])[-1]
    broken.records["programme"][last_programme]["summary"] = None
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        store.load(broken, engine, "after")
    assert store.read_records(engine) == before
    assert store.read_meta(engine)["content"]["value"] == "before"


def _first_file_of_kind(root, kind):
    for path in sorted(root.glob("*.yml")):
        content = fast_yaml.load(path.read_text(encoding="utf-8"))
        if content["kind"] == kind:
            return path, content
    raise AssertionError(f"aucun fichier de type {kind}")


def _edit(root, kind, change):
    path, content = _first_file_of_kind(root, kind)
    change(content["records"])
    path.write_text(fast_yaml.dump(content), encoding="utf-8")
    return path.name


def _drop_summary(records):
    del records[0]["summary"]


def _unknown_operator(records):
    records[0]["operator"] = "organisme-inexistant"


def _duplicate(records):
    records.append(copy.deepcopy(records[0]))


def _bad_url(records):
    records[0]["sources"][0]["url"] = "www.sans-protocole.fr/page"


def _ended_without_date(records):
    records[0]["status"] = "ended"
    records[0].pop("ended_on", None)


def _typo_field(records):
    records[0]["sumary"] = records[0].pop("summary")


def _bad_date(records):
    records[0]["verified_on"] = "27/11/2026"


def _stolen_alias(records):
    records[1].setdefault("aliases", []).append(records[0]["name"])


def _departement_twice(records):
    records[1]["departements"].append(dict(records[0]["departements"][0]))


def _no_sources(records):
    records[0]["sources"] = []


def _contact_presents_another_region_s_programme(records):
    # records[0] is Auvergne-Rhône-Alpes; « impulsion-export » is Normandie's.
    records[0]["contacts"][0]["programmes"] = ["impulsion-export"]


INVALID_CASES = {
    "champ manquant": ("programme", _drop_summary, "summary", "champ obligatoire manquant"),
    "référence inconnue": (
        "programme",
        _unknown_operator,
        "operator",
        "référence inconnue : organisation « organisme-inexistant »",
    ),
    "identifiant en double": ("programme", _duplicate, "id", "identifiant déjà utilisé"),
    "adresse mal formée": ("organisation", _bad_url, "sources", "adresse web mal formée"),
    "terminé sans date": ("programme", _ended_without_date, "ended_on", "date de fin"),
    "champ inconnu": ("programme", _typo_field, "sumary", "champ inconnu"),
    "date illisible": ("sector", _bad_date, "verified_on", "AAAA-MM-JJ"),
    "alias partagé": ("organisation", _stolen_alias, "aliases", "désigne déjà la fiche"),
    "département en double": ("region", _departement_twice, "departements", "est déjà dans la Région"),
    "sans source": ("obstacle", _no_sources, "sources", "au moins 1 élément requis"),
    "offre d'une autre Région": (
        "region",
        _contact_presents_another_region_s_programme,
        "contacts",
        "« impulsion-export » n'est ni un programme national ni un programme de cette Région",
    ),
}


@pytest.fixture
def knowledge_copy(tmp_path):
    root = tmp_path / "knowledge"
    shutil.copytree(settings.KNOWLEDGE_DIR, root)
    return root


@pytest.mark.parametrize("case", sorted(INVALID_CASES))
def test_invalid_file_is_refused_with_a_precise_message(case, knowledge_copy):
    kind, change, field, expected = INVALID_CASES[case]
    file_name = _edit(knowledge_copy, kind, change)
    with pytest.raises(KnowledgeError) as error:
        read_knowledge(knowledge_copy)
    matching = [p for p in error.value.problems if p.field == field and expected in p.message]
    assert matching, str(error.value)
    assert matching[0].path.endswith(file_name)
    assert matching[0].record_id


def test_yaml_syntax_error_names_file_and_line(knowledge_copy):
    path, _ = _first_file_of_kind(knowledge_copy, "sector")
    path.write_text("kind: sector\nrecords:\n  - id: [non fermé\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as error:
        read_knowledge(knowledge_copy)
    assert f"{path.name}" in str(error.value) and "ligne" in str(error.value)


@pytest.mark.parametrize("case", ["référence inconnue", "département en double"])
def test_cli_load_of_invalid_files_leaves_database_unchanged(case, knowledge_copy, db_url, monkeypatch, capsys):
    monkeypatch.setenv("BOUSSOLE_DB_URL", db_url)
    assert cli.main(["--knowledge", str(knowledge_copy), "kb", "load"]) == 0
    engine = store.make_engine(db_url)
    before = store.read_records(engine)
    meta_before = store.read_meta(engine)
    kind, change, field, expected = INVALID_CASES[case]
    _edit(knowledge_copy, kind, change)
    capsys.readouterr()
    assert cli.main(["--knowledge", str(knowledge_copy), "kb", "load"]) == 1
    assert expected in capsys.readouterr().err
    assert store.read_records(engine) == before
    assert store.read_meta(engine) == meta_before
    engine.dispose()


def test_cli_stats_json_counts_and_no_unsourced_record(dataset, db_url, monkeypatch, capsys):
    monkeypatch.setenv("BOUSSOLE_DB_URL", db_url)
    assert cli.main(["kb", "load"]) == 0
    capsys.readouterr()
    assert cli.main(["kb", "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["counts"] == {kind: len(records) for kind, records in dataset.records.items()}
    assert stats["unsourced_or_undated"] == 0


def test_cli_reports_unreachable_database(monkeypatch, capsys):
    monkeypatch.setenv("BOUSSOLE_DB_URL", "postgresql://postgres@127.0.0.1:1/absente")
    assert cli.main(["kb", "search", "vie"]) == 2
    assert "Base de données injoignable" in capsys.readouterr().err
    # Stats come from knowledge/: they only say that the database cannot be read.
    assert cli.main(["kb", "stats"]) == 0
    assert "Base de données injoignable" in capsys.readouterr().out


@pytest.mark.parametrize(
    "command", [["kb", "search", "vie"], ["handover", "export"], ["handover", "delete", "BX-20261128-A1B2C3"]]
)
def test_cli_on_a_missing_database_says_what_to_run_and_creates_nothing(command, tmp_path, monkeypatch, capsys):
    path = tmp_path / "var" / "boussole.db"
    monkeypatch.setenv("BOUSSOLE_DB_URL", f"sqlite:///{path}")
    assert cli.main(command) == 2
    err = capsys.readouterr().err
    assert "python -m bot kb load" in err and "Traceback" not in err
    assert not path.exists()


def test_cli_on_a_never_loaded_database_says_what_to_run(tmp_path, monkeypatch, capsys):
    path = tmp_path / "vide.db"
    store.make_engine(f"sqlite:///{path}").connect().close()  # an empty file, no table
    monkeypatch.setenv("BOUSSOLE_DB_URL", f"sqlite:///{path}")
    assert cli.main(["kb", "search", "vie"]) == 2
    assert "lancez « python -m bot kb load »" in capsys.readouterr().err
    assert cli.main(["kb", "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["loaded"] is None and "kb load" in stats["database"]


def test_cli_stats_need_no_database(tmp_path, monkeypatch, capsys):
    path = tmp_path / "absente.db"
    monkeypatch.setenv("BOUSSOLE_DB_URL", f"sqlite:///{path}")
    assert cli.main(["kb", "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["counts"]["programme"] > 0 and stats["loaded"] is None
    assert {"faq", "primary_sources", "refused_urls", "bare_contacts", "domains"} <= set(stats)
    assert not path.exists()
    assert cli.main(["kb", "stats"]) == 0
    out = capsys.readouterr().out
    assert "Fiches avec au moins une source officielle" in out and "lancez « python -m bot kb load »" in out


def test_cli_search_finds_a_programme(db_url, monkeypatch, capsys):
    monkeypatch.setenv("BOUSSOLE_DB_URL", db_url)
    assert cli.main(["kb", "load"]) == 0
    capsys.readouterr()
    assert cli.main(["kb", "search", "assurance", "prospection"]) == 0
    first_line = capsys.readouterr().out.splitlines()[0]
    assert "assurance-prospection" in first_line
