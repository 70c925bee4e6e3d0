"""Decides what to answer from what NLU extracted and what the user typed.

Entity extraction misses some names (typos, unknown aliases), so each answer falls back,
in order, on the names mentioned in the text, then on a free-text search, and finally
asks the user to choose among buttons rather than guess.
"""

from __future__ import annotations

import json

from bot.core import corrections, intent_labels, out_of_reach, quantities, replies, unit_answers
from bot.core.advice import company as advice_company
from bot.core.advice import eligibility, render
from bot.core.text import words
from bot.knowledge.snapshot import KnowledgeBase

# Search scores are the mean weight of the matched query words: 3 means every word
# matched a name or an alias, 1 a long text.
SEARCH_MIN_SCORE = 2.2


def answer_programme(kb: KnowledgeBase, entity: str | None, text: str):
    """(programme id or None, messages)."""
    pid = programme_in_context(kb, entity, None, text)
    if pid is None and not entity:
        organisations = kb.mentioned("organisation", text or "")
        if organisations:
            return None, _card_or_honest(kb, "organisation", organisations[0], text, replies.organisation_info)
        hits = kb.search(text or "", kinds=("programme",), limit=1)
        pid = hits[0].id if hits and hits[0].score >= SEARCH_MIN_SCORE else None
    if pid is not None:
        return pid, replies.programme_details(kb, pid, text)
    if entity and unit_answers.asks_beyond(kb, text, entity):
        # A precise question about a name we do not know: the ranker, consulted first, found
        # no unit for it, so the honest reply rather than a list of programme names.
        return None, unit_answers.no_reliable_answer(kb, text)
    if entity:
        # A name we do not know: the closest names we do.
        return None, replies.unknown_programme(kb, entity)
    return None, _honest_or_menu(kb, text, replies.which_programme(kb))


def answer_obstacle(kb: KnowledgeBase, entity: str | None, text: str, context: dict | None = None):
    """(obstacle id or None, messages). The ranker, consulted before (intent_table.answer_message),
    has answered the precise questions it could; here, a difficulty named in general terms gets
    the obstacle's advice; a follow-up that names none (« comment se couvrir ? ») is about the
    difficulty discussed before, or the company's main need; a precise question about none of
    them gets the honest reply."""
    context = context or {}
    obstacle_id = kb.named("obstacle", entity, text)
    if obstacle_id is None and not unit_answers.is_precise(kb, text):
        hits = kb.search(text or "", kinds=("obstacle",), limit=1)
        obstacle_id = hits[0].id if hits and hits[0].score >= SEARCH_MIN_SCORE else None
    if obstacle_id is not None and unit_answers.beside_the_record(kb, "obstacle", obstacle_id, text):
        # The difficulty is named, the point asked is not in its card: say so, card one tap away.
        return None, unit_answers.no_reliable_answer(kb, text, ("obstacle", obstacle_id))
    if obstacle_id is not None:
        return obstacle_id, replies.obstacle_advice(kb, obstacle_id)
    if not unit_answers.is_precise(kb, text):
        for earlier in (context.get("obstacle"), context.get("need")):
            obstacle_id = kb.fuzzy_resolve("obstacle", earlier) if earlier else None
            if obstacle_id is not None:
                return obstacle_id, replies.obstacle_advice(kb, obstacle_id)
    return None, _honest_or_menu(kb, text, replies.which_obstacle(kb))


# The FAQ entry on joining a pôle, added to a pôle's card when the user wants to join it.
JOIN_CLUSTER_FAQ = "rejoindre-un-pole"
_JOIN_WORDS = ("rejoindre", "adherer", "adherent", "adhesion", "membre", "integrer")


def answer_cluster(kb: KnowledgeBase, entity: str | None, sector: str | None, text: str, region: str | None = None):
    """(cluster id or None, messages): a named pôle, else the pôles of a sector (those of
    the company's Région first); « rejoindre un pôle » adds how to join."""
    joining = kb.get("faq", JOIN_CLUSTER_FAQ) is not None and any(w in _JOIN_WORDS for w in words(text or ""))
    how_to_join = replies.faq_answer(kb, JOIN_CLUSTER_FAQ) if joining else []
    pole_id = kb.named("cluster", entity, text)
    if pole_id is not None:
        return pole_id, replies.cluster_info(kb, pole_id) + how_to_join
    sector_id = kb.named("sector", sector, text)
    if sector_id is not None:
        return None, replies.clusters_for_sector(kb, sector_id, region) + how_to_join
    if joining:
        return None, how_to_join
    return None, _honest_or_menu(kb, text, replies.which_cluster(kb))


