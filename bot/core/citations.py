"""The sentence that ends every fact (« Source : url (vérifié le 27 novembre 2026) »): built
from the records' sources, and split back out of an answer's text.

Both directions live here so that they cannot drift apart. `of_record` decides, from the
structured sources (their `primary` flag and `page_date`), what the sentence says:

- a page's own date, when the source gives one: « url (page du 3 mars 2025, vérifié le
  6 décembre 2026) »;
- « Source non officielle » when no source of the record is primary
  (knowledge/source_policy.yml), so that the user knows no official page backs the fact.

A citation holds every source its fact rests on, but the sentence lists at most MAX_SHOWN of
them (for one record, its first two), then says how many others there are (« — et 9 autres
sources »): an overview of twelve programmes does not end on twelve addresses. The full list
travels beside the text as data (`as_json`, the metadata `SOURCES_KEY` of a bot message,
bot/core/replies.py `cited_message`), with each page's title, where the website shows it
behind « Toutes les sources », and the messaging channels behind a button of that name or
the reply « sources » (bot/rasa_server/channels/all_sources.py).

Channels without rich display keep that sentence as it is. `parse` takes it apart again for
the website's older messages, which carry no such data: a message can hold several
citations (an overview cites each group), anywhere in the text.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from bot.knowledge.validity import MONTHS, french_date

# The key of a bot message's metadata that holds its citations (a list of `as_json`).
SOURCES_KEY = "sources"
# The most sources a citation's sentence lists; the others are only counted.
MAX_SHOWN = 3

_URL = r"https?://\S+"
_DATE = rf"(?:1er|\d{{1,2}}) (?:{'|'.join(MONTHS)}) \d{{4}}"
_ITEM = rf"{_URL}(?: \(page du {_DATE}\))?"
CITATION = re.compile(
    rf"(?P<label>Sources? non officielles?|Sources?) : (?P<items>{_ITEM}(?: ; {_ITEM})*) "
    rf"\((?:page du (?P<last_page>{_DATE}), )?(?:vérifié|consultées?) le (?P<verified>{_DATE})\)"
    rf"(?: — et (?P<others>\d+) autres? sources?)?"
)
_ITEM_PARTS = re.compile(rf"^(?P<url>{_URL}?)(?: \(page du (?P<page>{_DATE})\))?$")
_DATE_PARTS = re.compile(rf"^(?P<day>1er|\d{{1,2}}) (?P<month>{'|'.join(MONTHS)}) (?P<year>\d{{4}})$")
_BLANK_RUN = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Citation:
    urls: list[str]
    verified_on: dt.date | None
    verified_label: str
    # One per url: the page's own date, or None when the source gives none.
    page_dates: tuple = ()
    # False when none of the record's sources is primary.
    official: bool = True
    # How many of `urls` the sentence lists (the first ones); None: all of them.
    shown: int | None = None
    # Sources the sentence counts without their address: only in a citation read back from
    # a text, whose full list travelled as data.
    unlisted: int = 0
    # One per url: the page's title in knowledge/, or None. The sentence never shows it, so a
    # citation read back from its text (without titles) is still the same citation.
    titles: tuple = field(default=(), compare=False)

    def page_date(self, position: int) -> dt.date | None:
        return self.page_dates[position] if position < len(self.page_dates) else None

    def title(self, position: int) -> str | None:
        return self.titles[position] if position < len(self.titles) else None

    @property
    def listed(self) -> list[str]:
        """The urls the sentence shows."""
        return list(self.urls if self.shown is None else self.urls[: self.shown])

    @property
    def others(self) -> int:
        """How many sources the sentence only counts."""
        return len(self.urls) - len(self.listed) + self.unlisted

    def as_json(self) -> dict:
        return {
            "urls": list(self.urls),
            "verified_label": self.verified_label,
            "verified_on": self.verified_on.isoformat() if self.verified_on else None,
            "official": self.official,
            "page_dates": [d.isoformat() if d else None for d in (self.page_date(i) for i in range(len(self.urls)))],
            "page_labels": [french_date(d) if d else None for d in (self.page_date(i) for i in range(len(self.urls)))],
            "titles": [self.title(i) for i in range(len(self.urls))],
            "shown": len(self.listed),
            "unlisted": self.unlisted,
            # The sentence as the text shows it: where a channel cuts a message into
            # paragraphs, each paragraph keeps the citations it shows.
            "line": render(self),
        }


@dataclass(frozen=True)
class ParsedAnswer:
    body: str
    citations: list[Citation] = field(default_factory=list)

    @property
    def urls(self) -> list[str]:
        return list(dict.fromkeys(url for c in self.citations for url in c.urls))


# --- building ---------------------------------------------------------------------------------


def is_official(record: dict) -> bool:
    """False only when every source is known to be secondary (records read without the
    source policy carry no `primary` flag and are not attributed)."""
    return not all(src.get("primary") is False for src in record["sources"])


def of_record(record: dict, limit: int = 2) -> Citation:
    """All the record's sources, primary ones first (the official page is the one worth
    showing when there is one), the sentence listing the first `limit` (MAX_SHOWN at most);
    dated by the record's verification."""
    ordered = sorted(record["sources"], key=lambda s: s.get("primary") is False)
    return Citation(
        urls=[s["url"] for s in ordered],
        verified_on=record["verified_on"],
        verified_label=french_date(record["verified_on"]),
        page_dates=tuple(s.get("page_date") for s in ordered),
        official=is_official(record),
        shown=min(limit, MAX_SHOWN, len(ordered)),
        titles=tuple(s.get("title") for s in ordered),
    )


