"""Ranks the programmes by fit to the company: its main need, its eligibility, where it is,
where it wants to sell, how used to exporting it is. Only programmes whose status today is
« active » are recommended: never an ended, suspended or expired one (past its
`valid_until`), nor an unconfirmed one (often a programme that quietly disappeared, like the
« prêt de développement export »); nor one the company is not eligible to."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.advice.company import CompanyProfile
from bot.core.advice.eligibility import ELIGIBLE, MET, NOT_ELIGIBLE, TO_CHECK, Assessment, assess
from bot.knowledge.snapshot import KnowledgeBase

# Weights of the fit. The need dominates: a programme for another need is a poor answer
# however eligible the company is.
NEED_MATCH = 3.0
NEED_FIRST = 0.5  # the need is the programme's main obstacle
# The obstacle's own list of programmes (knowledge/obstacles.yml) is ordered by relevance:
# the first gets this bonus, each next one a tenth less.
CURATED = 1.0
CURATED_STEP = 0.1
ELIGIBLE_BONUS = 2.0
# A profile value not given yet is no evidence against a programme: it costs a little (what
# the finder can confirm comes first), never the whole bonus, or a record with few checkable
# criteria (« éligible a priori » on nothing) would outrank a well-described one.
MISSING_PENALTY = 0.2  # per profile value still needed to decide
# A record without any criterion proves nothing either way.
TO_CHECK_BONUS = 1.0
OWN_REGION = 1.5
NATIONAL = 0.5
TARGET_OUTSIDE_EU = 0.5
FIRST_EXPORT_KINDS = ("accompagnement", "formation", "reseau", "outil")
FIRST_EXPORT = 1.0
FINANCE_KINDS = ("assurance", "garantie", "pret", "subvention")
EXPERIENCED = 0.5
# The only status the finder recommends (bot/knowledge/validity.py computes it).
RECOMMENDABLE = ("active",)
# Formalities (REX, EUR.1, carnet ATA…) answer a customs question, not a company's plan.
FORMALITY_KINDS = ("formalite", "statut")
FORMALITY_OFF_TOPIC = -2.0
RECOMMENDED = 5


@dataclass(frozen=True)
class Recommendation:
    programme_id: str
    score: float
    reasons: tuple
    assessment: Assessment


def _need_matches(kb: KnowledgeBase, programme: dict, need: str) -> bool:
    obstacle = kb.get("obstacle", need) or {}
    return need in programme["obstacles"] or programme["id"] in obstacle.get("programmes", [])


def _need_score(kb: KnowledgeBase, programme: dict, need: str) -> float:
    """How well the programme answers the need: 0 when it does not."""
    if not _need_matches(kb, programme, need):
        return 0.0
    score = NEED_MATCH + (NEED_FIRST if programme["obstacles"][:1] == [need] else 0)
    curated = (kb.get("obstacle", need) or {}).get("programmes", [])
    if programme["id"] in curated:
        score += max(0.0, CURATED - CURATED_STEP * curated.index(programme["id"]))
    return score


def _usual_needs_score(kb: KnowledgeBase, programme: dict) -> float:
    """Without a stated need, the fit averaged over the needs a company starting to export
    most often has (the need question's choices): a programme that answers several of them,
    high in their own lists, comes before a niche one, whatever the number of its criteria."""
    needs = kb.editorial.need_choices
    return sum(_need_score(kb, programme, need) for need in needs) / len(needs) if needs else 0.0


def score_programme(kb: KnowledgeBase, programme: dict, company: CompanyProfile):
    """(score, reasons, assessment), or None when the programme must not be recommended."""
    if kb.status("programme", programme) not in RECOMMENDABLE:
        return None
    regional = programme["scope"] == "regional"
    if regional and company.region not in programme.get("regions", []):
        return None
    assessment = assess(kb, programme["id"], company)
    if assessment.verdict == NOT_ELIGIBLE:
        return None
    score, reasons = 0.0, []
    if company.need:
        need_score = _need_score(kb, programme, company.need)
        if need_score:
            score += need_score
            reasons.append(f"répond à votre besoin : {kb.name('obstacle', company.need).lower()}")
        elif programme["kind"] in FORMALITY_KINDS:
            score += FORMALITY_OFF_TOPIC
    else:
        score += _usual_needs_score(kb, programme)
        usual = sum(1 for n in kb.editorial.need_choices if _need_matches(kb, programme, n))
        if usual > 1:
            reasons.append(f"répond à {usual} des besoins les plus fréquents à l'export")
        elif usual:
            reasons.append("répond à l'un des besoins les plus fréquents à l'export")
    if assessment.verdict == ELIGIBLE:
        score += ELIGIBLE_BONUS
        reasons.append("vous semblez remplir ses conditions")
    elif assessment.verdict == TO_CHECK and assessment.missing:
        score += ELIGIBLE_BONUS - MISSING_PENALTY * len(assessment.missing)
    elif assessment.verdict == TO_CHECK:
        score += TO_CHECK_BONUS
    if regional:
        score += OWN_REGION
        reasons.append(f"aide de votre Région ({kb.name('region', company.region)})")
    elif programme["scope"] == "national":
        score += NATIONAL
    if any(c.criterion == "target_outside_eu" and c.status == MET for c in assessment.checks):
        score += TARGET_OUTSIDE_EU
        reasons.append("conçu pour les marchés hors Union européenne")
    if company.export_experience == "aucune" and programme["kind"] in FIRST_EXPORT_KINDS:
        score += FIRST_EXPORT
        reasons.append("adapté à un premier export")
    elif company.export_experience == "reguliere" and programme["kind"] in FINANCE_KINDS:
        score += EXPERIENCED
    return round(score, 2), tuple(reasons), assessment


def recommend(kb: KnowledgeBase, company: CompanyProfile, limit: int | None = RECOMMENDED) -> list:
    """The best `limit` programmes for the company (all of them for None), best first (ties by name)."""
    ranked = []
    for programme in kb.all("programme"):
        scored = score_programme(kb, programme, company)
        if scored is not None:
            score, reasons, assessment = scored
            ranked.append(Recommendation(programme["id"], score, reasons, assessment))
    ranked.sort(key=lambda r: (-r.score, kb.name("programme", r.programme_id)))
    return ranked[:limit]