def _honest_or_menu(kb: KnowledgeBase, text: str, otherwise: list) -> list:
    """When the intent's own record cannot be found (and the ranker, consulted first, found
    nothing reliable): a precise question gets the honest reply, never a menu; a vague one
    (« quelles aides dans ma région ? ») gets `otherwise`, which asks the user to choose."""
    if unit_answers.is_precise(kb, text):
        return unit_answers.no_reliable_answer(kb, text)
    return otherwise


def answer_organisation(kb: KnowledgeBase, entity: str | None, text: str):
    """(organisation id or None, messages)."""
    organisation_id = kb.named("organisation", entity, text)
    if organisation_id is not None and unit_answers.beside_the_record(kb, "organisation", organisation_id, text):
        return None, unit_answers.no_reliable_answer(kb, text, ("organisation", organisation_id))
    if organisation_id is not None:
        return organisation_id, replies.organisation_info(kb, organisation_id)
    programmes = kb.mentioned("programme", text or "")
    if programmes:
        return None, _card_or_honest(kb, "programme", programmes[0], text, replies.programme_details)
    return None, _honest_or_menu(kb, text, replies.which_organisation(kb))


def _card_or_honest(kb: KnowledgeBase, kind: str, rid: str, text: str, card) -> list:
    """The card of a record the message names besides the intent's own kind, when it holds the
    question's words; else the honest reply with that card one tap away."""
    if unit_answers.beside_the_record(kb, kind, rid, text):
        return unit_answers.no_reliable_answer(kb, text, (kind, rid))
    return card(kb, rid)


def answer_region(
    kb: KnowledgeBase, region: str | None, departement: str | None, text: str, context: dict | None = None
):
    """(region id or None, messages): a département leads to its Région; without either,
    the Région given earlier in the conversation."""
    context = context or {}
    region_id, code = region_in_context(
        kb, region, departement, text or "", context.get("region"), context.get("departement")
    )
    if region_id is not None:
        return region_id, replies.region_support(kb, region_id, code)
    return None, _honest_or_menu(kb, text, replies.which_region(kb))


def answer_country(kb: KnowledgeBase, entity: str | None, text: str):
    """(country id or None, messages)."""
    country_id = kb.named("country", entity, text)
    if country_id is not None and unit_answers.beside_the_record(kb, "country", country_id, text):
        return None, unit_answers.no_reliable_answer(kb, text, ("country", country_id))
    if country_id is not None:
        return country_id, replies.country_pointers(kb, country_id)
    return None, _honest_or_menu(kb, text, replies.which_country(kb))


def answer_out_of_scope(kb: KnowledgeBase, text: str):
    """Before saying « I only answer export questions », ask the ranker: a question about the
    trade deficit or Ubifrance may look off-topic to the classifier yet have its answer. A sure
    or likely unit counts here (on the tuning half, likely ones added one right answer and no
    wrong one); otherwise the caller says what the assistant is for. A private individual or a
    live figure is declined first (bot/core/out_of_reach.py): the ranker's nearest entry would
    answer beside the point."""
    declined = out_of_reach.answer(kb, text)
    if declined is not None:
        return declined
    decision = unit_answers.decide(kb, text)
    if decision.kind in ("sure", "likely"):
        return unit_answers.unit_reply(kb, decision.best[0].unit, text)
    return {}, []


def answer_unclear(kb: KnowledgeBase, text: str, ranking: list, entities: dict):
    """(slot updates, messages) for a message the classifier is unsure of: the ranker's
    answer if it has one; the honest reply to a precise question; « Vouliez-vous dire… » only
    when neither the classifier nor the ranker understands."""
    found = answer_by_ranker(kb, text)
    return found if found is not None else ({}, [intent_labels.did_you_mean(ranking, entities)])


