"""The advice engine's answers in French: recommendations, eligibility reports, routing to
advisers and the handover dossier. Every fact comes from the knowledge base and ends with
its source; every verdict is marked as an indication."""

from __future__ import annotations

from bot.core.advice.company import CompanyProfile, describe
from bot.core.advice.eligibility import (
    ELIGIBLE,
    FIELD_LABELS,
    NOT_ELIGIBLE,
    QUESTIONS,
    TO_CHECK,
    VERDICT_LABELS,
    Assessment,
)
from bot.core.advice.routing import clusters_for
from bot.core.replies import (
    _bullets,
    _join_names,
    cite,
    cited_message,
    follow_up_buttons,
    message,
    payload,
    programme_button,
)
from bot.knowledge.snapshot import KnowledgeBase

INDICATIVE = (
    "C'est une indication, pas une décision : seul l'opérateur confirme l'éligibilité, sur la base de votre dossier."
)
# The report's first line says what the verdict is about, the company's eligibility: a bare
# « Assurance Prospection : à vérifier » left the reader to guess what was to be checked.
# « a priori » and « reste à vérifier » carry the reserve that the INDICATIVE line spells out.
VERDICT_TITLES = {
    ELIGIBLE: "vous êtes éligible a priori",
    NOT_ELIGIBLE: "vous n'êtes pas éligible a priori",
    TO_CHECK: "votre éligibilité reste à vérifier",
}
ADVISER_BUTTON = {"title": "Parler à un conseiller", "payload": payload("request_adviser")}


def _operator(kb: KnowledgeBase, pid: str) -> str:
    return kb.name("organisation", kb.get("programme", pid)["operator"])


def recommendations(kb: KnowledgeBase, company: CompanyProfile, recommended: list) -> list:
    """The profile as understood, then one message per programme (why it fits, three
    buttons), then the pôles, the market and the adviser."""
    facts = describe(kb, company)
    intro = (
        ("D'après ce que vous m'avez dit :\n" + _bullets(facts)) if facts else "Sans information sur votre entreprise,"
    )
    if not recommended:
        return [
            message(
                intro + "\n\nJe n'ai trouvé aucun dispositif actif qui vous corresponde dans ma base. "
                "Un conseiller pourra étudier votre cas.",
                [ADVISER_BUTTON],
            )
        ]
    messages = [
        message(
            f"{intro}\n\nVoici les {len(recommended)} dispositifs qui vous correspondent le mieux, "
            "du plus adapté au moins adapté. C'est une première orientation, à confirmer auprès "
            "de chaque opérateur."
        )
    ]
    for rank, rec in enumerate(recommended, 1):
        programme = kb.get("programme", rec.programme_id)
        why = " ; ".join(rec.reasons) if rec.reasons else "classé d'après l'ensemble de votre profil"
        verdict = VERDICT_LABELS[rec.assessment.verdict]
        missing = rec.assessment.missing
        if missing:
            verdict += f" (il me manque {_join_names([FIELD_LABELS[m] for m in missing])})"
        text = (
            f"{rank}. {programme['name']} ({_operator(kb, rec.programme_id)})\n"
            f"Pourquoi : {why}.\nÉligibilité : {verdict}.\n{programme['summary']}"
        )
        messages.append(
            cited_message(
                [text, cite(programme)],
                [
                    {"title": "Détails", "payload": payload("ask_programme", programme=rec.programme_id)},
                    {"title": "Suis-je éligible ?", "payload": payload("ask_eligibility", programme=rec.programme_id)},
                    {"title": "Qui contacter ?", "payload": payload("ask_contact", programme=rec.programme_id)},
                ],
            )
        )
        # « le deuxième » picks the second programme, not the second button.
        messages[-1]["choices"] = [payload("ask_programme", programme=rec.programme_id)]
    messages.append(next_steps(kb, company))
    return messages


def next_steps(kb: KnowledgeBase, company: CompanyProfile) -> dict:
    """Pôles of the sector, the target market, an adviser."""
    parts, buttons = [], []
    clusters = clusters_for(kb, company.sector, company.region)[:3]
    if clusters:
        records = [kb.get("cluster", c) for c in clusters]
        lines = [f"{c['name']} ({', '.join(kb.name('region', r) for r in c['regions'])})" for c in records]
        parts += [
            "Pôles de compétitivité de votre secteur (leur offre internationale est sur leur fiche) :\n"
            + _bullets(lines),
            cite(records[0]),
        ]
        buttons += [{"title": c["name"], "payload": payload("ask_cluster", cluster=c["id"])} for c in records[:2]]
    if company.country:
        country = kb.get("country", company.country)
        buttons.append(
            {"title": f"Exporter {country['in_form']}", "payload": payload("ask_country", country=company.country)}
        )
    buttons.append(ADVISER_BUTTON)
    parts.append("Pour aller plus loin :")
    follow_up = cited_message(parts, buttons)
    follow_up["choices"] = []  # « le deuxième » still means the second programme
    return follow_up


