"""Every answer the assistant builds from the knowledge base, rendered in French.

Each function returns a list of messages (`{"text": …, "buttons": […]}`), the shape Rasa's
dispatcher and every channel accept. Every message that states a fact from knowledge/
ends with its source and the day it was checked, built by `cited_message`: the text shows
the short sentence, the metadata carries every source in full.
"""

from __future__ import annotations

import json

from bot.core import citations, passages
from bot.core.advice.routing import clusters_for, contacts_for
from bot.core.text import fold
from bot.knowledge.snapshot import KnowledgeBase
from bot.knowledge.validation import EXPIRED
from bot.knowledge.validity import MONTHS, french_date, validity_sentence  # noqa: F401 - re-exported

MAX_BULLETS = 4


def cite(record: dict, limit: int = 2) -> citations.Citation:
    """The record's sources, the sentence listing its first `limit`: « Source : url (vérifié
    le …) », with the page's own date when known and « non officielle » when no source is
    primary (bot/core/citations.py)."""
    return citations.of_record(record, limit)


def contacts_record(region: dict, with_map: bool = False) -> dict:
    """The Région as its contacts' replies cite it: the pages about its contacts, not the
    ones that only back its list of départements (`about: departements`), unless the reply
    also says which Région a département belongs to (`with_map`)."""
    contacts = [s for s in region["sources"] if s.get("about") != "departements"]
    geography = [s for s in region["sources"] if s.get("about") == "departements"][:1] if with_map else []
    return dict(region, sources=(contacts + geography) or region["sources"])


def payload(intent: str, **entities) -> str:
    if not entities:
        return f"/{intent}"
    return f"/{intent}{json.dumps(entities, ensure_ascii=False, separators=(',', ':'))}"


def message(text: str, buttons=None) -> dict:
    out = {"text": text}
    if buttons:
        out["buttons"] = buttons
    return out


def cited_message(parts: list, buttons=None) -> dict:
    """A message from its paragraphs, in which a Citation stands for its sentence: the text
    shows the sentence, the metadata (`citations.SOURCES_KEY`) holds each citation in full.
    Both come from the same citations, here, so that the text and the data cannot disagree.
    Empty paragraphs are left out."""
    cited = [part for part in parts if isinstance(part, citations.Citation)]
    text = "\n\n".join(citations.render(p) if isinstance(p, citations.Citation) else p for p in parts if p)
    out = message(text, buttons)
    if cited:
        out["metadata"] = {citations.SOURCES_KEY: [c.as_json() for c in cited]}
    return out


# The intent that shows a record's card, by kind of record (its entity has the kind's name).
CARD_INTENTS = {
    "programme": "ask_programme",
    "obstacle": "ask_obstacle",
    "organisation": "ask_organisation",
    "country": "ask_country",
    "region": "ask_region_support",
    "cluster": "ask_cluster",
}


def card_button(kb: KnowledgeBase, kind: str, rid: str) -> dict:
    """A button, titled with the record's name, that asks for its card."""
    return {"title": kb.name(kind, rid), "payload": payload(CARD_INTENTS[kind], **{kind: rid})}


def programme_button(kb: KnowledgeBase, pid: str) -> dict:
    return card_button(kb, "programme", pid)


def obstacle_button(kb: KnowledgeBase, obstacle_id: str) -> dict:
    return card_button(kb, "obstacle", obstacle_id)


def cluster_button(kb: KnowledgeBase, pole_id: str) -> dict:
    return card_button(kb, "cluster", pole_id)


def _bullets(items) -> str:
    return "\n".join(f"• {item}" for item in items)


def asked_first(points: list, question: str = "") -> list:
    """The points of a list in knowledge/'s order, except that the one answering the question
    (its cost, its duration: bot/core/passages.py) moves to the top. A point stands alone, so
    it moves rather than being repeated in an « En bref : » line above the list as a FAQ
    answer's sentence is: that sentence is repeated because the answer's sentences refer to
    each other and stay whole, in order; a point can leave its place without loss, and the
    list stays as short."""
    found = passages.answering_point(question, points)
    return points if found is None else [points[found], *points[:found], *points[found + 1 :]]


def _join_names(names: list) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " et " + names[-1]


# --- programmes ---------------------------------------------------------------------------


