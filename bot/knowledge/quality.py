"""Measures of the knowledge base's quality, computed from knowledge/ itself (no database):
FAQ coverage, share of records backed by a primary source, refused sources, contacts that
are a bare homepage, cited domains, old pages. `python -m bot kb stats` and `kb stale` print
them; tests/knowledge/test_quality_targets.py holds them to the targets of issue #15.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from urllib.parse import urlparse

from bot.knowledge.source_policy import domain_of
from bot.knowledge.validation import FAQ_TOPICS, KINDS, Dataset
from bot.knowledge.validity import effective_status

MIN_VARIANTS = 5
# A contact page that names no programme, no country, no service: a site's home page, a
# language root (« /fr/ »), or a generic list such as Access2Markets' list of markets.
_GENERIC_PATHS = (
    re.compile(r"^/?$"),
    re.compile(r"^/[a-z]{2}(-[a-z]{2})?/?$", re.I),
    re.compile(r"^/(index|accueil|home)(\.[a-z]+)?/?$", re.I),
    re.compile(r"^/access-to-markets/[a-z]{2}/(home|non-eu-markets|eu-markets|content)?/?$"),
)


def is_bare_contact(url: str) -> bool:
    path = urlparse(url).path
    return any(pattern.match(path) for pattern in _GENERIC_PATHS)


def country_contact(country: dict) -> tuple | None:
    """(field, url) of the page a country's reply sends users to first: its Access2Markets
    page when that page is about the country or its agreement, else its deep country page
    (`country_page_url`), else whatever Access2Markets link it has (the generic list)."""
    access2markets = country.get("access2markets_url")
    if access2markets and not is_bare_contact(access2markets):
        return "access2markets_url", access2markets
    if country.get("country_page_url"):
        return "country_page_url", country["country_page_url"]
    if access2markets:
        return "access2markets_url", access2markets
    return None


def contacts(dataset: Dataset) -> list:
    """(kind, id, field, url) of every page given to users as the place to go: a programme's
    `contact`, a country's page (country_contact), a Région's contact pages."""
    out = []
    for rid, record in dataset.records["programme"].items():
        if record.get("contact"):
            out.append(("programme", rid, "contact", record["contact"]))
    for rid, record in dataset.records["country"].items():
        found = country_contact(record)
        if found:
            out.append(("country", rid, *found))
    for rid, record in dataset.records["region"].items():
        for contact in record.get("contacts", []):
            out.append(("region", rid, "contacts", contact["url"]))
    return out


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _has_primary(record: dict) -> bool:
    return any(src.get("primary") for src in record.get("sources", []))


def newest_page_date(record: dict):
    dates = [src["page_date"] for src in record.get("sources", []) if src.get("page_date")]
    return max(dates) if dates else None


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` months earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def measure(dataset: Dataset, today: dt.date) -> dict:
    records = dataset.records
    counts = {kind: len(records[kind]) for kind in KINDS}
    by_status, by_effective = Counter(), Counter()
    unsourced = undated = 0
    without_page_date = 0
    domains = Counter()
    primary = {}
    for kind in KINDS:
        with_primary = 0
        for record in records[kind].values():
            by_status[record["status"]] += 1
            by_effective[effective_status(record, today)] += 1
            sources = record.get("sources", [])
            if not sources:
                unsourced += 1
            if not record.get("verified_on") or any(not s.get("seen_on") for s in sources):
                undated += 1
            if not any(s.get("page_date") for s in sources):
                without_page_date += 1
            with_primary += _has_primary(record)
            domains.update(domain_of(s["url"]) for s in sources)
        primary[kind] = {
            "records": counts[kind],
            "with_primary": with_primary,
            "share": _share(with_primary, counts[kind]),
        }
    total = sum(counts.values())
    total_primary = sum(p["with_primary"] for p in primary.values())

    faqs = list(records["faq"].values())
    per_topic = {topic: 0 for topic in FAQ_TOPICS}
    for faq in faqs:
        if faq.get("topic"):
            per_topic[faq["topic"]] += 1

    refused = dataset.refused_sources()
    listed = contacts(dataset)
    bare = [c for c in listed if is_bare_contact(c[3])]
    departements = sum(len(r.get("departements", [])) for r in records["region"].values())
    return {
        "counts": counts,
        "departements": departements,
        "by_status": dict(by_status),
        "by_effective_status": dict(by_effective),
        "today": today.isoformat(),
        "unsourced": unsourced,
        "undated": undated,
        "unsourced_or_undated": sum(
            1
            for kind in KINDS
            for r in records[kind].values()
            if not r.get("sources") or not r.get("verified_on") or any(not s.get("seen_on") for s in r["sources"])
        ),
        "records_without_page_date": without_page_date,
        "faq": {
            "count": len(faqs),
            "per_topic": per_topic,
            "without_topic": sum(1 for f in faqs if not f.get("topic")),
            "fewer_than_5_variants": sum(1 for f in faqs if len(f.get("variants", [])) < MIN_VARIANTS),
        },
        "primary_sources": {
            "records": total,
            "with_primary": total_primary,
            "share": _share(total_primary, total),
            "per_kind": primary,
        },
        "refused_urls": len(refused),
        "refused": [{"file": p.path, "id": p.record_id, "problem": p.message} for p in refused],
        "bare_contacts": {
            "count": len(bare),
            "contacts": len(listed),
            "share": _share(len(bare), len(listed)),
            "list": [{"kind": k, "id": rid, "field": f, "url": url} for k, rid, f, url in bare],
        },
        "domains": dict(sorted(domains.items(), key=lambda item: (-item[1], item[0]))),
    }


def stale_records(dataset: Dataset, today: dt.date, days: int, months: int) -> dict:
    """Records verified more than `days` days ago, and records whose newest page date is
    more than `months` months old (records without any page date are counted apart)."""
    verified_limit = today - dt.timedelta(days=days)
    page_limit = months_before(today, months)
    verified, pages, undated = [], [], 0
    for kind in KINDS:
        for rid, record in dataset.records[kind].items():
            where = dataset.origins[(kind, rid)]
            if record["verified_on"] < verified_limit:
                verified.append((record["verified_on"], kind, rid, where))
            newest = newest_page_date(record)
            if newest is None:
                undated += 1
            elif newest < page_limit:
                pages.append((newest, kind, rid, where))
    return {
        "verified": sorted(verified),
        "pages": sorted(pages),
        "without_page_date": undated,
        "verified_limit": verified_limit,
        "page_limit": page_limit,
    }
