"""`valid_until` decides the status shown and used: the stored status up to the date, « expired »
after it, with the clock frozen on both sides (KnowledgeBase.at)."""

from __future__ import annotations

import copy
import datetime as dt
import itertools

import pytest

from bot.core import replies
from bot.core.advice import eligibility, finder
from bot.core.advice.company import CompanyProfile
from bot.knowledge import store
from bot.knowledge.snapshot import KnowledgeBase
from bot.knowledge.validation import EXPIRED, read_knowledge
from bot.knowledge.validity import effective_status, validity_sentence

UNTIL = dt.date(2026, 12, 31)
BEFORE, ON, AFTER = dt.date(2026, 12, 6), UNTIL, dt.date(2027, 1, 1)


def test_effective_status_on_both_sides_of_the_date():
    record = {"status": "active", "valid_until": UNTIL}
    assert effective_status(record, BEFORE) == "active"
    assert effective_status(record, ON) == "active"
    assert effective_status(record, AFTER) == EXPIRED
    assert effective_status({"status": "paused", "valid_until": UNTIL}, AFTER) == EXPIRED
    assert effective_status({"status": "active"}, AFTER) == "active"
    # An ended record stays ended: its own end date says more.
    ended = {"status": "ended", "ended_on": dt.date(2024, 1, 1), "valid_until": UNTIL}
    assert effective_status(ended, AFTER) == "ended"


def test_validity_sentence_never_says_active_after_the_date():
    pole = {"status": "active", "valid_until": UNTIL}
    assert validity_sentence("cluster", pole, BEFORE) == "Labellisé jusqu'au 31 décembre 2026."
    after = validity_sentence("cluster", pole, AFTER)
    assert "labellisé jusqu'au 31 décembre 2026 ; la suite n'est pas confirmée dans nos sources" in after.lower()
    assert "actif" not in after
    assert "la suite n'est pas confirmée" in validity_sentence("programme", pole, AFTER)
    assert validity_sentence("cluster", {"status": "active"}, AFTER) == ""


@pytest.fixture(scope="module")
def dated_kb(kb):
    """The real knowledge base, with a validity date on Assurance Prospection."""
    records = copy.deepcopy(kb.records)
    records["programme"]["assurance-prospection"]["valid_until"] = UNTIL
    return KnowledgeBase(records)


def test_every_phase_v_pole_has_a_validity_date(dataset):
    for rid, cluster in dataset.records["cluster"].items():
        if cluster.get("phase_v") and cluster["status"] != "ended":
            assert cluster.get("valid_until") in (dt.date(2023, 12, 31), dt.date(2024, 12, 31), UNTIL), rid


def test_short_labels_are_handled_alike(kb):
    """The pôles labelled for two years (one for Materalia) with no prolongation found are
    stored active and expire at the end of their label: none is shown as current today."""
    short = [c for c in kb.all("cluster") if c.get("valid_until") and c["valid_until"] < UNTIL]
    assert {c["id"] for c in short} >= {"astech-paris-region", "euramaterials", "fibres-energivie", "team2"}
    for cluster in short:
        assert cluster["status"] == "active"
        assert kb.at(BEFORE).status("cluster", cluster) == EXPIRED
        text = replies.cluster_info(kb.at(BEFORE), cluster["id"])[0]["text"]
        assert "la suite n'est pas confirmée dans nos sources" in text
        assert kb.at(cluster["valid_until"]).status("cluster", cluster) == "active"


def test_cluster_reply_on_both_sides_of_its_label(kb):
    before = replies.cluster_info(kb.at(BEFORE), "aerospace-valley")[0]["text"]
    after = replies.cluster_info(kb.at(AFTER), "aerospace-valley")[0]["text"]
    assert "Labellisé jusqu'au 31 décembre 2026." in before
    assert "Labellisé jusqu'au 31 décembre 2026 ; la suite n'est pas confirmée dans nos sources" in after


def test_expired_pole_listed_last_and_marked(kb):
    sector = "materiaux"
    text = replies.clusters_for_sector(kb.at(BEFORE), sector)[0]["text"]
    lines = [line for line in text.splitlines() if line.startswith("• ")]
    marked = [i for i, line in enumerate(lines) if "suite non confirmée" in line]
    assert marked and marked == list(range(len(lines) - len(marked), len(lines)))