def programme_details(kb: KnowledgeBase, pid: str, question: str = "") -> list:
    programme = kb.get("programme", pid)
    operator = kb.name("organisation", programme["operator"])
    status = kb.status("programme", programme)
    parts = [f"{programme['name']} ({operator})", _status_warning(kb, programme)]
    if status == "unconfirmed":
        parts.append(
            "⚠️ Les informations sur ce dispositif n'ont pas pu être toutes confirmées : vérifiez auprès de l'opérateur."
        )
    elif status != EXPIRED:
        parts.append(validity_sentence("programme", programme, kb.today()))
    parts.append(programme["summary"])
    if programme.get("amounts"):
        parts.append("En bref :\n" + _bullets(asked_first(programme["amounts"], question)[:MAX_BULLETS]))
    if programme.get("eligibility"):
        labels = asked_first([c["label"] for c in programme["eligibility"]], question)
        parts.append("Pour qui :\n" + _bullets(labels[:MAX_BULLETS]))
    if status != "ended":
        parts.append(f"Comment faire : {programme['how_to_apply']}")
    parts.append(cite(programme))
    buttons = []
    if programme.get("successor"):
        buttons.append(programme_button(kb, programme["successor"]))
    if status != "ended":
        buttons += follow_up_buttons(pid)
    return [cited_message(parts, buttons)]


# The questions a user asks next about a programme, as buttons that carry its id.
FOLLOW_UPS = (
    ("Suis-je éligible ?", "ask_eligibility"),
    ("Combien ?", "ask_amount"),
    ("Comment faire la demande ?", "ask_how_to_apply"),
    ("Qui contacter ?", "ask_contact"),
)


def follow_up_buttons(pid: str, skip: str = "") -> list:
    return [
        {"title": title, "payload": payload(intent, programme=pid)} for title, intent in FOLLOW_UPS if intent != skip
    ]


def _status_warning(kb: KnowledgeBase, programme: dict) -> str:
    status = kb.status("programme", programme)
    if status == "ended":
        text = f"⚠️ {programme['name']} est terminé depuis le {french_date(programme['ended_on'])}."
        if programme.get("successor"):
            text += f" Il a été remplacé par : {kb.name('programme', programme['successor'])}."
        return text
    if status == "paused":
        return f"⚠️ {programme['name']} est actuellement suspendu."
    if status == EXPIRED:
        return f"{programme['name']} : {validity_sentence('programme', programme, kb.today())}"
    return ""


def programme_eligibility(kb: KnowledgeBase, pid: str, question: str = "") -> list:
    programme = kb.get("programme", pid)
    operator = kb.name("organisation", programme["operator"])
    parts = [_status_warning(kb, programme)]
    if programme.get("eligibility"):
        parts.append(
            f"{programme['name']} : les conditions à remplir\n"
            + _bullets(asked_first([c["label"] for c in programme["eligibility"]], question))
        )
        parts.append(
            f"C'est une indication : l'éligibilité est confirmée par {operator} lors de l'étude de votre dossier."
        )
    else:
        parts.append(
            f"Ma fiche sur {programme['name']} ne détaille pas de conditions d'éligibilité. "
            f"En résumé : {programme['summary']}"
        )
        parts.append(f"Pour savoir si votre entreprise est concernée, renseignez-vous auprès de {operator}.")
    parts.append(cite(programme))
    return [cited_message(parts, follow_up_buttons(pid, skip="ask_eligibility"))]


def programme_amounts(kb: KnowledgeBase, pid: str, question: str = "") -> list:
    programme = kb.get("programme", pid)
    parts = [_status_warning(kb, programme)]
    if programme.get("amounts"):
        parts.append(
            f"{programme['name']} : montants, taux et durées\n" + _bullets(asked_first(programme["amounts"], question))
        )
    else:
        parts.append(
            f"Ma fiche sur {programme['name']} ne donne pas de montant chiffré. En résumé : {programme['summary']}"
        )
    parts.append(cite(programme))
    return [cited_message(parts, follow_up_buttons(pid, skip="ask_amount"))]


