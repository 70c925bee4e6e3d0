"""One reply to a message that describes the company and asks several questions (issue #17).

« Nous sommes 40 à Angers, on fait des machines agricoles. On vend déjà en Belgique. On vise
le Maroc : il faut un marquage particulier ? et qui peut nous aider en Pays de la Loire ? »
gets, in one reply: the profile in one short line (markets served told apart from the market
wanted), then an answer to each question, in order (up to three). A general question (« quelles
aides ? ») is answered for the company: the programmes that fit it best and, when its Région
is known, the Région's contacts.

Used by the action server; pure Python, no Rasa import.
"""

from __future__ import annotations

import re

from bot.core import (
    answer_router,
    corrections,
    follow_ups,
    message_parts,
    out_of_reach,
    quantities,
    replies,
    unit_answers,
)
from bot.core.advice import company as advice_company
from bot.core.advice import finder, render
from bot.core.ranker import terms
from bot.core.text import fold, words
from bot.knowledge.snapshot import KnowledgeBase

# « Quelles aides ? », « quels financements pour nous ? »: a general question, answered for the
# company rather than searched.
_GENERAL_AID = re.compile(r"\b(aides?|financements?|dispositifs?|subventions?|soutiens?|accompagnements?)\b")
# « Qui peut nous aider ? », « à qui s'adresser ? »: whom to contact, near the company.
_WHO_HELPS = re.compile(
    r"\bqui (peut|pourrait|pourraient|peuvent) (nous |m )?(aider|accompagner|conseiller)\b"
    r"|\b(a|vers) qui (nous |me |m'|s'|se )?(adresser|tourner)\b|\bqui contacter\b"
)
# Fewer meaningful words than this, besides the ones above, make a question general.
_GENERAL_MAX_TERMS = 2
RECOMMENDED_IN_COMPOUND = 3
# A question of the message that gets the honest reply offers one nearest unit, not two: a
# reply to three questions must stay short.
NEAREST_IN_COMPOUND = 1
# « là-bas », « dans ce pays », « sur place »: the market the company wants, named in its
# description; the ranker and the honest reply need its name.
_THERE = re.compile(
    r"(?<!\w)(là-bas|la-bas|là bas|sur place|(dans|avec|pour|sur|vers|de|à) ce (pays|marché))(?!\w)", re.IGNORECASE
)
# Where a line of several questions is cut into them.
_ASKED_TOGETHER = re.compile(r"(?<=\?)\s+")
# Metadata key of the profile line (kept with the other keys of a bot message's metadata).
PROFILE_KEY = unit_answers.PROFILE_KEY


def _profile_line(kb: KnowledgeBase, company, served: tuple, wanted: tuple = ()) -> str:
    """The profile in one line, so that a misreading shows without a block at every turn:
    every market wanted, not only the first (the one the `country` slot keeps)."""
    facts = [fact[0].lower() + fact[1:] for fact in advice_company.describe(kb, company, served, wanted)]
    return "C'est noté : " + " ; ".join(facts) + "." if facts else ""


def _is_general(question: str) -> bool:
    folded = fold(question)
    if not _GENERAL_AID.search(folded):
        return False
    others = [t for t in terms(question) if not _GENERAL_AID.search(t)]
    return len(others) <= _GENERAL_MAX_TERMS


def for_the_company(kb: KnowledgeBase, company) -> list:
    """The programmes that fit the company best, then its Région's contacts when known. A
    regional body that is one of those contacts (« Team France Export Auvergne-Rhône-Alpes »)
    is listed there only, and its place among the programmes goes to the next one."""
    shown = replies.contact_programmes(kb, company.region) if company.region else set()
    ranked = [r for r in finder.recommend(kb, company, limit=None) if r.programme_id not in shown]
    recommended = ranked[:RECOMMENDED_IN_COMPOUND]
    messages = render.recommendations(kb, company, recommended)[1:-1] if recommended else []
    if company.region:
        messages += replies.region_support(kb, company.region, company.departement)
    return messages


