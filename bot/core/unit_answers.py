"""Answers a question with the answer unit the ranker finds for it (issue #17).

Three outcomes, told apart by the ranker's calibrated certainty (`LexicalRanker.decide`):

- one unit is sure → its answer, first, with its source and date, then « En savoir plus »;
- one unit is likely → its answer, then the runner-up of another record as a button;
- two units of different records are close → « Vous parlez de A ou de B ? » with both as
  buttons;
- nothing reliable → the honest reply (« Je n'ai pas d'information fiable… »), which the
  review page's queue lists, the nearest units the ranker found (when they are not noise) and
  the adviser route.

Every reply carries, beside its text, the unit it answers (`answer_unit`) and its sources as
structured data (`sources`, built with the text by replies.cited_message): Rasa keeps both
in the bot event's metadata, where the review page, the website and the measure on the
development set read them.

Used by the action server; pure Python, no Rasa import.
"""

from __future__ import annotations

import weakref

from bot.core import citations, passages, replies
from bot.core.ranker import Decision, LexicalRanker, stem, terms
from bot.knowledge import answer_units
from bot.knowledge.snapshot import STOP_WORDS, KnowledgeBase

# Metadata keys of a bot message.
UNIT_KEY = "answer_unit"
SOURCES_KEY = citations.SOURCES_KEY
ABSTAINED_KEY = "abstained"
# The profile line of a reply to a company description (compound_answers).
PROFILE_KEY = "profile"
# The honest reply's buttons that lead to a unit, as unit ids in their order: the measure on
# the development set reads them without parsing the text.
OFFERED_KEY = "offered_units"

# A programme's aspect → the intent of the button that asks it, and the reply that answers it.
ASPECT_REPLIES = {
    "presentation": ("ask_programme", replies.programme_details),
    "beneficiaires": ("ask_eligibility", replies.programme_eligibility),
    "montants": ("ask_amount", replies.programme_amounts),
    "demarche": ("ask_how_to_apply", replies.programme_how_to_apply),
    "statut": ("ask_programme_status", replies.programme_status),
    "contact": ("ask_contact", replies.programme_contact),
}
ASPECT_LABELS = {
    "presentation": "en quoi il consiste",
    "beneficiaires": "pour qui",
    "montants": "combien",
    "demarche": "comment faire la demande",
    "statut": "est-il toujours ouvert",
    "contact": "qui contacter",
}

# A question needs this many meaningful words before the ranker may overrule the intent's own
# answer: « ça coûte quoi ? » is a follow-up, not a question on its own.
MIN_TERMS = 2

_RANKERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def ranker_for(kb: KnowledgeBase) -> LexicalRanker:
    """The ranker over `kb`'s units, with its editorial synonyms, built once per knowledge base
    (a reload makes a new one)."""
    ranker = _RANKERS.get(kb)
    if ranker is None:
        units = answer_units.build(kb.records)
        ranker = _RANKERS[kb] = LexicalRanker(units, synonyms=kb.editorial.query_synonyms)
    return ranker


_FRENCH_LETTERS = frozenset("àâäéèêëîïôöùûüÿçœæ")


def _mostly_latin(text: str) -> bool:
    """Whether most of a message's visible characters are letters, digits or punctuation of a
    French text: random characters (« aP » among symbols reads « AP ») are no question."""
    visible = [c for c in text if not c.isspace()]
    latin = [c for c in visible if (c.isascii() and c.isprintable()) or c.lower() in _FRENCH_LETTERS or c in "«»’–—…"]
    return len(latin) * 2 >= len(visible)


def prepare(kb: KnowledgeBase) -> None:
    """Builds what answering from `kb` needs (the ranker, each unit's and record's terms), so
    that no question pays for it (about 1.5 s on this machine)."""
    _terms(kb)


def decide(kb: KnowledgeBase, text: str) -> Decision:
    """Sure, likely, close or none for a question (bot/core/ranker.py: calibrated on the tuning
    half of tests/dev/). A message needs MIN_TERMS words that some unit contains, and more
    known words than unknown ones: random characters or a payload are no question."""
    ranker = ranker_for(kb)
    if not _reads_as_question(ranker, text):
        return Decision("none", [], 0.0, 0.0)
    return ranker.decide(text, allowed=holds_for_the_countries_named(kb, text))


