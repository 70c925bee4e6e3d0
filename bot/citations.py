"""Splits an answer's text into its body and its citations.

bot/replies.py ends every fact with « Source(s) : url ; url (vérifié le 27 novembre 2026) ».
Channels without rich display keep that sentence as it is; the website shows the body,
then the sources under it, so it needs them apart. A message can hold several citations
(an overview cites each group), anywhere in the text.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import List, Optional

from bot.replies import MONTHS

_URL = r"https?://\S+"
CITATION = re.compile(
    rf"Sources? : (?P<urls>{_URL}(?: ; {_URL})*) \(vérifié le (?P<day>1er|\d{{1,2}}) "
    rf"(?P<month>{'|'.join(MONTHS)}) (?P<year>\d{{4}})\)"
)
_BLANK_RUN = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Citation:
    urls: List[str]
    verified_on: Optional[dt.date]
    verified_label: str

    def as_json(self) -> dict:
        return {"urls": list(self.urls), "verified_label": self.verified_label,
                "verified_on": self.verified_on.isoformat() if self.verified_on else None}


@dataclass(frozen=True)
class ParsedAnswer:
    body: str
    citations: List[Citation] = field(default_factory=list)

    @property
    def urls(self) -> List[str]:
        return list(dict.fromkeys(url for c in self.citations for url in c.urls))


def _date(day: str, month: str, year: str) -> Optional[dt.date]:
    try:
        return dt.date(int(year), MONTHS.index(month) + 1, 1 if day == "1er" else int(day))
    except ValueError:  # « 31 février » cannot come from replies.py; keep the label, drop the date
        return None


def _tidy(line: str) -> str:
    """What is left of a line once its citation is cut out: « … ; chaque pôle a sa fiche »
    loses the « ; » that joined it to the citation and becomes a sentence of its own."""
    line = line.strip()
    if line.startswith(";"):
        line = line.lstrip("; ").strip()
        line = line[:1].upper() + line[1:]
    return line


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
        for match in found:
            label = f"{match['day']} {match['month']} {match['year']}"
            citations.append(Citation(urls=match["urls"].split(" ; "), verified_label=label,
                                      verified_on=_date(match["day"], match["month"], match["year"])))
        rest = _tidy(CITATION.sub("", line))
        if rest:
            lines.append(rest)
    body = _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip()
    return ParsedAnswer(body=body, citations=citations)