def _answer_question(kb: KnowledgeBase, question: str, company) -> tuple:
    """(slot updates, messages) for one question of the message. A live figure gets the honest
    reply before anything else: the nearest entry would answer beside the point."""
    if out_of_reach.asks_live_figure(kb, question):
        return {}, out_of_reach.live_figure_reply(kb, question)
    if company.country:
        country = kb.get("country", company.country)
        place = country["in_form"] if country else f"en {kb.name('country', company.country)}"
        question = _THERE.sub(place, question)
    region_id, code = advice_company.parse_place(kb, question, question)
    # « on est dans le 69, qui peut nous aider pour l'export ? »: the contacts near the company.
    if not region_id and company.region and _WHO_HELPS.search(fold(question)):
        region_id, code = company.region, company.departement
    if region_id and unit_answers.decide(kb, question).kind != "sure":
        updates = {"region": region_id}
        return updates, unit_answers.mark_record_reply(
            kb, "ask_region_support", updates, replies.region_support(kb, region_id, code)
        )
    if _is_general(question):
        return {}, for_the_company(kb, company)
    # « faut-il enregistrer nos produits ? » after « nous visons le Japon » is about Japan.
    if company.country and not kb.mentioned("country", question):
        decision = unit_answers.decide(kb, f"{question} {kb.name('country', company.country)}")
        if decision.kind == "sure" and unit_answers.is_about(kb, decision.best[0].unit, "country", company.country):
            return unit_answers.unit_reply(kb, decision.best[0].unit, question)
    found = unit_answers.answer_text(kb, question)
    if found is not None:
        return found
    # A line of several questions (« Vous voulez faire affaire avec des Allemands ? Mais vous
    # craignez… ? ») is one question; when the ranker finds nothing for the whole, each of
    # them alone may still be answered.
    for part in _ASKED_TOGETHER.split(question) if question.count("?") > 1 else ():
        found = unit_answers.answer_text(kb, part)
        if found is not None:
            return found
    # « Et comment se protéger des impayés ? »: the card of the difficulty or record it names,
    # when that card holds the question's words.
    for kind, card in _CARDS.items():
        for rid in kb.mentioned(kind, question)[:1]:
            if not unit_answers.beside_the_record(kb, kind, rid, question):
                updates = {kind: rid}
                return updates, unit_answers.mark_record_reply(kb, replies.CARD_INTENTS[kind], updates, card(kb, rid))
    # Nothing reliable: the record the question names stays one tap away, as for a single
    # question (« il faut un marquage particulier au Maroc ? »: Morocco's card leads to its
    # regulatory page), beside the nearest entry, which may be nearer to the point asked.
    # France is where the company is (« la mention Fabriqué en France »), never a market to show.
    named = next(
        ((kind, rid) for kind in _NAMED for rid in kb.mentioned(kind, question) if (kind, rid) != ("country", "fr")),
        None,
    )
    offered = NEAREST_IN_COMPOUND + (named is not None)
    return {}, unit_answers.no_reliable_answer(kb, question, named, offered=offered)


# A country's or an organisation's card is too broad for a precise question (« faut-il
# enregistrer nos produits au Japon ? »): only a difficulty's or a programme's.
_CARDS = {"obstacle": replies.obstacle_advice, "programme": replies.programme_details}
# The records whose card the honest reply offers when the question names one, in this order.
_NAMED = ("programme", "obstacle", "country", "organisation")


def _headed(question: str, messages: list) -> list:
    """The question repeated above its answer, so that each answer shows what it answers."""
    if not messages:
        return messages
    first = dict(messages[0], text=f"« {question} »\n{messages[0]['text']}")
    return [first, *messages[1:]]


def _same_answer(earlier: str, unit: str) -> dict:
    """The reply to a question whose answer was just given for an earlier one."""
    return dict(
        replies.message(f"La réponse est celle donnée ci-dessus pour « {earlier} »."),
        metadata={unit_answers.UNIT_KEY: unit},
    )


def with_profile(message: dict, slots: dict, markets: message_parts.Markets) -> dict:
    """The message that acknowledges the profile, with the facts read beside its text (the
    measure on the development set compares them): the slots, the markets served and every
    market wanted (the `country` slot holds the first)."""
    facts = {slot: slots.get(slot) for slot in ("headcount", "region", "sector", "country") if slots.get(slot)}
    target = list(markets.wanted) or ([slots["country"]] if slots.get("country") else [])
    facts.update(served=list(markets.served), target=target)
    metadata = dict(message.get("metadata") or {}, **{PROFILE_KEY: facts})
    return dict(message, metadata=metadata)


def prepare(kb: KnowledgeBase) -> None:
    """Builds, before any question, what answering needs: the ranker over `kb` and spaCy's
    sentencizer (a few seconds to load)."""
    unit_answers.prepare(kb)
    message_parts.prepare()