def holds_for_the_countries_named(kb: KnowledgeBase, text: str):
    """A test on units, or None when the question names no country but France. An answer
    that gives one country's own rules is left out when the question names other countries
    only (« jouets aux États-Unis : le marquage CE suffit ? » must not get the UKCA entry); when
    every country named is on one side of the Union's border, an answer that holds only on
    the other side is left out (« une licence pour un bien à double usage vendu en Turquie ? »
    must not get the intra-EU entry)."""
    named = set(kb.foreign_countries(text))
    if not named:
        return None
    sides = {"ue" if (kb.get("country", c) or {}).get("eu_member") else "hors-ue" for c in named}
    side = next(iter(sides)) if len(sides) == 1 else ""

    def allowed(unit) -> bool:
        if unit.countries and not named & set(unit.countries):
            return False
        return not (side and unit.destination not in ("", side))

    return allowed


def _reads_as_question(ranker: LexicalRanker, text: str) -> bool:
    # Random characters may hold a few known words by chance (« İŝ 5 » reads « is 5 »), among
    # many unknown ones: only words of three letters or more count, and they must be most.
    known = [t for t in ranker.known_terms(text or "") if len(t) >= 3 and not t.isdigit()]
    asked = len(set(ranker.query_terms(text or "")))
    return not (
        (text or "").startswith("/") or len(known) < MIN_TERMS or len(known) * 2 < asked or not _mostly_latin(text)
    )


def _with_metadata(messages: list, unit_id: str) -> list:
    """Marks the first message with the unit it answers; its sources are already there, put
    by the reply that cites them."""
    if not messages:
        return messages
    first = dict(messages[0])
    first["metadata"] = dict(first.get("metadata") or {}, **{UNIT_KEY: unit_id})
    return [first, *messages[1:]]


def _faq_reply(kb: KnowledgeBase, unit, question: str = "") -> list:
    """The answer first, then its source; the programmes it names as « En savoir plus ». When
    the entry was written for another question than the one asked, and a later sentence of its
    answer answers this one (bot/core/passages.py), that sentence leads on a line of its own;
    the answer follows whole, in its order, since its sentences refer to each other."""
    faq = kb.get("faq", unit.record_id)
    active = [p for p in faq.get("programmes", []) if not kb.gone("programme", p)]
    buttons = [
        dict(replies.programme_button(kb, p), title=f"En savoir plus : {kb.name('programme', p)}") for p in active[:2]
    ]
    lead = passages.answering_sentence(question, faq["answer"]) if question else None
    lead_line = passages.lead_line(lead) if lead else ""
    return [replies.cited_message([lead_line, faq["answer"], replies.cite(faq)], buttons)]


def _advice_reply(kb: KnowledgeBase, unit) -> list:
    """One piece of an obstacle's advice, then the whole card behind « En savoir plus »."""
    obstacle = kb.get("obstacle", unit.record_id)
    n = int(unit.aspect.rsplit("-", 1)[1])
    more = replies.card_button(kb, "obstacle", unit.record_id)
    return [
        replies.cited_message(
            [obstacle["advice"][n - 1], replies.cite(obstacle)],
            [dict(more, title=f"En savoir plus : {more['title']}")],
        )
    ]


def unit_reply(kb: KnowledgeBase, unit, question: str = "") -> tuple:
    """(slot updates, messages) answering one unit; `question`, the user's words, lets a FAQ
    entry's answer lead with the sentence that answers them, and a programme's list of amounts
    or conditions open on the point they ask."""
    kind, rid = unit.kind, unit.record_id
    if kind == "faq":
        messages = _faq_reply(kb, unit, question)
    elif kind == "obstacle" and unit.aspect.startswith("conseil-"):
        messages = _advice_reply(kb, unit)
    elif kind == "obstacle":
        messages = replies.obstacle_advice(kb, rid)
    elif kind == "programme":
        messages = ASPECT_REPLIES[unit.aspect][1](kb, rid, question)
    elif kind == "organisation":
        messages = replies.organisation_info(kb, rid)
    elif kind == "country":
        messages = replies.country_pointers(kb, rid)
    elif kind == "region":
        messages = replies.region_support(kb, rid)
    elif kind == "cluster":
        messages = replies.cluster_info(kb, rid)
    else:  # a kind answer_units.py gained without a reply here
        raise ValueError(f"unité de réponse sans réponse : {unit.id}")
    # The slot named after the record's kind remembers it for follow-ups; a FAQ entry has none.
    updates = {} if kind == "faq" else {kind: rid}
    return updates, _with_metadata(messages, unit.id)


