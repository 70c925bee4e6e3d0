"""Decides what to answer from what NLU extracted and what the user typed.

Entity extraction misses some names (typos, unknown aliases), so each answer falls back,
in order, on the names mentioned in the text, then on a free-text search, and finally
asks the user to choose among buttons rather than guess.
"""

from __future__ import annotations

from typing import Optional

from bot import replies
from bot.knowledge.snapshot import KnowledgeBase

# Search scores are the mean weight of the matched query words: 3 means every word
# matched a name or an alias, 1 a long text.
FAQ_MIN_SCORE = 2.0
SEARCH_MIN_SCORE = 2.2
# How much better a FAQ entry must match than the named obstacle to answer instead of it.
FAQ_MARGIN = 0.5


def answer_programme(kb: KnowledgeBase, entity: Optional[str], text: str):
    """(programme id or None, messages)."""
    pid = kb.fuzzy_resolve("programme", entity) if entity else None
    mentioned = kb.mentioned("programme", text or "")
    # « Assurance Prospection Accompagnement » contains « Assurance Prospection »: the
    # extractor may keep only the shorter name, the text has the whole one.
    if mentioned and (pid is None or (pid in mentioned and mentioned[0] != pid)):
        pid = mentioned[0]
    if pid is None and not entity:
        organisations = kb.mentioned("organisation", text or "")
        if organisations:
            return None, replies.organisation_info(kb, organisations[0])
        hits = kb.search(text or "", kinds=("programme",), limit=1)
        pid = hits[0].id if hits and hits[0].score >= SEARCH_MIN_SCORE else None
    if pid is not None:
        return pid, replies.programme_details(kb, pid)
    if entity:
        # A word taken for a programme name may be noise: a FAQ answer first, if one fits.
        return None, _faq_or(kb, text, replies.unknown_programme(kb, entity))
    return None, _faq_or(kb, text, replies.which_programme(kb))


def answer_obstacle(kb: KnowledgeBase, entity: Optional[str], text: str):
    """(obstacle id or None, messages). A precise practical question gets its FAQ answer;
    a difficulty named in general terms gets the obstacle's advice."""
    faq_hits = kb.search(text or "", kinds=("faq",), limit=1)
    faq = faq_hits[0] if faq_hits and faq_hits[0].score >= FAQ_MIN_SCORE else None
    oid = _resolve_or_mentioned(kb, "obstacle", entity, text)
    obstacle_hits = kb.search(text or "", kinds=("obstacle",), limit=len(kb.records["obstacle"]))
    if oid is None and obstacle_hits and obstacle_hits[0].score >= SEARCH_MIN_SCORE:
        oid = obstacle_hits[0].id
    if oid is not None:
        obstacle_score = next((h.score for h in obstacle_hits if h.id == oid), 0)
        if faq and faq.score > obstacle_score + FAQ_MARGIN:
            return None, replies.faq_answer(kb, faq.id)
        return oid, replies.obstacle_advice(kb, oid)
    if faq:
        return None, replies.faq_answer(kb, faq.id)
    return None, replies.which_obstacle(kb)


def answer_cluster(kb: KnowledgeBase, entity: Optional[str], sector: Optional[str], text: str):
    """(cluster id or None, messages): a named pôle, else the pôles of a sector."""
    cid = _resolve_or_mentioned(kb, "cluster", entity, text)
    if cid is not None:
        return cid, replies.cluster_info(kb, cid)
    sid = _resolve_or_mentioned(kb, "sector", sector, text)
    if sid is not None:
        return None, replies.clusters_for_sector(kb, sid)
    return None, _faq_or(kb, text, replies.which_cluster(kb))


def _faq_or(kb: KnowledgeBase, text: str, otherwise: list) -> list:
    """When the intent's own record cannot be found, a practical question may still have
    its answer in the FAQ; otherwise, `otherwise` (which asks the user to choose). One
    word is too little to overrule the intent (« quelles aides dans ma région ? »)."""
    if len(kb.query_words(text or "")) < 2:
        return otherwise
    hits = kb.search(text or "", kinds=("faq",), limit=1)
    if hits and hits[0].score >= FAQ_MIN_SCORE:
        return replies.faq_answer(kb, hits[0].id)
    return otherwise


def _resolve_or_mentioned(kb: KnowledgeBase, kind: str, entity: Optional[str], text: str):
    rid = kb.fuzzy_resolve(kind, entity) if entity else None
    if rid is None:
        mentioned = kb.mentioned(kind, text or "")
        rid = mentioned[0] if mentioned else None
    return rid


def answer_organisation(kb: KnowledgeBase, entity: Optional[str], text: str):
    """(organisation id or None, messages)."""
    oid = _resolve_or_mentioned(kb, "organisation", entity, text)
    if oid is not None:
        return oid, replies.organisation_info(kb, oid)
    programmes = kb.mentioned("programme", text or "")
    if programmes:
        return None, replies.programme_details(kb, programmes[0])
    return None, _faq_or(kb, text, replies.which_organisation(kb))


def answer_region(kb: KnowledgeBase, region: Optional[str], departement: Optional[str], text: str):
    """(region id or None, messages): a département leads to its Région."""
    code = kb.resolve_departement(departement) if departement else None
    rid = None if code else _resolve_or_mentioned(kb, "region", region, text)
    if rid is None and code is None:
        codes = kb.departements_in_text(text or "")
        code = codes[0] if codes else None
    if code is not None:
        rid = kb.departement(code)["region"]
    if rid is not None:
        return rid, replies.region_support(kb, rid, code)
    return None, _faq_or(kb, text, replies.which_region(kb))


def answer_country(kb: KnowledgeBase, entity: Optional[str], text: str):
    """(country id or None, messages)."""
    cid = _resolve_or_mentioned(kb, "country", entity, text)
    if cid is not None:
        return cid, replies.country_pointers(kb, cid)
    return None, _faq_or(kb, text, replies.which_country(kb))


def answer_out_of_scope(kb: KnowledgeBase, text: str):
    """Before saying « I only answer export questions », check the FAQ: a question about the
    trade deficit or Ubifrance may look off-topic to the classifier yet have its answer."""
    return None, _faq_or(kb, text, [])