def read_profile(kb: KnowledgeBase, text: str, entities: dict) -> tuple:
    """(profile slot values the message states, its Markets): the extractor's entities, set
    right where the sentences say otherwise: a place, a sector or a headcount it missed, « il y
    a trois ans » that dates a trade fair and not the company, a market already served that is
    not the one wanted. What the message negates (« pas à Nancy », « pas l'Algérie ») is set
    aside first: it is no fact of the company (corrections.py)."""
    reading = corrections.split_negated(kb, text)
    if reading.negated:
        entities = {slot: v for slot, v in entities.items() if not v or not corrections.only_negated(v, reading)}
        text = reading.kept
    described = {
        slot: value
        for slot, value in entities.items()
        if slot in advice_company.PROFILE_SLOTS and value and message_parts.stated_with_cue(text, slot, value)
    }
    # A place the extractor took that names no département or Région (« Oloron-Sainte-Marie »)
    # gives way to what the sentences say (« (Pyrénées-Atlantiques) »).
    if (described.get("departement") or described.get("region")) and advice_company.parse_place(
        kb, described.get("region"), described.get("departement")
    ) == (None, None):
        described.pop("departement", None)
        described.pop("region", None)
    parts = message_parts.split(text)
    said = parts.statements
    statements = " ".join(said)
    # A sector the extractor read in a question (« comment être payé en sécurité ? » →
    # Sécurité) is no trade of the company: the trade is read from the statements.
    if described.get("sector") and _only_asked(described["sector"], parts):
        del described["sector"]
    if not described.get("departement") and statements:
        # « Nous sommes 40 à Angers » places the company more precisely than a Région named in
        # a question (« qui peut nous aider en Pays de la Loire ? »).
        region_id, code = advice_company.parse_place(kb, statements, statements)
        if region_id and (code or not described.get("region")) and described.get("region") in (None, region_id):
            described.update(region=region_id, departement=code)
    # The trade is read where the writer speaks of the company (« je travaille comme
    # graphiste »), not in any sentence (« faire Payoneer -> Revolut -> banque »).
    own = " ".join(s for s in said if message_parts.speaks_of_itself((s,)))
    # A trade the writer names in full (« des machines agricoles ») is surer than the
    # extractor's guess.
    named = advice_company.sector_named(kb, own) if own else None
    if named or not described.get("sector"):
        sector = named or (advice_company.parse_sector(kb, own) if own else None)
        if sector:
            described["sector"] = sector
    if not described.get("headcount"):
        headcount = message_parts.headcount_in(statements)
        if headcount is not None:
            described["headcount"] = str(headcount)
    age = described.get("company_age")
    if age and (message_parts.age_is_a_past_event(text) or not message_parts.dates_the_company(kb, text, age)):
        del described["company_age"]
    elif age:
        # « créée en mars 2024 »: the month makes the age exact, where the year alone is vague.
        described["company_age"] = quantities.with_its_month(text, age)
    # The extractor's country is read by the same rules as the sentences: a market is wanted
    # only where a clause says so, whatever found its name (« un client ukrainien nous a
    # contactés » wants nothing).
    named = described.pop("country", None)
    is_a_country = bool(named) and kb.named("country", named, "") is not None
    markets = message_parts.markets(kb, text, (named,) if is_a_country else ())
    if markets.wanted:
        described["country"] = markets.wanted[0]
    elif named and not is_a_country and message_parts.wanted_in(text, named):
        described["country"] = named  # a zone (« l'Asie »)
    return described, markets


def _only_asked(value: str, parts: message_parts.Parts) -> bool:
    """Whether the words of `value` are in a question of the message and in no statement."""
    wanted = f" {' '.join(words(value))} "
    if not wanted.strip():
        return False

    def holds(sentences: tuple) -> bool:
        return any(wanted in f" {' '.join(words(sentence))} " for sentence in sentences)

    return holds(parts.questions) and not holds(parts.statements)


def merged_profile(context: dict, entities: dict, described: dict, contradicted: tuple = ()) -> tuple:
    """(profile values, slots to clear): the earlier turns' slots, then what this message
    states. Rasa fills a slot from its entity before any action runs, so a value that
    read_profile set aside (« il y a trois ans ») is in the slots already: it is cleared, as
    are the `contradicted` slots (a value the message negates, corrections.contradicted_slots).
    A place stated replaces the whole place: a Région named alone does not keep the earlier
    turn's département (« on est en Bretagne » after « dans le Calvados »)."""
    values = {slot: context.get(slot) for slot in advice_company.PROFILE_SLOTS if context.get(slot)}
    cleared = [
        slot
        for slot, value in entities.items()
        if slot in advice_company.PROFILE_SLOTS and slot not in described and values.get(slot) == value
    ]
    cleared += [slot for slot in contradicted if slot in values and slot not in described and slot not in cleared]
    if described.get("region") or described.get("departement"):
        cleared += [s for s in ("region", "departement") if s in values and s not in described and s not in cleared]
    for slot in cleared:
        values.pop(slot, None)
    values.update(described)
    return values, cleared


def contradicted(kb: KnowledgeBase, text: str, context: dict) -> list:
    """The profile slots of `context` whose value the message negates (« pas à Nancy »)."""
    return corrections.contradicted_slots(
        kb, corrections.negated_values(kb, corrections.split_negated(kb, text)), context
    )