def test_programme_answers_after_its_date(dated_kb):
    after = dated_kb.at(AFTER)
    status = replies.programme_status(after, "assurance-prospection")[0]["text"]
    assert "est ouvert" not in status and "actif" not in status
    assert "Annoncé jusqu'au 31 décembre 2026 ; la suite n'est pas confirmée" in status
    details = replies.programme_details(after, "assurance-prospection")[0]["text"]
    assert "la suite n'est pas confirmée" in details
    before = replies.programme_status(dated_kb.at(BEFORE), "assurance-prospection")[0]["text"]
    assert "est ouvert" in before


def test_eligibility_never_says_eligible_after_the_date(dated_kb):
    company = CompanyProfile(
        age_months=48,
        balance_sheet_closed=True,
        revenue=2_000_000,
        headcount=20,
        region="bretagne",
        country="jp",
        sector="agroalimentaire",
    )
    before = eligibility.assess(dated_kb.at(BEFORE), "assurance-prospection", company)
    after = eligibility.assess(dated_kb.at(AFTER), "assurance-prospection", company)
    assert before.verdict == eligibility.ELIGIBLE
    assert after.verdict == eligibility.TO_CHECK
    assert after.checks[0].criterion == "status" and "31 décembre 2026" in after.checks[0].explanation


PROFILES = [
    CompanyProfile(
        need=need,
        region=region,
        age_months=60,
        balance_sheet_closed=True,
        revenue=3_000_000,
        headcount=25,
        country="us",
        export_experience=experience,
    )
    for need, region, experience in itertools.product(
        ("financement", "choix-marche", "recrutement", "risque-paiement", "salons"),
        ("bretagne", "occitanie", "ile-de-france"),
        ("aucune", "reguliere"),
    )
]


def test_finder_recommends_only_active_programmes(kb):
    for company in PROFILES:
        for rec in finder.recommend(kb, company, limit=20):
            assert kb.status("programme", rec.programme_id) == "active", (company, rec.programme_id)


def test_finder_never_recommends_an_unconfirmed_programme(kb):
    """The « prêt de développement export » is probably defunct: never recommended, even
    to a company whose need it would match."""
    assert kb.status("programme", "pret-developpement-export") == "unconfirmed"
    company = PROFILES[0]
    assert finder.score_programme(kb, kb.get("programme", "pret-developpement-export"), company) is None


def test_finder_drops_a_programme_after_its_date(dated_kb):
    company = CompanyProfile(
        need="financement",
        region="bretagne",
        age_months=60,
        balance_sheet_closed=True,
        revenue=3_000_000,
        headcount=25,
        country="us",
    )
    programme = dated_kb.get("programme", "assurance-prospection")
    assert finder.score_programme(dated_kb.at(BEFORE), programme, company) is not None
    assert finder.score_programme(dated_kb.at(AFTER), programme, company) is None
    assert "assurance-prospection" not in [r.programme_id for r in finder.recommend(dated_kb.at(AFTER), company, 20)]


def test_valid_until_is_validated_and_stored(tmp_path):
    import shutil

    from bot.config import settings
    from bot.knowledge.validation import KnowledgeError

    root = tmp_path / "knowledge"
    shutil.copytree(settings.KNOWLEDGE_DIR, root)
    path = root / "sectors.yml"
    text = path.read_text(encoding="utf-8")
    first = text.index("\n  status: ") + 1
    path.write_text(text[:first] + "  valid_until: 31/12/2026\n" + text[first:], encoding="utf-8")
    with pytest.raises(KnowledgeError, match="valid_until.*AAAA-MM-JJ"):
        read_knowledge(root)
    path.write_text(text[:first] + "  valid_until: 2026-12-31\n" + text[first:], encoding="utf-8")
    dataset = read_knowledge(root)
    dated = [rid for rid, r in dataset.records["sector"].items() if r.get("valid_until") == UNTIL]
    assert len(dated) == 1
    engine = store.make_engine("sqlite://")
    store.load(dataset, engine)
    records = store.read_records(engine)
    assert records["sector"][dated[0]]["valid_until"] == UNTIL
    assert records["cluster"]["team2"]["valid_until"] == dt.date(2024, 12, 31)
