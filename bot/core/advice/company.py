"""The company's profile, read from the conversation's slots.

Slots may hold what the user typed (« une vingtaine », « dans le 69 ») or the normalised
value an earlier turn stored (« 20 », « auvergne-rhone-alpes »): every field is parsed
again on each read, so both work and the form never asks twice for the same thing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from bot.core import quantities
from bot.core.text import fold, words
from bot.knowledge.snapshot import KnowledgeBase

# A slot holding this value was asked and declined (« passer »): it is not asked again.
NOT_GIVEN = "non-precise"

# The slots the profile form fills, in the order it asks for them.
FORM_SLOTS = (
    "sector",
    "region",
    "headcount",
    "revenue",
    "company_age",
    "first_balance_sheet",
    "export_experience",
    "country",
    "need",
)
# Every slot the profile is read from (a département answers the Région question).
PROFILE_SLOTS = FORM_SLOTS + ("departement",)

EXPERIENCE_LABELS = {
    "aucune": "premier export",
    "occasionnelle": "ventes à l'étranger occasionnelles",
    "reguliere": "exportateur régulier",
}

_NO_EXPERIENCE = re.compile(
    r"\b(jamais|aucune?|pas encore|premiere fois|premier export|debut\w*|debutant\w*|"
    r"rien|zero|nouveau|nouvelle|pas d export|never)\b"
)
_REGULAR = re.compile(
    r"\b(regulier\w*|regulierement|depuis (des|plusieurs|\d+) ans?|beaucoup|souvent|"
    r"plusieurs pays|\d+ ?% (du|de notre|de nos) ?(ca|chiffre)|la moitie|majorite|habitue\w*)\b"
)
_OCCASIONAL = re.compile(
    r"\b(un peu|parfois|occasion\w*|quelques?|deja|ponctuel\w*|de temps en temps|"
    r"rarement|oui|un client|un pays)\b"
)

_YES = re.compile(
    r"^(oui|ouais|yes|yep|ok|c est fait|c est bon|effectivement|tout a fait|bien sur|"
    r"absolument|oui c est fait|oui clos|oui cloture)\b|\b(deja cloture|bilan cloture|"
    r"on a (deja )?(un|notre) (premier )?bilan|nous avons (deja )?(un|notre) (premier )?bilan|"
    r"plusieurs bilans)\b"
)
_NO = re.compile(
    r"^(non|nan|no|pas encore|toujours pas)\b|\b(pas encore (de|eu de|clos|cloture)|"
    r"pas de bilan|aucun bilan|premier bilan (n est|pas))\b"
)


@dataclass(frozen=True)
class CompanyProfile:
    sector: str | None = None
    region: str | None = None
    departement: str | None = None
    headcount: int | None = None
    revenue: int | None = None
    age_months: int | None = None
    # When the user gave only the year of creation (« créée en 2024 »): that year, and the
    # fewest and most months the company may have (quantities.age_span); age_months is then the
    # middle of that span, a guess that no answer states or decides on alone.
    founded_year: int | None = None
    age_span: tuple | None = None
    balance_sheet_closed: bool | None = None
    export_experience: str | None = None
    country: str | None = None
    zone: str | None = None
    need: str | None = None
    # Slots the user chose not to fill.
    declined: frozenset = field(default_factory=frozenset)

    def value_of(self, slot: str):
        """The parsed value behind a form slot, or None."""
        return {
            "sector": self.sector,
            "region": self.region,
            "headcount": self.headcount,
            "revenue": self.revenue,
            "company_age": self.age_months,
            "first_balance_sheet": self.balance_sheet_closed,
            "export_experience": self.export_experience,
            "country": self.country or self.zone,
            "need": self.need,
        }[slot]

    def is_empty(self) -> bool:
        return all(self.value_of(slot) is None for slot in FORM_SLOTS)

    def missing_slots(self) -> list:
        """The form slots still to ask, in order. The balance-sheet question only matters
        between 12 and 24 months: younger, no 12-month balance sheet can be closed yet;
        older, one has been."""
        missing = []
        for slot in FORM_SLOTS:
            if slot in self.declined or self.value_of(slot) is not None:
                continue
            if slot == "first_balance_sheet" and not self.may_be_between(12, 24):
                continue
            missing.append(slot)
        return missing

    def age_bounds(self) -> tuple | None:
        """(fewest, most) months the company may have: one value twice when the age is known."""
        if self.age_months is None:
            return None
        return self.age_span or (self.age_months, self.age_months)

    def may_be_between(self, least: int, below: int) -> bool:
        """Whether the company's age may lie in [least, below) months."""
        bounds = self.age_bounds()
        return bounds is not None and bounds[1] >= least and bounds[0] < below

    def age_text(self) -> str:
        """The age as precise as the user gave it: « 2 ans et 5 mois », « environ 2 ans (créée en 2024) »."""
        if self.founded_year is not None and self.age_span is not None:
            return quantities.format_year_age(self.founded_year, self.age_span)
        return quantities.format_age(self.age_months)