def answer(kb: KnowledgeBase, text: str, entities: dict, context: dict, today=None):
    """(slot updates, messages) for a compound message, or None when the message is not one
    (a single question, or a description without a question)."""
    parts = message_parts.split(text)
    # A single question with nothing before it, the most common message, is no compound.
    if not parts.questions or (len(parts.questions) == 1 and not parts.statements):
        return None
    described, markets = read_profile(kb, text, entities)
    precise = sum(1 for q in parts.questions if unit_answers.is_precise(kb, q))
    if not message_parts.speaks_of_itself(parts.statements):
        described, markets = {}, message_parts.Markets((), ())
    if not message_parts.is_compound(parts, bool(described) or bool(markets.served), precise):
        return None
    if out_of_reach.is_private_individual(text):
        # « Je suis particulier… » speaks for the whole message: no profile, no answers.
        return {}, out_of_reach.private_individual_reply()
    values, cleared = merged_profile(context, entities, described, contradicted(kb, text, context))
    company = advice_company.from_values(kb, values, today)
    updates = dict(advice_company.to_slots(company), **dict.fromkeys(cleared))
    messages = []
    line = _profile_line(kb, company, markets.served, markets.wanted) if described or markets.served else ""
    if line:
        messages.append(with_profile(replies.message(line), updates, markets))
    questions = parts.questions[: message_parts.MAX_QUESTIONS]
    given = {}  # unit id → the question whose answer gave it
    for question in questions:
        found_updates, answered = _answer_question(kb, question, company)
        updates.update({k: v for k, v in found_updates.items() if k not in updates})
        unit = (answered[0].get("metadata") or {}).get(unit_answers.UNIT_KEY) if answered else None
        if unit in given:
            # Two questions of one message that the same unit answers: it is given once.
            answered = [_same_answer(given[unit], unit)]
        elif unit:
            given[unit] = question
        messages += _headed(question, answered) if len(questions) > 1 else answered
    if len(parts.questions) > len(questions):
        messages.append(
            replies.message(
                f"J'ai répondu à vos {len(questions)} premières questions ; posez-moi la suite séparément, "
                "je vous répondrai point par point."
            )
        )
    return updates, messages


def country_alone(
    kb: KnowledgeBase, text: str, entities: dict, read: tuple | None = None, previous_question: str | None = None
):
    """(slot updates, messages) for a message the classifier took for a description of the
    company, that names a country and nothing about the company (« exporter en Allemagne »,
    « et pour l'Allemagne ? »): the country's card, as asking for it would give, unless it asks
    the previous question again for that country and the ranker is sure of the answer
    (follow_ups.with_the_condition_changed; `previous_question`, follow_ups.last_question). None
    when the message says something about the company, negates a value (a correction) or names
    no country. A private individual
    (« envoyer un colis à ma fille au Canada ») is declined instead. `read`, what read_profile
    gave for this message, when the caller has it already."""
    if out_of_reach.is_private_individual(text):
        return {}, out_of_reach.private_individual_reply()
    described, markets = read or read_profile(kb, text, entities)
    if described or markets.served or markets.wanted:
        return None
    # « en fait on ne vend pas encore en Belgique » corrects the profile; it asks for no card.
    if corrections.split_negated(kb, text).negated:
        return None
    country_id = kb.named("country", entities.get("country"), text)
    if country_id is None:
        return None
    reasked = follow_ups.with_the_condition_changed(kb, text, previous_question)
    if reasked is not None:
        return reasked
    found, messages = answer_router.answer_country(kb, kb.name("country", country_id), text)
    return ({"country": found} if found else {}), messages


def question_alone(
    kb: KnowledgeBase, text: str, entities: dict, read: tuple | None = None, previous_question: str | None = None
):
    """(slot updates, messages) for a message the classifier took for a greeting or a
    description of the company, but that describes nothing and asks a question (« Quel est
    l'objectif du Prêt Croissance International ? »): the ranker's answer, or the honest reply
    to a precise question; a follow-up that changes a condition of the previous question (« et
    si c'est un particulier ? ») first gets that question asked again, as country_alone. None
    when the message says something about the company, asks nothing, or asks something vague
    (« Bonjour, comment allez-vous ? »). `read` and `previous_question`, as for country_alone."""
    if not message_parts.split(text).questions:
        return None
    described, markets = read or read_profile(kb, text, entities)
    if described or markets.served or markets.wanted:
        return None
    reasked = follow_ups.with_the_condition_changed(kb, text, previous_question)
    if reasked is not None:
        return reasked
    return answer_router.answer_by_ranker(kb, text)
