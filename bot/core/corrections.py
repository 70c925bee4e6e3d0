"""A message that corrects what the assistant read about the company: « non, on est à Nantes,
pas à Nancy », « nous sommes 50, pas 15 », « en fait on ne vend pas encore en Belgique »,
« c'est le Maroc qu'on vise, pas l'Algérie », « nous ne sommes pas dans le textile mais dans
la cosmétique ».

What a message negates (« pas à Nancy ») is set aside before the profile is read: it is no new
fact, and a profile slot that holds it is cleared. What the message states is read as any
statement and replaces the slot's earlier value.

Used by the action server; pure Python, no Rasa import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core import message_parts, quantities
from bot.core.advice import company as advice_company
from bot.core.text import unquoted, words
from bot.knowledge.snapshot import KnowledgeBase

# The words that negate what follows them: « pas », « et non », « plutôt que », « au lieu de ».
_CUE = re.compile(r"(?<!\w)(?:pas|et non|non pas|plut[ôo]t que|au lieu (?:de|du|des|d['’]))(?!\w)", re.IGNORECASE)
# « plutôt la Tunisie que l'Égypte »: « que » negates what follows when « plutôt » came before
# it in the same clause.
_THAN = re.compile(r"(?<!\w)que(?!\w)", re.IGNORECASE)
_RATHER_BEFORE = re.compile(r"(?<!\w)plut[ôo]t(?!\w)[^,;:.!?()\n]*$", re.IGNORECASE)
# Where the negated part ends: punctuation, « mais », « et » that opens a new clause (« pas
# dans le textile mais dans la cosmétique »), or « que » (« pas l'Italie qu'on cible »).
_PART_END = re.compile(r"[,;:.!?()\n]|(?<!\w)(?:(?:mais|et (?:nous|on|je)|que)(?!\w)|(?:et j|qu)['’])", re.IGNORECASE)
# What may come between the cue and the value it negates (« pas encore en Belgique », « pas
# l'Algérie », « pas de client au Japon »), folded: anything else (« je ne sais pas si le Maroc… »,
# « ce n'est pas facile d'exporter au Maroc ») negates no value of the profile.
_LEAD = re.compile(
    r"^(?:(?:encore|vraiment|plus|du tout|non plus|a|au|aux|en|dans|de|du|des|d|la|le|l|les|vers|sur|"
    r"pour|chez|un|une|nos|notre)\s+)*(?:(?:clients?|bureaux?|filiales?|ventes?|distributeurs?)\s+)?"
    r"(?:(?:a|au|aux|en|dans|de|du|des|d|la|le|l|les|vers)\s+)*"
)


@dataclass(frozen=True)
class Negated:
    """The profile values a message negates."""

    region: str | None = None
    departement: str | None = None
    headcount: int | None = None
    revenue: int | None = None
    sector: str | None = None
    countries: tuple = ()

    def __bool__(self) -> bool:
        return any((self.region, self.headcount is not None, self.revenue is not None, self.sector, self.countries))


@dataclass(frozen=True)
class Reading:
    kept: str  # the message without its negated parts
    negated: tuple  # the negated parts (« à Nancy », « 15 », « l'Algérie »)


def _value_first(kb: KnowledgeBase, part: str) -> bool:
    """Whether the part names a value of the profile right after its small words: a number,
    a country, a Région, a département or a sector (« encore en Belgique », « 15 »), not
    « si le Maroc est un bon choix »."""
    folded = words(part)
    rest = words(_LEAD.sub("", unquoted(part) + " "))
    if rest and rest[0].isdigit():
        return True
    padded = f" {' '.join(rest)} "
    phrases = [p for kind in ("country", "region", "sector") for _, p in kb.mention_phrases(kind, padded)]
    if any(padded.startswith(f" {phrase} ") for phrase in phrases):
        return True
    # A city counts after its preposition (« à Tours »): the small words are kept in the head.
    head = folded[: len(folded) - len(rest) + 3]
    return bool(kb.departements_in_text(" ".join(head)))


def split_negated(kb: KnowledgeBase, text: str) -> Reading:
    """The message with the parts it negates taken out, and those parts. A part is negated
    when it follows « pas » (or « et non », « plutôt (…) que », « au lieu de ») and names a value
    after only small words (« pas encore en Belgique »)."""
    text = text or ""
    cues = [*_CUE.finditer(text), *(m for m in _THAN.finditer(text) if _RATHER_BEFORE.search(text[: m.start()]))]
    kept, negated, at = [], [], 0
    for cue in sorted(cues, key=lambda m: m.start()):
        if cue.start() < at:
            continue
        end = _PART_END.search(text, cue.end())
        stop = end.start() if end else len(text)
        part = text[cue.end() : stop].strip()
        if not part or not _value_first(kb, part):
            continue
        kept.append(text[at : cue.start()])
        negated.append(part)
        at = stop
    kept.append(text[at:])
    return Reading(" ".join(" ".join(kept).split()), tuple(negated))


_HEADCOUNT_CUE = message_parts.PROFILE_CUES["headcount"]


def _is_revenue(folded: str) -> bool:
    return bool(message_parts.PROFILE_CUES["revenue"].search(folded) or re.search(r"€|\beuros?\b", folded))


def negated_values(kb: KnowledgeBase, reading: Reading) -> Negated:
    """The place, headcount, revenue, sector and countries the negated parts name. A number
    right after the cue is a quantity (« pas 15 »), after an article a département (« pas
    dans le 44 »)."""
    region = departement = sector = headcount = revenue = None
    countries = []
    for part in reading.negated:
        folded = unquoted(part)
        rest = _LEAD.sub("", folded + " ").strip()
        if rest[:1].isdigit() and rest == folded:
            if _is_revenue(folded):
                revenue = revenue or quantities.parse_revenue(part)
            elif not _is_revenue(unquoted(reading.kept)) or _HEADCOUNT_CUE.search(unquoted(reading.kept)):
                # « notre CA est de 4 M€, pas 40 »: a bare number beside a revenue is no headcount.
                headcount = headcount or quantities.parse_headcount(rest.split()[0])
            continue
        found = kb.foreign_countries(part)
        countries += found
        place = advice_company.parse_place(kb, part, part)
        if place != (None, None) and not found:
            region, departement = place
        sector = sector or advice_company.sector_named(kb, part)
    return Negated(region, departement, headcount, revenue, sector, tuple(dict.fromkeys(countries)))


def only_negated(value: str, reading: Reading) -> bool:
    """Whether an extractor's value (« Nancy », « 15 ») is in a negated part and nowhere else."""
    wanted = f" {' '.join(words(str(value)))} "
    if not wanted.strip():
        return False

    def holds(text: str) -> bool:
        return wanted in f" {' '.join(words(text))} "

    return any(holds(part) for part in reading.negated) and not holds(reading.kept)