def parse_export_experience(text: str | None) -> str | None:
    """« jamais exporté » → aucune, « un peu en Belgique » → occasionnelle, « 30 % du CA » → reguliere."""
    folded = " ".join(re.findall(r"[a-z0-9%]+", fold(text or "")))
    if not folded:
        return None
    if folded in EXPERIENCE_LABELS:
        return folded
    if _NO_EXPERIENCE.search(folded):
        return "aucune"
    if _REGULAR.search(folded):
        return "reguliere"
    if _OCCASIONAL.search(folded):
        return "occasionnelle"
    return None


def parse_yes_no(text: str | None) -> bool | None:
    """Answers to « avez-vous clôturé votre premier bilan ? »."""
    folded = " ".join(re.findall(r"[a-z0-9]+", fold(text or "")))
    if folded in ("true", "false"):
        return folded == "true"
    if _NO.search(folded):
        return False
    if _YES.search(folded):
        return True
    return None


def zones(kb: KnowledgeBase) -> list:
    return sorted({c["zone"] for c in kb.all("country")})


def parse_zone(kb: KnowledgeBase, text: str | None) -> str | None:
    """« vers l'Asie » → Asie, « Amérique latine » → Amérique latine."""
    padded = f" {' '.join(re.findall(r'[a-z]+', fold(text or '')))} "
    for zone in sorted(zones(kb), key=len, reverse=True):
        if f" {' '.join(re.findall(r'[a-z]+', fold(zone)))} " in padded:
            return zone
    return None


def parse_country(kb: KnowledgeBase, text: str | None):
    """(country id, zone): a country named (by name, alias, ISO code or in a sentence), else a zone."""
    if not text:
        return None, None
    country_id = kb.named("country", text, text)
    if country_id is not None:
        return country_id, None
    return None, parse_zone(kb, text)


# An obstacle named in passing must be clear: a search needs every word to hit a label.
NEED_MIN_SCORE = 2.2


def parse_need(kb: KnowledgeBase, text: str | None) -> str | None:
    """The obstacle id a need names: « financer un salon », « trouver des distributeurs »."""
    if not text:
        return None
    obstacle_id = kb.named("obstacle", text, text)
    if obstacle_id is None:
        hits = kb.search(text, kinds=("obstacle",), limit=1)
        obstacle_id = hits[0].id if hits and hits[0].score >= NEED_MIN_SCORE else None
    return obstacle_id


# A legal status, not a trade: « auto-entrepreneur » holds « auto », an alias of the car industry.
_LEGAL_STATUS = re.compile(r"\b(auto|micro)[-\s]?(entrepreneur|entreprise)s?\b", re.IGNORECASE)


# « des vélos », « des machines agricoles »: the aliases are written in the singular.
_PLURAL_END = re.compile(r"(?<=\w{3})[sx]\b")