def eligibility_report(kb: KnowledgeBase, assessment: Assessment, company: CompanyProfile) -> list:
    """Criterion by criterion, the verdict, what is missing, what would change it."""
    pid = assessment.programme_id
    programme = kb.get("programme", pid)
    parts = [f"{programme['name']} : {VERDICT_TITLES[assessment.verdict]}."]
    if assessment.checks:
        parts.append("\n".join(f"{c.status} {c.explanation}" for c in assessment.checks))
    else:
        parts.append(f"Ma fiche ne détaille pas de conditions d'éligibilité. En résumé : {programme['summary']}")
    if assessment.to_confirm and assessment.verdict != NOT_ELIGIBLE:
        parts.append("Les points marqués « ? » sont à vérifier avec l'opérateur.")
    if assessment.remedies:
        parts.append("Ce qui changerait la réponse : " + " ; ".join(assessment.remedies) + ".")
    parts.append(INDICATIVE.replace("l'opérateur", _operator(kb, pid)))
    parts.append(cite(programme))
    if assessment.missing:
        labels, questions = FIELD_LABELS, QUESTIONS
        if company.founded_year is not None:
            # The year was given and did not settle it: ask for what was not said, the month.
            year = company.founded_year
            labels = dict(labels, company_age="le mois de création de votre entreprise")
            questions = dict(
                questions,
                company_age=f"En quel mois de {year} votre entreprise a-t-elle été créée "
                f"(par exemple « mars {year} ») ?",
            )
        first = assessment.missing[0]
        parts.append(
            f"Pour conclure, il me manque : {_join_names([labels[m] for m in assessment.missing])}. {questions[first]}"
        )
    buttons = [] if kb.status("programme", programme) == "ended" else follow_up_buttons(pid, skip="ask_eligibility")
    if programme.get("successor"):
        buttons.insert(0, programme_button(kb, programme["successor"]))
    return [cited_message(parts, buttons)]


HANDOVER_OFFER = (
    "Voulez-vous que je prépare un dossier pour ce conseiller ? Il reprendrait votre profil, "
    "les dispositifs dont nous avons parlé avec leur éligibilité et vos questions restées sans "
    "réponse, pour qu'il n'ait pas à tout vous redemander. Rien n'est enregistré sans votre accord."
)


def handover_offer() -> dict:
    return message(
        HANDOVER_OFFER,
        [
            {"title": "Oui, préparer le dossier", "payload": payload("affirm")},
            {"title": "Non merci", "payload": payload("deny")},
        ],
    )


def handover_declined() -> list:
    return [message("Entendu : je n'ai rien enregistré. Les contacts ci-dessus restent à votre disposition.")]


def handover_cancelled() -> list:
    return [message("C'est annulé : aucun dossier n'a été enregistré.")]


def handover_stored(reference: str, draft, kb: KnowledgeBase) -> list:
    parts = [
        f"Votre dossier est enregistré sous la référence {reference}. Rappelez-la à votre conseiller. "
        "Voici ce qu'il contient :"
    ]
    facts = draft.profile["facts"]
    parts.append("Votre entreprise :\n" + (_bullets(facts) if facts else "• (aucune information donnée)"))
    if draft.programmes:
        parts.append("Dispositifs évoqués :\n" + _bullets(f"{p['name']} : {p['verdict']}" for p in draft.programmes))
    if draft.open_questions:
        parts.append("Questions restées sans réponse :\n" + _bullets(f"« {q} »" for q in draft.open_questions))
    contact = draft.contact
    if contact:
        given = [v for v in (contact.get("name"), contact.get("email"), contact.get("phone")) if v]
        parts.append("Pour vous recontacter : " + ", ".join(given))
    else:
        parts.append("Vous n'avez pas laissé de coordonnées : contactez le conseiller avec la référence.")
    parts.append("Vous pouvez demander la suppression de ce dossier à tout moment en citant sa référence.")
    return [message("\n\n".join(parts))]


def handover_unavailable() -> list:
    return [
        message(
            "Désolé, je n'ai pas pu enregistrer votre dossier (base de données indisponible). "
            "Les contacts ci-dessus restent valables ; réessayez plus tard si vous le souhaitez."
        )
    ]


def need_question(kb: KnowledgeBase) -> list:
    """The needs of knowledge/editorial.yml as buttons; any other obstacle can be typed."""
    buttons = [
        {"title": kb.name("obstacle", obstacle_id), "payload": payload("inform_company", obstacle=obstacle_id)}
        for obstacle_id in kb.editorial.need_choices
        if kb.get("obstacle", obstacle_id)
    ]
    return [
        message(
            "Quel est votre besoin principal pour ce projet ? Je classe les dispositifs d'abord selon "
            "lui. Choisissez ou écrivez-le en quelques mots.",
            buttons,
        )
    ]