def unit_label(kb: KnowledgeBase, unit) -> str:
    """How a button names a unit: the FAQ's question, else the record and the aspect."""
    if unit.kind == "faq":
        return unit.title
    if unit.kind == "programme":
        return f"{unit.title} : {ASPECT_LABELS[unit.aspect]}"
    if unit.kind == "region":
        return f"Contacts export en {unit.title}"
    return unit.title


def unit_payload(unit) -> str:
    """What a button sends to ask for the unit: the intent and record when one intent answers
    it, else the FAQ's own question, which the ranker then finds first."""
    if unit.kind == "programme":
        return replies.payload(ASPECT_REPLIES[unit.aspect][0], programme=unit.record_id)
    if unit.kind in replies.CARD_INTENTS:
        return replies.payload(replies.CARD_INTENTS[unit.kind], **{unit.kind: unit.record_id})
    return unit.title


def choice_between(kb: KnowledgeBase, units: list) -> list:
    """« Vous parlez de A ou de B ? » (or « Vous parlez de A ? » when only one record matches),
    each as a button that asks for it."""
    labels = [f"« {unit_label(kb, u).rstrip(' ?')} »" for u in units]
    text = f"Vous parlez de {' ou de '.join(labels)} ?"
    buttons = [{"title": unit_label(kb, u), "payload": unit_payload(u)} for u in units]
    return [replies.message(text, buttons)]


def also_meant(kb: KnowledgeBase, unit) -> dict:
    """After an answer the ranker was not sure of: the runner-up, one tap away."""
    label = unit_label(kb, unit)
    return replies.message(
        f"Si votre question portait plutôt sur « {label.rstrip(' ?')} » :",
        [{"title": label, "payload": unit_payload(unit)}],
    )


# The honest reply offers the units nearest to the question: the best unit of each of the
# NEAREST_OFFERED best records the ranker found (one in a compound message, which must stay
# short), unless it is noise. A unit is offered when it shares MIN_TERMS of the question's
# terms or more (« Quel temps fera-t-il à Brest demain ? » meets a pôle's « l'aliment de
# demain » on one word), covers NEAREST_COVERAGE of the question's weight or more, and its
# evidence (coverage × score, the ranker's evidence without the margin) reaches
# NEAREST_EVIDENCE. The three floors were chosen on the tuning half of tests/dev/ (steps of
# 1 term, 0.01 and 1) as the highest that lose no answerable question whose right unit the two
# best records hold: of the 50 answerable questions on which the ranker abstains, 32 have the
# right unit one tap away, as without floors (2 more would, but `decide` reads them as no
# question); the 59 questions knowledge/ does not answer that get here have 0.97 buttons on
# average instead of 2, and 24 of them none.
NEAREST_OFFERED = 2
NEAREST_COVERAGE = 0.2
NEAREST_EVIDENCE = 7.0
# How many ranked units are looked through to find the best unit of the best records.
_NEAREST_DEPTH = 30