def answer_by_ranker(kb: KnowledgeBase, text: str):
    """(slot updates, messages): the ranker's answer, or the honest reply to a precise
    question; None for a vague message, which the caller answers otherwise. A private
    individual or a live figure is declined before the ranker (bot/core/out_of_reach.py)."""
    if (text or "").startswith("/"):  # a button's payload, not a question
        return None
    found = out_of_reach.answer(kb, text) or unit_answers.answer_text(kb, text)
    if found is not None:
        return found
    if unit_answers.is_precise(kb, text):
        return {}, unit_answers.no_reliable_answer(kb, text)
    return None


def programme_in_context(kb: KnowledgeBase, entity: str | None, context: str | None, text: str):
    """The programme a follow-up is about: the one named now, else the one of the
    previous turns (« et c'est pour qui ? »)."""
    pid = kb.fuzzy_resolve("programme", entity) if entity else None
    mentioned = kb.mentioned("programme", text or "")
    # « Assurance Prospection Accompagnement » contains « Assurance Prospection »: the
    # extractor may keep only the shorter name, the text has the whole one.
    if mentioned and (pid is None or (pid in mentioned and mentioned[0] != pid)):
        pid = mentioned[0]
    if pid is None and context:
        pid = kb.fuzzy_resolve("programme", context)
    return pid


def answer_programme_aspect(kb: KnowledgeBase, intent: str, entity: str | None, context: str | None, text: str):
    """(programme id or None, messages) for « who is it for », « how much », « how to
    apply », « is it still open »: one aspect of one programme."""
    pid = programme_in_context(kb, entity, context, text)
    if pid is None:
        return None, _honest_or_menu(kb, text, replies.which_programme(kb, intent))
    if pid == context and not entity and _off_the_programme(kb, pid, text):
        # « le quota japonais sur le glutamate, c'est combien ? » is no follow-up on the
        # programme discussed before: say we do not know rather than answer beside it.
        return None, _honest_or_menu(kb, text, replies.not_in_knowledge(kb, pid, intent))
    return pid, replies.PROGRAMME_ASPECTS[intent](kb, pid, text)


# Words of follow-up questions that no programme record needs to contain.
FOLLOW_UP_WORDS = unit_answers.ASPECT_WORDS
# A follow-up may name up to this many words that the programme's record does not contain.
OFF_TOPIC_WORDS = 2


def _off_the_programme(kb: KnowledgeBase, pid: str, text: str) -> bool:
    own = kb.words_of("programme", pid)
    foreign = [w for w in kb.query_words(text) if w not in own and w not in FOLLOW_UP_WORDS]
    return len(foreign) >= OFF_TOPIC_WORDS


def region_in_context(
    kb: KnowledgeBase,
    region: str | None,
    departement: str | None,
    text: str,
    context_region: str | None = None,
    context_departement: str | None = None,
):
    """(region id, département code): named now, else mentioned in the text, else known
    from the earlier turns."""
    for reg, dep, txt in ((region, departement, text), (context_region, context_departement, "")):
        code = kb.resolve_departement(dep) if dep else None
        region_id = None if code else kb.named("region", reg, txt)
        if region_id is None and code is None and txt:
            codes = kb.departements_in_text(txt)
            code = codes[0] if codes else None
        if code is not None:
            return kb.departement(code)["region"], code
        if region_id is not None:
            return region_id, None
    return None, None


def answer_contact(
    kb: KnowledgeBase,
    programme: str | None,
    organisation: str | None,
    region: str | None,
    departement: str | None,
    text: str,
    context: dict,
):
    """(slot updates, messages) for « qui contacter ? »: a Région named now wins, then a
    programme or an organisation named now, then what the conversation was about."""
    region_id, code = region_in_context(kb, region, departement, text)
    if region_id:
        return {"region": region_id}, replies.region_support(kb, region_id, code)
    pid = programme_in_context(kb, programme, None, text)
    if pid:
        return {"programme": pid}, replies.programme_contact(kb, pid)
    organisation_id = kb.named("organisation", organisation, text)
    if organisation_id:
        return {"organisation": organisation_id}, replies.organisation_info(kb, organisation_id)
    pid = programme_in_context(kb, None, context.get("programme"), "")
    if pid:
        return {"programme": pid}, replies.programme_contact(kb, pid)
    region_id, code = region_in_context(kb, None, None, "", context.get("region"), context.get("departement"))
    if region_id:
        return {"region": region_id}, replies.region_support(kb, region_id, code)
    return {}, replies.adviser_contact(kb)


