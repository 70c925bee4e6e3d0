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
    if pid is None:
        mentioned = kb.mentioned("programme", text or "")
        pid = mentioned[0] if mentioned else None
    if pid is None and not entity:
        hits = kb.search(text or "", kinds=("programme",), limit=1)
        pid = hits[0].id if hits and hits[0].score >= SEARCH_MIN_SCORE else None
    if pid is not None:
        return pid, replies.programme_details(kb, pid)
    if entity:
        return None, replies.unknown_programme(kb, entity)
    return None, replies.which_programme(kb)


def answer_obstacle(kb: KnowledgeBase, entity: Optional[str], text: str):
    """(obstacle id or None, messages). A precise practical question gets its FAQ answer;
    a difficulty named in general terms gets the obstacle's advice."""
    faq_hits = kb.search(text or "", kinds=("faq",), limit=1)
    faq = faq_hits[0] if faq_hits and faq_hits[0].score >= FAQ_MIN_SCORE else None
    oid = kb.fuzzy_resolve("obstacle", entity) if entity else None
    if oid is None:
        mentioned = kb.mentioned("obstacle", text or "")
        oid = mentioned[0] if mentioned else None
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


def answer_cluster(kb: KnowledgeBase, entity: Optional[str], text: str):
    """(cluster id or None, messages)."""
    cid = kb.fuzzy_resolve("cluster", entity) if entity else None
    if cid is None:
        mentioned = kb.mentioned("cluster", text or "")
        cid = mentioned[0] if mentioned else None
    if cid is not None:
        return cid, replies.cluster_info(kb, cid)
    sectors = kb.mentioned("sector", text or "")
    if sectors:
        return None, replies.clusters_for_sector(kb, sectors[0])
    return None, replies.which_cluster(kb)