# What the company makes follows a verb of production, « être » or a trade noun (« nous
# produisons du chocolat », « je fais du vin », « nous sommes éditeur de… », « fabricant de… »,
# « spécialisée dans… »), on folded text.
# « faire » counts only before an article: « on a fait un salon » tells of an event.
_MAKES = re.compile(
    r"\b(?:fabriqu(?:e|es|ent|ons)|produi(?:s|t|sons|sent)|edit(?:e|es|ent|ons)|elev(?:e|es|ent|ons)"
    r"|construi(?:s|t|sons|sent)|con(?:cois|coit|cevons|coivent)|developp(?:e|es|ent|ons)"
    r"|cultiv(?:e|es|ent|ons)|transform(?:e|es|ent|ons)|distill(?:e|es|ent|ons)|cre(?:e|es|ent|ons)"
    r"|(?:fais|fait|faisons|font) (?:du|de la|de l|des)|suis|sommes"
    r"|fabricant|producteur|productrice|specialise(?:e|es|s)?)\b"
)
# Where the clause that names the product ends: « …du chocolat et du café, et nous traversons
# l'Atlantique à la voile : notre cargo porte 350 tonnes de fret ».
_CLAUSE_END = re.compile(r"[,;:.!?()]|\s(?:et|mais|puis)\s+(?:nous|on|je|j)\b")


# Aliases that are ordinary words too (« notre mode de paiement », « le conseil régional », « la
# sécurité sociale », « nos services »): the extractor may tag them as a trade from their
# context, and a sentence names a trade with them only after a verb of production (« nous
# sommes une société de conseil »).
_ORDINARY_ALIASES = frozenset({"conseil", "mode", "securite", "services", "construction", "environnement"})


def _first_sector(kb: KnowledgeBase, text: str, after_a_verb: bool = False) -> str | None:
    """The sector named first in `text` (the longest name at that place), its words read as
    written or in the singular: the first trade a company names is most often its own, where
    its clients and suppliers come later (« nous faisons du café pour les restaurants »)."""
    found = []  # (word position, -length, id)
    for variant in (text, _PLURAL_END.sub("", text)):
        padded = " " + " ".join(words(variant)) + " "
        for rid, phrase in kb.mention_phrases("sector", variant):
            if phrase in _ORDINARY_ALIASES and not after_a_verb:
                continue
            at = padded.find(f" {phrase} ")
            found.append((padded[:at].count(" "), -len(phrase), rid))
    return min(found)[2] if found else None


def sector_named(kb: KnowledgeBase, text: str) -> str | None:
    """The sector whose name or alias the text holds as words (singular or plural), without
    the tolerance to typos that a slot value gets: the trade a description names. A trade
    named after a verb of production wins over one named elsewhere (« notre entreprise
    produit du chocolat, … notre cargo porte du fret »)."""
    text = _LEGAL_STATUS.sub(" ", text or "")
    folded = fold(text)
    for made in _MAKES.finditer(folded):
        clause = _CLAUSE_END.split(folded[made.end() :], maxsplit=1)[0]
        sector = _first_sector(kb, clause, after_a_verb=True)
        if sector:
            return sector
    return _first_sector(kb, text)


def parse_sector(kb: KnowledgeBase, text: str | None) -> str | None:
    text = _LEGAL_STATUS.sub(" ", text) if text else text
    if not text or not text.strip():
        return None
    return kb.named("sector", text, text) or kb.named("sector", None, _PLURAL_END.sub("", text))


def parse_place(kb: KnowledgeBase, region_text: str | None, departement_text: str | None):
    """(region id, département code) from a Région, a département name or number, or a
    sentence (« dans le 69 »). A Région named in full wins over a département its name
    contains (« Pays de la Loire » is not the Loire)."""
    code = kb.resolve_departement(departement_text) if departement_text else None
    if code is not None:
        return kb.departement(code)["region"], code
    for text in (region_text, departement_text):
        if not text:
            continue
        region_id = kb.named("region", text, text)
        if region_id is not None:
            # « près d'Aix-en-Provence »: the Région's alias matched; the city gives the département.
            codes = [c for c in kb.departements_in_text(f" {text} ") if kb.departement(c)["region"] == region_id]
            return region_id, (codes[0] if codes else None)
    for text in (departement_text, region_text):
        codes = kb.departements_in_text(f" {text} ") if text else []
        if codes:
            # « Loire-Atlantique » also contains « Loire »: the longest name is the one meant.
            code = max(codes, key=lambda c: len(kb.departement(c)["phrase"]))
            return kb.departement(code)["region"], code
    return None, None