def programme_how_to_apply(kb: KnowledgeBase, pid: str, question: str = "") -> list:
    programme = kb.get("programme", pid)
    parts = [_status_warning(kb, programme)]
    if kb.status("programme", programme) == "ended":
        parts.append("Il n'est donc plus possible d'en faire la demande.")
    else:
        parts.append(f"{programme['name']} : comment faire\n{programme['how_to_apply']}")
        if programme.get("contact"):
            parts.append(f"Page pour déposer la demande ou se renseigner : {programme['contact']}")
    parts.append(cite(programme))
    buttons = (
        [programme_button(kb, programme["successor"])]
        if programme.get("successor")
        else follow_up_buttons(pid, skip="ask_how_to_apply")
    )
    return [cited_message(parts, buttons)]


STATUS_TEXT = {
    "active": "est ouvert : il était proposé à la date de vérification de ma fiche.",
    "paused": "est suspendu pour le moment.",
    "unconfirmed": "figure dans ma base, mais je n'ai pas pu confirmer qu'il est toujours proposé : "
    "vérifiez auprès de l'opérateur.",
}


def programme_status(kb: KnowledgeBase, pid: str, question: str = "") -> list:
    programme = kb.get("programme", pid)
    status = kb.status("programme", programme)
    if status in ("ended", EXPIRED):
        # Past its validity, a programme is never said to be open.
        text = _status_warning(kb, programme)
        buttons = [programme_button(kb, programme["successor"])] if programme.get("successor") else []
    else:
        text = f"{programme['name']} {STATUS_TEXT[status]}"
        buttons = follow_up_buttons(pid)
    return [cited_message([text, cite(programme)], buttons)]


def programme_contact(kb: KnowledgeBase, pid: str, question: str = "") -> list:
    programme = kb.get("programme", pid)
    operator = kb.get("organisation", programme["operator"])
    parts = [
        f"Pour {programme['name']}, adressez-vous à {operator['name']} : "
        f"{programme.get('contact') or operator['website']}",
        programme["how_to_apply"],
        cite(programme),
    ]
    buttons = [{"title": "Conseillers de ma Région", "payload": payload("ask_region_support")}]
    return [cited_message(parts, buttons)]


# One reply per aspect of a programme, each called with the user's question: the lists
# (amounts, conditions) put the point it asks first, the other aspects answer one fixed point.
PROGRAMME_ASPECTS = {
    "ask_programme": programme_details,
    "ask_eligibility": programme_eligibility,
    "ask_amount": programme_amounts,
    "ask_how_to_apply": programme_how_to_apply,
    "ask_programme_status": programme_status,
    "ask_contact": programme_contact,
}


def unknown_programme(kb: KnowledgeBase, asked: str) -> list:
    candidates = kb.closest("programme", asked) if asked else []
    if candidates:
        text = f"Je ne connais pas ce dispositif : « {asked} ». Vouliez-vous dire l'un de ceux-ci ?"
    else:
        text = f"Je ne connais pas ce dispositif : « {asked} ». Voici les plus demandés :"
        candidates = [pid for pid in kb.editorial.featured_programmes if kb.get("programme", pid)]
    return [message(text, [programme_button(kb, pid) for pid in candidates])]


def which_programme(kb: KnowledgeBase, intent: str = "ask_programme") -> list:
    featured = [pid for pid in kb.editorial.featured_programmes if kb.get("programme", pid)]
    return [
        message(
            "De quel dispositif parlez-vous ? Voici les plus demandés :",
            [{"title": kb.name("programme", pid), "payload": payload(intent, programme=pid)} for pid in featured],
        )
    ]


# The start of the answer to a question the knowledge base cannot answer: the handover
# dossier lists such questions for the adviser.
NOT_IN_KNOWLEDGE = "Je n'ai pas d'information fiable sur ce point dans ma base"


def not_in_knowledge(kb: KnowledgeBase, pid: str, intent: str) -> list:
    name = kb.name("programme", pid)
    return [
        message(
            f"{NOT_IN_KNOWLEDGE}. Un conseiller pourra vous répondre. Si votre question portait sur "
            f"{name}, choisissez ci-dessous :",
            [
                {"title": f"{name} : {title}", "payload": payload(aspect, programme=pid)}
                for title, aspect in FOLLOW_UPS
                if aspect == intent
            ]
            + [{"title": "Parler à un conseiller", "payload": payload("request_adviser")}],
        )
    ]


# --- obstacles and practical questions ----------------------------------------------------