def nearest(kb: KnowledgeBase, text: str, limit: int = NEAREST_OFFERED) -> list:
    """The units nearest to a question the assistant cannot answer reliably: the best unit of
    each of the `limit` best records, those that are not noise (see NEAREST_COVERAGE); none for
    a message that is no question (see `decide`)."""
    ranker = ranker_for(kb)
    if limit < 1 or not _reads_as_question(ranker, text):
        return []
    asked, held = set(ranker.query_terms(text)), unit_terms(kb)
    allowed = holds_for_the_countries_named(kb, text) or (lambda unit: True)
    records, found = set(), []
    for ranked in ranker.rank(text, _NEAREST_DEPTH):
        unit = ranked.unit
        if (unit.kind, unit.record_id) in records or not allowed(unit):
            continue
        records.add((unit.kind, unit.record_id))
        if (
            len(asked & held[unit.id]) >= MIN_TERMS
            and ranked.confidence >= NEAREST_COVERAGE
            and ranked.confidence * ranked.score >= NEAREST_EVIDENCE
        ):
            found.append(unit)
        if len(records) == limit:
            break
    return found


def no_reliable_answer(
    kb: KnowledgeBase, text: str, related: tuple | None = None, offered: int = NEAREST_OFFERED
) -> list:
    """The honest reply: it starts with NOT_IN_KNOWLEDGE, which puts the message in the review
    page's queue (« pas dans la base »). `related`, (kind, id) of the record the question
    names, gives a button to its card; then units nearest to the question, each as a button
    that asks for it, `offered` entries in all with the card (a unit the card's button already
    asks for is not offered twice), then the adviser. The units offered, the card's included,
    go in the metadata (OFFERED_KEY)."""
    buttons, offered_ids = [], []
    if related:
        card = replies.card_button(kb, *related)
        buttons.append(dict(card, title=f"En savoir plus : {card['title']}"))
        offered_ids.append(card_unit_id(*related))
    # The card is one of the entries offered: a reply with a card offers one unit fewer.
    near = [u for u in nearest(kb, text, offered) if unit_payload(u) not in {b["payload"] for b in buttons}]
    near = near[: max(0, offered - len(buttons))]
    buttons += [{"title": unit_label(kb, u), "payload": unit_payload(u)} for u in near]
    offered_ids += [u.id for u in near]
    said = (
        f"{replies.NOT_IN_KNOWLEDGE} pour répondre précisément à cette question. "
        "Un conseiller peut vous répondre ; vous pouvez aussi la formuler autrement."
    )
    if related and near:
        said += " Voici le sujet général, puis ce qui s'en rapproche le plus dans ma base :"
    elif related:
        said += " Le sujet général est résumé ici :"
    elif near:
        said += " Voici ce qui s'en rapproche le plus dans ma base :"
    buttons.append({"title": "Parler à un conseiller", "payload": replies.payload("request_adviser")})
    metadata = {ABSTAINED_KEY: True, **({OFFERED_KEY: offered_ids} if offered_ids else {})}
    return [dict(replies.message(said, buttons), metadata=metadata)]


def answer_text(kb: KnowledgeBase, text: str) -> tuple | None:
    """(slot updates, messages) when the ranker is sure, finds a likely unit or hesitates
    between two; None when it has nothing reliable (the caller decides what then)."""
    return answer_decision(kb, decide(kb, text), text)


def answer_decision(kb: KnowledgeBase, decision: Decision, question: str = "") -> tuple | None:
    """answer_text for a decision already taken about `question`."""
    if decision.kind == "sure":
        return unit_reply(kb, decision.best[0].unit, question)
    if decision.kind == "likely":
        updates, messages = unit_reply(kb, decision.best[0].unit, question)
        return updates, messages + [also_meant(kb, r.unit) for r in decision.best[1:2]]
    if decision.kind == "close":
        return {}, choice_between(kb, [ranked.unit for ranked in decision.best])
    return None


