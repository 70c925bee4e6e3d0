"""Questions the knowledge base must not answer with a neighbouring entry (issue #17).

- A live figure (« c'est combien le dollar aujourd'hui ? », « les droits de douane en ce
  moment ») asks for today's value; knowledge/ holds dated, sourced facts only. The ranker
  would pick the nearest entry (forward contracts, sanctions), which answers something else:
  such a question gets the honest reply, with where such figures are published when
  knowledge/ holds that page with its source. A figure of a programme the base describes
  (« le taux actuel de la prime de l'Assurance Prospection ») is a dated fact it holds: it is
  left to the ranker.
- A private individual (« je suis particulier », « un colis pour ma fille ») is outside the
  assistant's audience, companies: the reply says so politely, then the usual out-of-scope
  response (domain.yml `utter_out_of_scope`) with what the assistant can do.

The routes ask `answer` before the ranker (intent_table.answer_message,
answer_router.answer_by_ranker and answer_out_of_scope, compound_answers for each question).

Used by the action server; pure Python, no Rasa import.
"""

from __future__ import annotations

import re

from bot.core import replies, unit_answers
from bot.core.text import COMPANY_NOUNS, unquoted
from bot.knowledge.snapshot import KnowledgeBase

# The domain response that says what the assistant is for, with examples as buttons.
OUT_OF_SCOPE_RESPONSE = "utter_out_of_scope"

_CURRENCY = r"(dollars?|euros?|devises?|yens?|yuans?|renminbi|livres? sterling|francs? suisses?|roubles?|roupies?)"
# A figure that moves from day to day. « en cours » is « in progress », not a rate.
_FIGURE = re.compile(
    r"(?<!\ben )\bcours\b|\btaux\b|\bprix\b|\btarifs?\b|\bcotations?\b|\bparites?\b"
    r"|\bdroits? (de douane|d importation|a l import)\b"
    rf"|\b(combien|vaut|valent)\b.*\b{_CURRENCY}\b|\b{_CURRENCY}\b.*\b(combien|vaut|valent)\b"
)
_NOW = re.compile(
    r"\b(aujourd ?hui|en ce moment|actuel(le)?s?|actuellement|a l heure actuelle|du jour|ce jour"
    r"|cette semaine|ce mois ci|ces jours ci|ce matin|en temps reel|en direct)\b"
)
# Where a live figure of each kind is published, when knowledge/ holds it: the kind's words,
# the record that says so, and the sentence that points to it (the record's citation follows).
_EXCHANGE = re.compile(rf"\b(change|{_CURRENCY})\b")
_CUSTOMS = re.compile(r"\b(douanes?|douaniers?|importation|a l import)\b")
POINTERS = (
    (
        _EXCHANGE,
        ("faq", "taux-reference-bce-contrat"),
        "La Banque centrale européenne publie chaque jour ouvrable les taux de référence de l'euro ; "
        "votre banque applique son propre cours, marge comprise.",
    ),
    (
        _CUSTOMS,
        ("programme", "access2markets"),
        "Les droits de douane d'un produit donné, pays par pays, sont indiqués sur Access2Markets, "
        "le portail gratuit de la Commission européenne.",
    ),
)

# A private person speaks of themself as one, of a personal use, or sends to their family.
_PRIVATE_SELF = re.compile(
    r"\b(je suis|en tant que|simple|nous sommes) (un |une |des )?particuliers?\b"
    r"|\bje ne suis pas (une |un )?(entreprise|societe|professionnel|pro)\b"
    r"|\b(a|pour) titre (personnel|prive)\b|\b(a|pour) (mon|un|notre) usage (personnel|prive)\b"
)
_FAMILY = re.compile(
    r"\b(a|pour|chez) (ma|mon|mes) (fille|fils|enfants?|famille|femme|epouse|mari|mere|pere|parents"
    r"|soeur|frere|cousine?|tante|oncle|neveu|niece|grand mere|grand pere|petite? fille|petit fils"
    r"|petits enfants|amie?|amis|copine?)\b"
)
# A message that speaks of a company is a company's question, whoever it sends to.
_COMPANY = re.compile(rf"\b({COMPANY_NOUNS}|notre (activite|marque|clientele)|nos (clients|produits))\b")


