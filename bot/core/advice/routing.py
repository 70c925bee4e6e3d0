"""Who to talk to: the Région's export contacts, the ones that handle the company's need
first; and the pôles de compétitivité of its sector, those of its Région first."""

from __future__ import annotations

from bot.knowledge.snapshot import KnowledgeBase


def _family(kb: KnowledgeBase, organisation_id: str) -> set:
    """An organisation and its parents (Bpifrance Assurance Export belongs to Bpifrance)."""
    family, current = set(), organisation_id
    while current and current not in family:
        family.add(current)
        record = kb.get("organisation", current) or {}
        current = record.get("parent")
    return family


def contacts_for(kb: KnowledgeBase, region_id: str, need: str | None = None) -> list:
    """(contact, handles the need) for each of the Région's contacts, the relevant ones first."""
    region = kb.get("region", region_id)
    if region is None:
        return []
    relevant = set()
    if need and kb.get("obstacle", need):
        for organisation_id in kb.get("obstacle", need).get("organisations", []):
            relevant |= _family(kb, organisation_id)
    marked = [(c, bool(_family(kb, c["organisation"]) & relevant)) for c in region.get("contacts", [])]
    return sorted(marked, key=lambda item: not item[1])


def clusters_for(kb: KnowledgeBase, sector: str | None, region: str | None = None) -> list:
    """Ids of the pôles of a sector that still exist: those whose label is confirmed first
    (a pôle past its `valid_until` may have been renewed, but nothing says so), then those of
    the Région, then by name."""
    if not sector:
        return []
    clusters = [c for c in kb.all("cluster") if sector in c["sectors"] and kb.status("cluster", c) != "ended"]
    clusters.sort(key=lambda c: (kb.gone("cluster", c), region not in c["regions"], c["name"]))
    return [c["id"] for c in clusters]