def from_values(kb: KnowledgeBase, values: dict, today: dt.date | None = None) -> CompanyProfile:
    """A profile from slot values (raw or normalised); NOT_GIVEN marks a declined slot."""

    def raw(slot):
        value = values.get(slot)
        return None if value in (None, "", NOT_GIVEN) else str(value)

    declined = frozenset(slot for slot in PROFILE_SLOTS if values.get(slot) == NOT_GIVEN)
    region, departement = parse_place(kb, raw("region"), raw("departement"))
    country, zone = parse_country(kb, raw("country"))
    balance = raw("first_balance_sheet")
    age_months = quantities.parse_company_age_months(raw("company_age"), today)
    founded_year = quantities.founding_year(raw("company_age")) if age_months is not None else None
    return CompanyProfile(
        sector=parse_sector(kb, raw("sector")),
        region=region,
        departement=departement,
        headcount=quantities.parse_headcount(raw("headcount")),
        revenue=quantities.parse_revenue(raw("revenue")),
        age_months=age_months,
        founded_year=founded_year,
        age_span=quantities.age_span(founded_year, today) if founded_year is not None else None,
        balance_sheet_closed=parse_yes_no(balance) if balance else None,
        export_experience=parse_export_experience(raw("export_experience")),
        country=country,
        zone=zone,
        need=parse_need(kb, raw("need")),
        declined=declined,
    )


def to_slots(company: CompanyProfile) -> dict:
    """Normalised slot values that `from_values` reads back to the same profile."""
    slots = {
        "sector": company.sector,
        "region": company.region,
        "departement": company.departement,
        "headcount": None if company.headcount is None else str(company.headcount),
        "revenue": None if company.revenue is None else str(company.revenue),
        "company_age": _age_slot(company),
        "first_balance_sheet": None
        if company.balance_sheet_closed is None
        else ("true" if company.balance_sheet_closed else "false"),
        "export_experience": company.export_experience,
        "country": company.country or company.zone,
        "need": company.need,
    }
    for slot in company.declined:
        if slots.get(slot) is None:
            slots[slot] = NOT_GIVEN
    return {slot: value for slot, value in slots.items() if value is not None}


def _age_slot(company: CompanyProfile) -> str | None:
    # A year alone is kept as the year: read again later, it gives the age of that day.
    if company.founded_year is not None:
        return str(company.founded_year)
    return None if company.age_months is None else f"{company.age_months} mois"


def describe(kb: KnowledgeBase, company: CompanyProfile, served: tuple = (), wanted: tuple = ()) -> list:
    """The profile in plain French, one fact per line, for the user to spot a misreading;
    `wanted`, every market the message wants (the `country` slot keeps only the first), and
    `served`, the markets already served, as message_parts.markets reads them."""
    facts = []
    if company.sector:
        facts.append(f"Secteur : {kb.name('sector', company.sector)}")
    if company.region:
        place = f"Région {kb.name('region', company.region)}"
        if company.departement:
            place = f"{kb.departement(company.departement)['name']} ({company.departement}), {place}"
        facts.append(f"Implantation : {place}")
    if company.headcount is not None:
        count = f"{company.headcount:,}".replace(",", " ")
        facts.append(f"Effectif : {count} salarié{'s' if company.headcount > 1 else ''}")
    if company.revenue is not None:
        facts.append(f"Chiffre d'affaires : {quantities.format_euros(company.revenue)}")
    if company.age_months is not None:
        facts.append(f"Ancienneté : {company.age_text()}")
    if company.balance_sheet_closed is not None:
        facts.append(
            "Premier bilan de 12 mois : " + ("clôturé" if company.balance_sheet_closed else "pas encore clôturé")
        )
    if company.export_experience:
        facts.append(f"Expérience de l'export : {EXPERIENCE_LABELS[company.export_experience]}")
    if len(wanted) > 1:
        facts.append("Marchés visés : " + ", ".join(kb.name("country", c) for c in wanted))
    elif company.country:
        facts.append(f"Marché visé : {kb.name('country', company.country)}")
    elif company.zone:
        facts.append(f"Zone visée : {company.zone}")
    if served:
        facts.append("Déjà présents : " + ", ".join(kb.name("country", c) for c in served))
    if company.need:
        facts.append(f"Besoin principal : {kb.name('obstacle', company.need)}")
    return facts