# Words that do not make a question precise: those of the questions a menu answers well
# (« quelles aides dans ma région ? », « un pays ? ») and the fillers of an unclear message
# (« prospection machin »).
VAGUE_WORDS = frozenset(
    "aide aides region regions pays dispositif dispositifs financement financements pole poles contact contacts "
    "conseiller conseillers organisme organismes accompagnement accompagnements difficulte difficultes programme "
    "programmes entreprise entreprises pme societe ma mon mes notre nos "
    "machin machins truc trucs bidule chose choses euh bah ben hein bref "
    "veux veut voulons voudrais voudrions vise visons visez souhaite souhaitons cherche cherchons aimerais "
    "aimerions envisage envisageons galere galeres difficile difficiles complique compliquee dur penible "
    "casse tete vendre vend vendons vente ventes".split()
)
# Words a question about any programme may hold (« éligible », « combien », « dossier »).
ASPECT_WORDS = frozenset(
    "coute couter coutent cout couts cher prix tarif montant montants niveau concretement eligible eligibles "
    "eligibilite concerne concernes qui pour demande demander deposer dossier ouvert ouverte encore toujours "
    "actif active ferme termine contacter contact combien conditions criteres final ki cb cmb suis sommes est".split()
)
# Words that name no subject of their own: prepositions (« exporter vers le Maroc ») and
# requests to tell about something (« parlez-moi de Vitagora »).
SUBJECTLESS_WORDS = frozenset(
    "vers chez entre selon sans sous depuis dont apres avant lors parlez parler presentez presenter expliquez "
    "expliquer explication fonctionnement fonctionne marche principe consiste sert servir koi quoi".split()
)
_IGNORED_TERMS = frozenset(stem(w) for w in VAGUE_WORDS | ASPECT_WORDS | STOP_WORDS | SUBJECTLESS_WORDS)


def is_precise(kb: KnowledgeBase, text: str) -> bool:
    """A question with at least two meaningful words beyond those a menu answers: it deserves
    an answer or the honest reply, never a menu. A button's payload (« /ask_cluster ») is no
    question: its intent's menu asks what it needs."""
    if (text or "").startswith("/"):
        return False
    return len([w for w in kb.query_words(text or "") if w not in VAGUE_WORDS]) >= 2


_TERMS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _terms(kb: KnowledgeBase) -> tuple:
    """(unit id → the ranker's terms of that unit, (kind, id) → those of every unit of that
    record), built once per knowledge base."""
    found = _TERMS.get(kb)
    if found is None:
        by_unit, by_record = {}, {}
        for unit in ranker_for(kb).units:
            by_unit[unit.id] = frozenset(terms(" ".join((unit.title, unit.text, *unit.keys))))
            by_record.setdefault((unit.kind, unit.record_id), set()).update(by_unit[unit.id])
        found = _TERMS[kb] = (by_unit, by_record)
    return found


def unit_terms(kb: KnowledgeBase) -> dict:
    return _terms(kb)[0]


def _record_terms(kb: KnowledgeBase) -> dict:
    return _terms(kb)[1]


def beside_the_record(kb: KnowledgeBase, kind: str, rid: str, text: str) -> bool:
    """Whether a question that names a record asks about a point its card does not hold: a
    meaningful word that none of the record's units uses (« quel est le PIB du Vietnam ? » is
    not answered by Vietnam's card, « mon colis est bloqué en douane » by the customs card,
    « pas de TVA pour les touristes ? » by the VAT card: for a difficulty, on the tuning half,
    4 more honest replies of 75 and one key fact lost of 189). A country's card answers
    how to sell there (_MARKET_TERMS); other cards need two such words: « qui peut nous aider
    en Bretagne pour un salon ? » asks whom to contact there."""
    own = _record_terms(kb).get((kind, rid), set())
    if kind == "obstacle":
        return len(asked_terms(kb, text) - own - _ADVICE_TERMS) >= 1
    if kind == "country":
        return len(asked_terms(kb, text) - own - _MARKET_TERMS) >= 1
    return len(asked_terms(kb, text) - own) >= 2


# Words that ask how to sell in a country (« quelles formalités pour exporter en Chine ? »): a
# country's card, its trade agreement, customs pointers and contacts, answers them whatever its
# own words. Any other word is a point the card does not hold (« le PIB du Vietnam »). A
# programme's or an organisation's card answers what it is and does, however it is asked
# (« pourriez-vous m'expliquer le fonctionnement de l'Assurance Prospection ? », « la TFE ça
# sert à quoi »): two words it never uses are needed, as for a Région's contacts.
_MARKET_TERMS = frozenset(
    stem(w)
    for w in "exporter export exportation exportations vendre vente ventes formalites formalite demarches demarche "
    "douane douanes droits accord accords marche marches acces conditions regles reglementation".split()
)