def obstacle_advice(kb: KnowledgeBase, obstacle_id: str) -> list:
    obstacle = kb.get("obstacle", obstacle_id)
    parts = [f"{obstacle['name']} : {obstacle['summary']}", "Nos conseils :\n" + _bullets(obstacle["advice"][:5])]
    helpers = [kb.name("organisation", o) for o in obstacle.get("organisations", [])]
    if helpers:
        parts.append(f"Qui peut vous aider : {_join_names(helpers)}.")
    parts.append(cite(obstacle))
    active = [p for p in obstacle.get("programmes", []) if not kb.gone("programme", p)]
    return [cited_message(parts, [programme_button(kb, p) for p in active[:MAX_BULLETS]])]


def faq_answer(kb: KnowledgeBase, fid: str) -> list:
    faq = kb.get("faq", fid)
    buttons = [programme_button(kb, p) for p in faq.get("programmes", [])[:3]]
    return [cited_message([faq["question"], faq["answer"], cite(faq)], buttons)]


def which_obstacle(kb: KnowledgeBase) -> list:
    common = [o for o in kb.editorial.featured_obstacles if kb.get("obstacle", o)]
    return [message("Quelle difficulté rencontrez-vous ? Par exemple :", [obstacle_button(kb, o) for o in common])]


# --- pôles de compétitivité ---------------------------------------------------------------


def cluster_info(kb: KnowledgeBase, pole_id: str) -> list:
    cluster = kb.get("cluster", pole_id)
    where = f" ({cluster['city']})" if cluster.get("city") else ""
    parts = [f"{cluster['name']}{where}, pôle de compétitivité"]
    if kb.status("cluster", cluster) == "ended":
        parts.append(f"⚠️ Ce pôle n'existe plus sous ce nom depuis le {french_date(cluster['ended_on'])}.")
    parts.append(cluster["summary"])
    validity = validity_sentence("cluster", cluster, kb.today())
    if validity:
        parts.append(validity)
    sectors = [kb.name("sector", s) for s in cluster["sectors"]]
    regions = [kb.name("region", r) for r in cluster["regions"]]
    parts.append(f"Secteurs : {', '.join(sectors)}. Région{'s' if len(regions) > 1 else ''} : {', '.join(regions)}.")
    if cluster.get("international"):
        parts.append(f"À l'international : {cluster['international']}")
    documented = [p for p in cluster.get("partnerships", []) if p["status"] == "documented"]
    not_found = [p for p in cluster.get("partnerships", []) if p["status"] == "not_found"]
    if documented:
        parts.append("Partenariats documentés :\n" + _bullets(f"{p['partner']} : {p['detail']}" for p in documented))
    if not_found:
        parts.append("Non confirmé :\n" + _bullets(f"{p['partner']} : {p['detail']}" for p in not_found))
    for initiative in cluster.get("initiatives", []):
        parts.append(f"{initiative['name']} : {initiative['summary']}")
    if cluster.get("website"):
        parts.append(f"Site : {cluster['website']}")
    parts.append(cite(cluster))
    return [cited_message(parts)]


def clusters_for_sector(kb: KnowledgeBase, sector_id: str, region: str = None) -> list:
    """The pôles of a sector, those of `region` first."""
    sector = kb.get("sector", sector_id)
    clusters = [kb.get("cluster", c) for c in clusters_for(kb, sector_id, region)]
    if not clusters:
        return [message(f"Je ne connais pas de pôle de compétitivité pour le secteur « {sector['name']} ».")]
    lines = [
        f"{c['name']} ({', '.join(kb.name('region', r) for r in c['regions'])}){_label_mark(kb, c)}" for c in clusters
    ]
    parts = [
        f"Pôles de compétitivité du secteur « {sector['name']} » (chacun a sa fiche détaillée) :\n" + _bullets(lines),
        cite(clusters[0]),
    ]
    return [cited_message(parts, [cluster_button(kb, c["id"]) for c in clusters[:5]])]


def _label_mark(kb: KnowledgeBase, cluster: dict) -> str:
    """A pôle whose label is past its date is still listed (it may well have been renewed),
    marked so that nobody reads it as confirmed."""
    if kb.status("cluster", cluster) != EXPIRED:
        return ""
    return f" : labellisé jusqu'au {french_date(cluster['valid_until'])}, suite non confirmée"