def of_records(records: list) -> Citation:
    """One citation for a group of records (an overview): the best source of each, the
    sentence listing those of the first MAX_SHOWN records, dated by the oldest verification;
    unofficial only when every record is."""
    urls, dates, titles = [], [], []
    for record in records:
        best = of_record(record, limit=1)
        if best.urls[0] not in urls:
            urls.append(best.urls[0])
            dates.append(best.page_dates[0])
            titles.append(best.titles[0])
    oldest = min(r["verified_on"] for r in records)
    return Citation(
        urls=urls,
        verified_on=oldest,
        verified_label=french_date(oldest),
        page_dates=tuple(dates),
        official=any(is_official(r) for r in records),
        shown=min(MAX_SHOWN, len(urls)),
        titles=tuple(titles),
    )


def _others(count: int) -> str:
    return f" — et {count} autre source" if count == 1 else f" — et {count} autres sources"


def render(citation: Citation) -> str:
    listed = citation.listed
    many = len(listed) > 1
    if citation.official:
        label = "Sources" if many else "Source"
    else:
        label = "Sources non officielles" if many else "Source non officielle"
    items = []
    for position, url in enumerate(listed):
        page = citation.page_date(position)
        last = position == len(listed) - 1
        items.append(f"{url} (page du {french_date(page)})" if page and not last else url)
    # « vérifié le » always closes the list: it is the day a person checked the record,
    # the one date every channel and every reader relies on; a page's own date only adds.
    last_page = citation.page_date(len(listed) - 1)
    if last_page:
        closing = f"(page du {french_date(last_page)}, vérifié le {citation.verified_label})"
    else:
        closing = f"(vérifié le {citation.verified_label})"
    others = _others(citation.others) if citation.others else ""
    return f"{label} : {' ; '.join(items)} {closing}{others}"


# --- parsing ----------------------------------------------------------------------------------


def _date(label: str) -> dt.date | None:
    match = _DATE_PARTS.match(label)
    try:
        day = 1 if match["day"] == "1er" else int(match["day"])
        return dt.date(int(match["year"]), MONTHS.index(match["month"]) + 1, day)
    except ValueError:  # « 31 février » cannot come from `render`; keep the label, drop the date
        return None


def _tidy(line: str) -> str:
    """What is left of a line once its citation is cut out: « … ; chaque pôle a sa fiche »
    loses the « ; » that joined it to the citation and becomes a sentence of its own."""
    line = line.strip()
    if line.startswith(";"):
        line = line.lstrip("; ").strip()
        line = line[:1].upper() + line[1:]
    return line


def _citation(match) -> Citation:
    urls, pages = [], []
    for item in match["items"].split(" ; "):
        parts = _ITEM_PARTS.match(item)
        urls.append(parts["url"])
        pages.append(_date(parts["page"]) if parts["page"] else None)
    if match["last_page"]:
        pages[-1] = _date(match["last_page"])
    return Citation(
        urls=urls,
        verified_on=_date(match["verified"]),
        verified_label=match["verified"],
        page_dates=tuple(pages),
        official="non officielle" not in match["label"],
        shown=len(urls),
        unlisted=int(match["others"] or 0),
    )


def parse(text: str) -> ParsedAnswer:
    """The body (the text without its citations, blank lines kept between paragraphs) and
    each citation in the order it appears. A text without citation is all body."""
    if not text:
        return ParsedAnswer(body=text or "")
    citations = []
    lines = []
    for line in text.split("\n"):
        found = list(CITATION.finditer(line))
        if not found:
            lines.append(line)
            continue
        citations.extend(_citation(match) for match in found)
        rest = _tidy(CITATION.sub("", line))
        if rest:
            lines.append(rest)
    body = _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip()
    return ParsedAnswer(body=body, citations=citations)