def _flat(text: str) -> str:
    # « aujourd'hui », « grand-mère »: apostrophes and hyphens read as spaces.
    return unquoted(text).replace("-", " ")


def asks_live_figure(kb: KnowledgeBase, text: str) -> bool:
    """Whether the question asks for a figure as it stands today (a rate, a price, a duty)."""
    folded = _flat(text)
    if not (_FIGURE.search(folded) and _NOW.search(folded)):
        return False
    if kb.mentioned("programme", text or ""):
        return False
    # A currency's value today is never in the base, even when an entry on hedging shares its
    # words (« cours », « aujourd'hui »). Another rate may be a dated fact the base holds (« le
    # taux actuel des pénalités de retard »): the ranker is then sure of the entry that says
    # how it is set.
    return bool(re.search(rf"\b{_CURRENCY}\b", folded)) or unit_answers.decide(kb, text).kind != "sure"


def is_private_individual(text: str) -> bool:
    """Whether the writer asks as a private person rather than for a company."""
    folded = _flat(text)
    if _PRIVATE_SELF.search(folded):
        return True
    return bool(_FAMILY.search(folded)) and not _COMPANY.search(folded)


def answer(kb: KnowledgeBase, text: str) -> tuple | None:
    """(slot updates, messages) for a private individual or a live figure; None otherwise."""
    if is_private_individual(text):
        return {}, private_individual_reply()
    if asks_live_figure(kb, text):
        return {}, live_figure_reply(kb, text)
    return None


def private_individual_reply() -> list:
    """A polite word on who the assistant serves, then what it can do (the out-of-scope
    response, which also files the message as « hors sujet » on the review page)."""
    said = (
        "Je comprends que vous posez cette question à titre personnel. Je ne peux malheureusement pas "
        "vous aider sur ce point : je suis conçu pour accompagner les entreprises dans leurs projets "
        "d'export."
    )
    return [replies.message(said), {"response": OUT_OF_SCOPE_RESPONSE}]


def live_figure_reply(kb: KnowledgeBase, text: str) -> list:
    """The honest reply (it starts with replies.NOT_IN_KNOWLEDGE): no live data; where such
    figures are published when knowledge/ holds the page, its record one tap away."""
    folded = _flat(text)
    parts = [
        f"{replies.NOT_IN_KNOWLEDGE} : je n'ai pas accès aux cours, prix ou tarifs du jour, "
        "seulement à des informations datées et sourcées."
    ]
    buttons, offered = [], []
    for words, (kind, rid), sentence in POINTERS:
        record = kb.get(kind, rid)
        if record is None or not words.search(folded):
            continue
        parts += [sentence, replies.cite(record, limit=1)]
        if kind == "programme":
            parts.append(_country_portal(kb, text))
        # A FAQ entry is asked by its question, which the ranker finds first; a record by its card.
        buttons.append(
            {"title": record["question"], "payload": record["question"]}
            if kind == "faq"
            else replies.card_button(kb, kind, rid)
        )
        offered.append(unit_answers.card_unit_id(kind, rid))
        break
    parts.append("Un conseiller peut aussi vous répondre.")
    buttons.append({"title": "Parler à un conseiller", "payload": replies.payload("request_adviser")})
    message = replies.cited_message(parts, buttons)
    metadata = dict(message.get("metadata") or {}, **{unit_answers.ABSTAINED_KEY: True})
    if offered:
        metadata[unit_answers.OFFERED_KEY] = offered
    return [dict(message, metadata=metadata)]


def _country_portal(kb: KnowledgeBase, text: str) -> str:
    """The Access2Markets page of the country the question names, as its card gives it."""
    country = kb.get("country", kb.named("country", None, text) or "")
    if not country or not country.get("access2markets_url"):
        return ""
    return f"Access2Markets {country['in_form']} : {country['access2markets_url']}"