def which_cluster(kb: KnowledgeBase) -> list:
    sectors = [s for s in kb.editorial.featured_sectors if kb.get("sector", s)]
    # Text payloads: the sector is read from the words, like a typed question.
    return [
        message(
            "Quel est votre secteur d'activité, ou le nom du pôle de compétitivité qui vous intéresse ? Par exemple :",
            [
                {
                    "title": kb.name("sector", s),
                    "payload": f"Quels pôles de compétitivité pour le secteur {kb.name('sector', s)} ?",
                }
                for s in sectors
            ],
        )
    ]


# --- overview -----------------------------------------------------------------------------


def support_overview(kb: KnowledgeBase) -> list:
    tfe = kb.get("organisation", "team-france-export")
    parts = []
    if tfe:
        parts += [f"Votre premier interlocuteur est la Team France Export : {tfe['summary']}", cite(tfe)]
    lines = []
    for obstacle_id, label in kb.editorial.overview_needs:
        obstacle = kb.get("obstacle", obstacle_id)
        if not obstacle:
            continue
        names = [kb.name("programme", p) for p in obstacle.get("programmes", []) if not kb.gone("programme", p)][:3]
        if names:
            lines.append(f"{label} : {', '.join(names)}")
    if lines:
        parts.append("Selon votre besoin :\n" + _bullets(lines))
    used = [
        kb.get("obstacle", obstacle_id)
        for obstacle_id, _ in kb.editorial.overview_needs
        if kb.get("obstacle", obstacle_id)
    ]
    if used:
        parts.append(citations.of_records(used))
    parts.append("Choisissez un sujet pour le détail :")
    buttons = [
        obstacle_button(kb, obstacle_id)
        for obstacle_id, _ in kb.editorial.overview_needs
        if kb.get("obstacle", obstacle_id)
    ]
    return [cited_message(parts, buttons)]


def knowledge_unavailable() -> list:
    return [
        message("Désolé, ma base de connaissances est momentanément indisponible. Réessayez dans quelques minutes.")
    ]


# --- organisations, Régions, countries -------------------------------------------------


def organisation_info(kb: KnowledgeBase, organisation_id: str) -> list:
    organisation = kb.get("organisation", organisation_id)
    parts = [organisation["name"], organisation["summary"]]
    if organisation.get("details"):
        parts.append(organisation["details"])
    parts.append(f"Site : {organisation['website']}")
    parts.append(cite(organisation))
    operated = [
        p["id"] for p in kb.all("programme") if p["operator"] == organisation_id and not kb.gone("programme", p)
    ]
    return [cited_message(parts, [programme_button(kb, p) for p in operated[:MAX_BULLETS]])]


def which_organisation(kb: KnowledgeBase) -> list:
    featured = [o for o in kb.editorial.featured_organisations if kb.get("organisation", o)]
    return [
        message(
            "De quel organisme voulez-vous parler ? Par exemple :",
            [
                {"title": kb.name("organisation", o), "payload": payload("ask_organisation", organisation=o)}
                for o in featured
            ],
        )
    ]


def contact_programmes(kb: KnowledgeBase, region_id: str) -> set:
    """The programmes (the Région's or national) that are one of its contacts' own offer:
    the contact presents them."""
    return {pid for c in kb.get("region", region_id).get("contacts", []) for pid in c.get("programmes", [])}


def region_support(kb: KnowledgeBase, region_id: str, departement_code: str = None) -> list:
    region = kb.get("region", region_id)
    parts = []
    if departement_code:
        dep = kb.departement(departement_code)
        parts.append(f"Le département {dep['name']} ({dep['code']}) fait partie de la Région {region['name']}.")
    parts.append(
        f"Vos interlocuteurs pour l'export, Région {region['name']} :\n"
        + _bullets(f"{c['name']} : {c['role']} {c['url']}" for c in region.get("contacts", []))
    )
    regional = sorted(
        (p for p in kb.all("programme") if region_id in p.get("regions", []) and not kb.gone("programme", p)),
        key=lambda p: p["name"],
    )
    listed = [p["name"] for p in regional if p["id"] not in contact_programmes(kb, region_id)]
    if listed:
        parts.append("Aides propres à la Région : " + ", ".join(listed) + ".")
    parts.append(cite(contacts_record(region, with_map=bool(departement_code)), limit=3 if departement_code else 2))
    return [cited_message(parts, [programme_button(kb, p["id"]) for p in regional[:MAX_BULLETS]])]


