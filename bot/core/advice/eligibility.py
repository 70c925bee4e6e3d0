"""A programme's eligibility criteria checked one by one against the company's profile.

Each criterion of knowledge/ gives ✔ (met), ✘ (not met) or ? (cannot tell: a profile value
is missing, or the criterion cannot be checked automatically). The overall verdict is only
indicative: the operator decides, and every answer says so with the official source.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.core.advice.company import CompanyProfile
from bot.core.quantities import format_age, format_euros
from bot.core.replies import country_subject
from bot.knowledge.snapshot import KnowledgeBase
from bot.knowledge.validation import EXPIRED
from bot.knowledge.validity import french_date

MET, NOT_MET, UNKNOWN = "✔", "✘", "?"
ELIGIBLE, NOT_ELIGIBLE, TO_CHECK = "eligible", "non_eligible", "a_verifier"
VERDICT_LABELS = {ELIGIBLE: "éligible a priori", NOT_ELIGIBLE: "non éligible", TO_CHECK: "à vérifier"}
# The profile questions, as the eligibility answer asks them.
QUESTIONS = {
    "sector": "Quel est votre secteur d'activité ?",
    "region": "Dans quelle Région, quel département ou quelle ville votre entreprise est-elle installée ?",
    "headcount": "Combien de salariés compte votre entreprise ?",
    "revenue": "Quel est votre chiffre d'affaires annuel ?",
    "company_age": "Depuis quand votre entreprise existe-t-elle ?",
    "first_balance_sheet": "Avez-vous clôturé votre premier bilan de 12 mois ?",
    "country": "Quel pays visez-vous ?",
}
FIELD_LABELS = {
    "sector": "votre secteur",
    "region": "votre Région",
    "headcount": "votre effectif",
    "revenue": "votre chiffre d'affaires",
    "company_age": "l'âge de l'entreprise",
    "first_balance_sheet": "la clôture de votre premier bilan",
    "country": "le pays visé",
}


@dataclass(frozen=True)
class Check:
    status: str
    explanation: str
    missing: str | None = None  # the profile slot that would decide it
    remedy: str | None = None  # what would make the company meet it
    criterion: str = ""  # the knowledge-base criterion kind, « status » for the programme's


@dataclass(frozen=True)
class Assessment:
    programme_id: str
    checks: tuple
    verdict: str

    @property
    def missing(self) -> list:
        return list(dict.fromkeys(c.missing for c in self.checks if c.status == UNKNOWN and c.missing))

    @property
    def remedies(self) -> list:
        return list(dict.fromkeys(c.remedy for c in self.checks if c.status == NOT_MET and c.remedy))

    @property
    def to_confirm(self) -> list:
        """Criteria no profile answers: the company checks them with the operator."""
        return [c for c in self.checks if c.status == UNKNOWN and not c.missing]


def _months(count: int) -> str:
    return format_age(count) if count >= 12 else f"{count} mois"


def _number(value: float) -> int:
    return int(value)


def _threshold(
    actual, limit, minimum: bool, missing: str, subject: str, yours: str, limit_text: str, remedy: str | None = None
) -> Check:
    """A number against a floor or a ceiling, the limit itself included."""
    if actual is None:
        return Check(UNKNOWN, "", missing)
    if minimum:
        if actual >= limit:
            return Check(MET, f"{subject} ({yours}) atteint le minimum de {limit_text}.")
        return Check(NOT_MET, f"{subject} ({yours}) est sous le minimum de {limit_text}.", remedy=remedy)
    if actual <= limit:
        return Check(MET, f"{subject} ({yours}) ne dépasse pas le plafond de {limit_text}.")
    return Check(NOT_MET, f"{subject} ({yours}) dépasse le plafond de {limit_text}.")


def _revenue(value, company: CompanyProfile, minimum: bool) -> Check:
    limit = format_euros(_number(value))
    yours = format_euros(company.revenue) if company.revenue is not None else ""
    return _threshold(
        company.revenue,
        value,
        minimum,
        "revenue",
        "Votre chiffre d'affaires",
        yours,
        limit,
        remedy=f"quand votre chiffre d'affaires atteindra {limit}",
    )


def _headcount(value, company: CompanyProfile, minimum: bool) -> Check:
    limit = _number(value)
    count = company.headcount
    yours = f"{count} salarié{'s' if count > 1 else ''}" if count is not None else ""
    return _threshold(
        count,
        limit,
        minimum,
        "headcount",
        "Votre effectif",
        yours,
        f"{limit} salariés",
        remedy=f"à partir de {limit} salariés",
    )


def _age(value, company: CompanyProfile) -> Check:
    needed = _number(value)
    bounds = company.age_bounds()
    if bounds is None:
        return Check(UNKNOWN, "", "company_age")
    least, most = bounds
    yours = company.age_text()
    if least >= needed:
        return Check(MET, f"Votre entreprise a {yours} : l'ancienneté minimale de {_months(needed)} est atteinte.")
    if most >= needed:
        # A year alone: the month of creation decides, and the user may say it.
        return Check(
            UNKNOWN,
            f"La vôtre a {yours} : cela dépend du mois de sa création.",
            "company_age",
        )
    wait = needed - most
    return Check(
        NOT_MET,
        f"Votre entreprise a {yours} ; il faut {_months(needed)} d'existence.",
        remedy=f"dans {_months(wait)}{' au plus tôt' if least < most else ''}, quand votre entreprise aura "
        f"{_months(needed)}",
    )


def _balance_sheet(company: CompanyProfile) -> Check:
    if company.balance_sheet_closed is True:
        return Check(MET, "Vous avez clôturé un premier bilan de 12 mois.")
    if company.balance_sheet_closed is False:
        return Check(
            NOT_MET,
            "Vous n'avez pas encore clôturé de bilan de 12 mois.",
            remedy="après la clôture de votre premier bilan de 12 mois",
        )
    bounds = company.age_bounds()
    if bounds is None:
        return Check(UNKNOWN, "", "company_age")
    least, most = bounds
    if most < 12:
        return Check(
            NOT_MET,
            f"Votre entreprise a {company.age_text()} : elle n'a pas encore pu clôturer un bilan de 12 mois.",
            remedy=f"après la clôture de votre premier bilan de 12 mois, soit dans {_months(12 - most)} au plus tôt",
        )
    if least >= 24:
        return Check(
            MET,
            f"Votre entreprise a {company.age_text()} : un premier bilan de 12 mois est normalement clôturé.",
        )
    return Check(UNKNOWN, "", "first_balance_sheet")


def _french(kb: KnowledgeBase, company: CompanyProfile) -> Check:
    if company.region:
        return Check(MET, f"Votre entreprise est implantée en France (Région {kb.name('region', company.region)}).")
    return Check(UNKNOWN, "", "region")


def _regions(kb: KnowledgeBase, value, company: CompanyProfile) -> Check:
    names = ", ".join(kb.name("region", r) for r in value)
    if company.region is None:
        return Check(UNKNOWN, "", "region")
    if company.region in value:
        return Check(MET, f"Votre entreprise est implantée en Région {kb.name('region', company.region)}.")
    return Check(
        NOT_MET,
        f"Réservé aux entreprises implantées en Région {names} ; la vôtre est en {kb.name('region', company.region)}.",
    )


def _sectors(kb: KnowledgeBase, value, company: CompanyProfile) -> Check:
    if company.sector is None:
        return Check(UNKNOWN, "", "sector")
    if company.sector in value:
        return Check(NOT_MET, f"Votre secteur ({kb.name('sector', company.sector)}) fait partie des secteurs exclus.")
    return Check(MET, f"Votre secteur ({kb.name('sector', company.sector)}) n'est pas exclu.")


def _verb(subject: str, singular: str, plural: str) -> str:
    """« Les États-Unis sont », « Le Canada est »."""
    return plural if subject.startswith("Les ") else singular


def _outside_eu(kb: KnowledgeBase, company: CompanyProfile) -> Check:
    if company.country:
        country = kb.get("country", company.country)
        if country["eu_member"]:
            return Check(
                NOT_MET,
                f"Le dispositif vise les marchés hors de l'Union européenne ; {country['name']} en est membre.",
                remedy="pour un projet vers un pays hors de l'Union européenne",
            )
        subject = country_subject(country)
        return Check(MET, f"{subject} {_verb(subject, 'est', 'sont')} hors de l'Union européenne.")
    if company.zone and company.zone != "Europe":
        return Check(MET, f"La zone visée ({company.zone}) est hors de l'Union européenne.")
    return Check(UNKNOWN, "", "country")


def _excluded_countries(kb: KnowledgeBase, value, company: CompanyProfile) -> Check:
    """Countries the programme is known not to serve. Any other country is not thereby
    eligible (the FASEP's list changes every year): the operator confirms it."""
    if company.country:
        if company.country in value:
            subject = country_subject(kb.get("country", company.country))
            verb = _verb(subject, "fait", "font")
            return Check(
                NOT_MET, f"{subject} ne {verb} pas partie des pays éligibles à ce dispositif selon mes sources."
            )
        return Check(UNKNOWN, "")
    zone = [c["id"] for c in kb.all("country") if c.get("zone") == company.zone] if company.zone else []
    if zone and set(zone) <= set(value):
        return Check(NOT_MET, f"Les pays de la zone visée ({company.zone}) ne sont pas éligibles à ce dispositif.")
    return Check(UNKNOWN, "", None if zone else "country")


def check_criterion(kb: KnowledgeBase, criterion: dict, company: CompanyProfile) -> Check:
    kind, value = criterion["criterion"], criterion["value"]
    if kind == "max_revenue_eur":
        return _revenue(value, company, minimum=False)
    if kind == "min_revenue_eur":
        return _revenue(value, company, minimum=True)
    if kind == "max_headcount":
        return _headcount(value, company, minimum=False)
    if kind == "min_headcount":
        return _headcount(value, company, minimum=True)
    if kind == "min_company_age_months":
        return _age(value, company)
    if kind == "first_balance_sheet_closed":
        return _balance_sheet(company)
    if kind == "french_company":
        return _french(kb, company)
    if kind == "located_in_regions":
        return _regions(kb, value, company)
    if kind == "excluded_sectors":
        return _sectors(kb, value, company)
    if kind == "target_outside_eu":
        return _outside_eu(kb, company)
    if kind == "excluded_target_countries":
        return _excluded_countries(kb, value, company)
    return Check(UNKNOWN, "")


def _status_check(kb: KnowledgeBase, programme: dict) -> Check | None:
    status = kb.status("programme", programme)
    if status == "ended":
        successor = programme.get("successor")
        return Check(
            NOT_MET,
            f"Ce dispositif est terminé depuis le {french_date(programme['ended_on'])}.",
            remedy=f"voyez plutôt : {kb.name('programme', successor)}" if successor else None,
            criterion="status",
        )
    if status == "paused":
        return Check(NOT_MET, "Ce dispositif est actuellement suspendu.", criterion="status")
    if status in (EXPIRED, "unconfirmed"):
        # Not a « no »: nobody knows whether it is still offered, so never « éligible ».
        until = programme.get("valid_until")
        text = (
            f"Ce dispositif était annoncé jusqu'au {french_date(until)} ; la suite n'est pas confirmée "
            "dans nos sources."
            if status == EXPIRED
            else "Je n'ai pas pu confirmer que ce dispositif est toujours proposé."
        )
        return Check(UNKNOWN, text, criterion="status")
    return None


def assess(kb: KnowledgeBase, pid: str, company: CompanyProfile) -> Assessment:
    programme = kb.get("programme", pid)
    checks = []
    for criterion in programme.get("eligibility", []):
        check = replace(check_criterion(kb, criterion, company), criterion=criterion["criterion"])
        if check.status == UNKNOWN:
            # Undecided: the criterion in the knowledge base's own words, then why it is
            # undecided when a value was given (a year of creation without its month).
            check = replace(check, explanation=" ".join(filter(None, (criterion["label"], check.explanation))))
        checks.append(check)
    status = _status_check(kb, programme)
    if status:
        checks.insert(0, status)
    if any(c.status == NOT_MET for c in checks):
        verdict = NOT_ELIGIBLE
    elif (
        not programme.get("eligibility")
        or any(c.status == UNKNOWN and c.missing for c in checks)
        or (status and status.status == UNKNOWN)
    ):
        # No criteria in our record is no proof of eligibility.
        verdict = TO_CHECK
    else:
        verdict = ELIGIBLE
    return Assessment(pid, tuple(checks), verdict)