# Words that ask what to do about a difficulty (« comment se protéger des impayés ? »): its
# card, a list of pieces of advice, answers them whatever its own words.
_ADVICE_TERMS = frozenset(
    stem(w)
    for w in "proteger protege couvrir couvre eviter evite gerer gere limiter reduire faire fait conseil conseils "
    "astuce astuces solution solutions surmonter affronter anticiper minimiser precaution precautions".split()
)


def asks_beyond(kb: KnowledgeBase, text: str, name: str) -> bool:
    """Whether a question asks something besides the name it gives (an unknown programme's
    « déclaration d'origine » in « quelles erreurs commet-on dans la déclaration d'origine ? »):
    two meaningful words or more outside the name."""
    return len(asked_terms(kb, text) - set(ranker_for(kb).query_terms(name or ""))) >= 2


def asked_terms(kb: KnowledgeBase, text: str) -> set:
    """The question's meaningful terms, as the ranker reads them (« V.I.E » is one word): no
    stop words, no vague words, no words of the aspects every programme card answers, no
    place."""
    ranker = ranker_for(kb)
    # A place narrows a question without changing its subject (« les normes pour les US »).
    places = {
        t
        for kind in ("country", "region")
        for rid in kb.mentioned(kind, text or "")
        for label in kb.labels(kind, rid)
        for t in ranker.query_terms(label)
    }
    return {t for t in ranker.query_terms(text or "") if t not in _IGNORED_TERMS and t not in places}


def is_about(kb: KnowledgeBase, unit, kind: str, rid: str) -> bool:
    """Whether a unit is about a record: one of its own units, or a FAQ entry that links it or
    names it in its question."""
    if (unit.kind, unit.record_id) == (kind, rid):
        return True
    if unit.kind != "faq":
        return False
    faq = kb.get("faq", unit.record_id)
    return rid in faq.get(f"{kind}s", ()) or rid in kb.mentioned(kind, faq["question"])


def names_only(kb: KnowledgeBase, kind: str, rid: str, text: str) -> bool:
    """Whether a question says little more than the record's name (« C'est quoi le numéro
    EORI ? », « Suis-je éligible au V.I.E ? », « parlez-moi de Vitagora ») : at most one
    meaningful word besides its names."""
    named = {t for label in kb.labels(kind, rid) for t in ranker_for(kb).query_terms(label)}
    # A difficulty is a broad subject: one word beside its name already asks about a point of
    # it (« comment obtenir le marquage CE ? »), where a programme's name plus a word still
    # asks about the programme (« suis-je éligible au V.I.E ? »).
    return len(asked_terms(kb, text) - named) <= (0 if kind == "obstacle" else 1)


# The unit a record's own reply answers, by the intent that built it: its aspect, for a
# programme; the whole record otherwise.
_INTENT_ASPECTS = {intent: aspect for aspect, (intent, _) in ASPECT_REPLIES.items()}


def card_unit_id(kind: str, rid: str) -> str:
    """The unit a record's card answers: a programme has no unit of its own, its card
    (`ask_programme`) is its presentation."""
    if kind == "programme":
        return answer_units.unit_id(kind, rid, _INTENT_ASPECTS[replies.CARD_INTENTS[kind]])
    return answer_units.unit_id(kind, rid)


def mark_record_reply(kb: KnowledgeBase, intent: str, updates: dict, messages: list) -> list:
    """Marks the reply an intent built about one record (the slot it set) with that record's
    unit, as a unit's own reply is; other replies are left as they are."""
    if not messages or (messages[0].get("metadata") or {}).get(UNIT_KEY):
        return messages
    if updates.get("programme") and intent in _INTENT_ASPECTS:
        kind, rid = "programme", updates["programme"]
        unit_id = answer_units.unit_id(kind, rid, _INTENT_ASPECTS[intent])
    else:
        found = next(((k, updates[k]) for k in answer_units.RECORD_UNIT_IDS if updates.get(k)), None)
        if found is None:
            return messages
        kind, rid = found
        unit_id = answer_units.unit_id(kind, rid)
    return _with_metadata(messages, unit_id) if kb.get(kind, rid) is not None else messages