def region_answer(kb: KnowledgeBase, value: str | None, text: str):
    """What an answer to « dans quelle Région ? » gives: (region id, département code),
    advice_company.NOT_GIVEN when the user declines, (None, None) when it names no place we know."""
    if quantities.is_skip(text) or value == advice_company.NOT_GIVEN:
        return advice_company.NOT_GIVEN, None
    return region_in_context(kb, value, value, text)


def answer_adviser(kb: KnowledgeBase, context: dict):
    """The advisers of the Région, those for the company's need first, then the offer of a
    dossier for them."""
    region_id, _ = region_in_context(kb, None, None, "", context.get("region"), context.get("departement"))
    need = advice_company.parse_need(kb, context.get("need")) if context.get("need") else None
    return replies.adviser_contact(
        kb, region_id, ask_region=context.get("region") != advice_company.NOT_GIVEN, need=need
    ) + [render.handover_offer()]


def answer_company(kb: KnowledgeBase, values: dict, today=None, text: str = "", served: tuple = (), wanted: tuple = ()):
    """(slot updates, messages) for a statement about the company: each value normalised,
    repeated back in plain French, and what is still unknown. A place the extractor missed
    (« nous sommes à Rennes ») is looked for in the text. When an eligibility question was
    waiting for these values, its report follows, updated."""
    if text and not (values.get("region") or values.get("departement")):
        # A place the message negates (« on n'est pas à Nancy ») is not looked for.
        stated = corrections.split_negated(kb, text).kept
        region_id, code = advice_company.parse_place(kb, stated, stated)
        values = dict(values, region=region_id, departement=code) if region_id else values
    company = advice_company.from_values(kb, values, today)
    updates = advice_company.to_slots(company)
    missing = [
        eligibility.FIELD_LABELS[slot]
        for slot in ("sector", "region", "headcount", "revenue", "company_age", "country")
        if company.value_of(slot) is None
    ]
    # « non, nous sommes 50, pas 15 »: the reply also says what it did not keep.
    dismissed = corrections.labels(kb, corrections.negated_values(kb, corrections.split_negated(kb, text)))
    messages = replies.company_noted(advice_company.describe(kb, company, served, wanted), missing, dismissed)
    pending = values.get("pending_eligibility")
    if pending and kb.get("programme", pending):
        assessment = eligibility.assess(kb, pending, company)
        updates["pending_eligibility"] = pending if assessment.missing else None
        messages += render.eligibility_report(kb, assessment, company)
    return updates, messages


def answer_eligibility(kb: KnowledgeBase, entity: str | None, context: dict, text: str, today=None):
    """(slot updates, messages): the programme's criteria checked against what the
    conversation says about the company; what is missing is asked for."""
    pid = programme_in_context(kb, entity, context.get("programme"), text)
    if pid is None:
        return {}, _honest_or_menu(kb, text, replies.which_programme(kb, "ask_eligibility"))
    company = advice_company.from_values(kb, context, today)
    assessment = eligibility.assess(kb, pid, company)
    return (
        {"programme": pid, "pending_eligibility": pid if assessment.missing else None},
        render.eligibility_report(kb, assessment, company),
    )


def parse_payload(payload: str):
    """(intent, entities) of a button payload « /intent{"entity": "value"} », or None."""
    if not payload or not payload.startswith("/"):
        return None
    name, _, raw = payload[1:].partition("{")
    try:
        entities = json.loads("{" + raw) if raw else {}
    except ValueError:
        return None
    return name, entities if isinstance(entities, dict) else {}


def is_choice(text: str, options: list) -> bool:
    """Whether a message is nothing but the number of one of the buttons just shown."""
    stripped = (text or "").strip().rstrip(".)").strip()
    return bool(options) and stripped.isdigit() and 1 <= int(stripped) <= len(options)