def which_region(kb: KnowledgeBase) -> list:
    featured = [r for r in kb.editorial.featured_regions if kb.get("region", r)]
    return [
        message(
            "Dans quelle Région ou quel département votre entreprise est-elle installée ? Par exemple :",
            [{"title": kb.name("region", r), "payload": payload("ask_region_support", region=r)} for r in featured],
        )
    ]


# Countries written « en … » that take no article (« Israël est… »).
_NO_ARTICLE = frozenset({"Israël", "Haïti"})


def country_subject(country: dict) -> str:
    """The country's name as the subject of a sentence, with its article, read off the
    preposition knowledge/ gives it (`in_form`): « au Portugal » → « Le Portugal », « aux
    Pays-Bas » → « Les Pays-Bas », « en Italie » → « L'Italie », « en Grèce » → « La Grèce »,
    « à Malte » → « Malte »."""
    name, preposition = country["name"], country.get("in_form", "").split(" ", 1)[0]
    if preposition == "au":
        return f"Le {name}"
    if preposition == "aux":
        return f"Les {name}"
    if preposition == "en" and name not in _NO_ARTICLE:
        return f"L'{name}" if fold(name[0]) in "aeiouy" else f"La {name}"
    return name


def country_pointers(kb: KnowledgeBase, country_id: str) -> list:
    country = kb.get("country", country_id)
    parts = [f"Exporter {country['in_form']}"]
    agreement = country.get("eu_agreement")
    if country["eu_member"]:
        subject = country_subject(country)
        verb = "sont membres" if subject.startswith("Les ") else "est membre"
        parts.append(f"{subject} {verb} de l'Union européenne.")
    elif agreement:
        since = f" depuis le {french_date(agreement['since'])}" if agreement.get("since") else ""
        parts.append(f"Accord commercial avec l'Union européenne : {agreement['name']} ({agreement['status']}{since}).")
    else:
        parts.append("Aucun accord commercial de l'Union européenne n'est en vigueur avec ce pays.")
    if country.get("details"):
        parts.append(f"À savoir : {country['details']}")
    if country.get("origin_proof"):
        parts.append(f"Preuve de l'origine préférentielle : {country['origin_proof']}")
    if country.get("country_page_url"):
        parts.append(
            f"Formalités et contacts pour exporter {country['in_form']} ({country['country_page_title']}) : "
            f"{country['country_page_url']}"
        )
    # Kept after the country page even when it is Access2Markets' generic list of markets:
    # only that portal gives the duty rate of a given product code, which no country page does.
    if country.get("access2markets_url"):
        parts.append(f"Droits de douane et formalités par produit (Access2Markets) : {country['access2markets_url']}")
    presence = country.get("business_france")
    if presence:
        prefix = "Team France Export sur place" if presence["present"] else "Business France"
        parts.append(f"{prefix} : {presence['detail']}")
    # Origin rules and Business France's presence come from their own sources: the sentence
    # lists as many as it may.
    parts.append(cite(country, limit=citations.MAX_SHOWN))
    buttons = [obstacle_button(kb, o) for o in kb.editorial.country_obstacles if kb.get("obstacle", o)]
    return [cited_message(parts, buttons)]


def which_country(kb: KnowledgeBase) -> list:
    featured = [c for c in kb.editorial.featured_countries if kb.get("country", c)]
    return [
        message(
            "Vers quel pays souhaitez-vous exporter ? Par exemple :",
            [{"title": kb.name("country", c), "payload": payload("ask_country", country=c)} for c in featured],
        )
    ]


# --- financing overview -------------------------------------------------------------------