def contradicted_slots(kb: KnowledgeBase, negated: Negated, slots: dict) -> list:
    """The profile slots whose value (raw or normalised) the message negates: « pas à Nancy »
    clears the place when it is Nancy's, « pas 15 » a headcount of 15, « pas l'Algérie » a
    market of Algeria."""
    if not negated:
        return []
    profile = advice_company.from_values(kb, {slot: slots.get(slot) for slot in advice_company.PROFILE_SLOTS})
    cleared = []
    same_place = negated.region is not None and profile.region == negated.region
    if same_place and negated.departement in (None, profile.departement):
        cleared += [slot for slot in ("region", "departement") if slots.get(slot)]
    if negated.headcount is not None and profile.headcount == negated.headcount:
        cleared.append("headcount")
    if negated.revenue is not None and profile.revenue == negated.revenue:
        cleared.append("revenue")
    if negated.sector is not None and profile.sector == negated.sector:
        cleared.append("sector")
    if profile.country is not None and profile.country in negated.countries:
        cleared.append("country")
    return cleared


def undo_negated_fills(kb: KnowledgeBase, text: str, slots: dict, entities: dict, earlier) -> tuple:
    """(slots, entities, reset): Rasa fills a slot from every entity before any action runs,
    « pas l'Algérie » too; such a slot gets back its value from before the message
    (`earlier(slot)`), the negated entity is dropped, and `reset` holds the slot events that
    set those values back."""
    reading = split_negated(kb, text)
    if not reading.negated:
        return slots, entities, {}
    negated = {slot for slot, value in entities.items() if value and only_negated(value, reading)}
    reset = {slot: earlier(slot) for slot in negated}
    kept = {slot: value for slot, value in entities.items() if slot not in negated}
    return {**slots, **reset}, kept, reset


def labels(kb: KnowledgeBase, negated: Negated) -> list:
    """The negated values in plain French, as the profile shows them (« Meurthe-et-Moselle
    (54) », « 15 salariés », « Algérie »), for the reply to say what it did not keep."""
    found = []
    if negated.departement:
        found.append(f"{kb.departement(negated.departement)['name']} ({negated.departement})")
    elif negated.region:
        found.append(f"Région {kb.name('region', negated.region)}")
    if negated.headcount is not None:
        found.append(f"{negated.headcount} salarié{'s' if negated.headcount > 1 else ''}")
    if negated.revenue is not None:
        found.append(quantities.format_euros(negated.revenue))
    if negated.sector:
        found.append(kb.name("sector", negated.sector))
    found += [kb.name("country", country) for country in negated.countries]
    return found