def financing_overview(kb: KnowledgeBase) -> list:
    parts = ["Les principaux financements publics de l'export, selon votre étape :"]
    used, buttons = [], []
    # The groups of knowledge/editorial.yml, in the order of a company's path.
    for title, pids in kb.editorial.financing_groups:
        records = [kb.get("programme", p) for p in pids]
        records = [r for r in records if r and kb.status("programme", r) == "active"]
        if not records:
            continue
        used += records
        parts.append(
            f"{title} :\n" + _bullets(f"{r['name']} ({kb.name('organisation', r['operator'])})" for r in records)
        )
        buttons.append(programme_button(kb, records[0]["id"]))
    parts.append("Votre Région a aussi ses aides : demandez-moi « aides export en » suivi de votre Région.")
    # Every programme listed is cited; the sentence shows the first three.
    parts.append(citations.of_records(used))
    return [cited_message(parts, buttons)]


# --- contacts and advisers ----------------------------------------------------------------


def adviser_contact(kb: KnowledgeBase, region_id: str = None, ask_region: bool = True, need: str = None) -> list:
    """Where a human adviser can be reached: the Région's contacts when it is known (those
    for the company's need first), else the Team France Export network, which routes to the
    right regional adviser."""
    if region_id and kb.get("region", region_id):
        region = kb.get("region", region_id)
        text = f"Pour parler à un conseiller en {region['name']}, voici vos interlocuteurs :\n" + contacts_text(
            kb, region_id, need
        )
        return [cited_message([text, cite(contacts_record(region))])]
    tfe = kb.get("organisation", "team-france-export")
    parts = [
        "Un conseiller de la Team France Export peut étudier votre projet avec vous : "
        f"{tfe['summary']}\nPrise de contact : {tfe['website']}",
        cite(tfe),
    ]
    if not ask_region:
        return [cited_message(parts)]
    parts.append("Indiquez-moi votre Région ou votre département : je vous donnerai le contact le plus proche.")
    return [cited_message(parts, which_region(kb)[0]["buttons"])]


def contacts_text(kb: KnowledgeBase, region_id: str, need: str = None) -> str:
    """The Région's contacts as bullets; with a need, the ones that handle it first, marked."""
    lines = []
    for contact, relevant in contacts_for(kb, region_id, need):
        mark = "→ " if relevant and need else ""
        lines.append(f"{mark}{contact['name']} : {contact['role']} {contact['url']}")
    text = _bullets(lines)
    if need and any(relevant for _, relevant in contacts_for(kb, region_id, need)):
        text += f"\n(→ : les plus indiqués pour votre besoin, {kb.name('obstacle', need).lower()})"
    return text


def fallback_to_adviser(kb: KnowledgeBase, region_id: str = None) -> list:
    """The last step of the fallback: after two misunderstandings, a person is better."""
    return [
        message(
            "Je ne parviens pas à comprendre votre demande, désolé. Un conseiller pourra vous répondre directement."
        )
    ] + adviser_contact(kb, region_id)


# --- the company's profile ----------------------------------------------------------------


def company_noted(facts: list, missing: list, dismissed: tuple = ()) -> list:
    """Repeats back what was understood about the company, so that a misreading shows, and
    what a correction asked not to keep (« Non retenu : Nancy (54) »)."""
    if dismissed:
        facts = [*facts, "Non retenu : " + ", ".join(dismissed)]
    if not facts:
        return [
            message(
                "Merci. Je n'ai pas su relever d'information précise : pouvez-vous indiquer "
                "par exemple votre secteur, votre Région, votre effectif ou le pays visé ?"
            )
        ]
    text = "C'est noté :\n" + _bullets(facts)
    if missing:
        text += "\n\nPour mieux vous orienter, vous pouvez aussi m'indiquer : " + _join_names(missing) + "."
    buttons = [
        {"title": "Quels dispositifs pour moi ?", "payload": payload("ask_recommendation")},
        {"title": "Qui contacter près de chez moi ?", "payload": payload("ask_region_support")},
        {"title": "Quel pôle pour mon secteur ?", "payload": payload("ask_cluster")},
    ]
    return [message(text, buttons)]


def no_list_to_choose_from() -> list:
    return [message("Je n'ai pas de liste en cours dans laquelle choisir. Que souhaitez-vous savoir ?")]


def rank_out_of_range(count: int) -> list:
    return [message(f"La liste précédente comptait {count} choix : lequel vous intéresse ?")]


def unknown_region(value) -> dict:
    return message(
        f"Je ne reconnais pas « {value} » comme une Région ou un département français. "
        "Indiquez par exemple « Bretagne », « Gironde » ou « 69 »."
    )
