"""Answer units: every piece of knowledge/ that answers one question, addressable by an id.

A unit is derived from the records, never written twice: a FAQ entry, an obstacle's summary
and each of its pieces of advice, each aspect of a programme (what it is, for whom, how much,
how to apply, status, contact), an organisation's role, a country's market access, a
Région's contacts, a pôle's international offer. The ranker retrieves units; the dev set of
real questions (tests/dev/) is labelled with their ids.

Ids are stable as long as the record's id is: `faq:<id>`, `obstacle:<id>`,
`obstacle:<id>:conseil-<n>` (n counts from 1 in the order of `advice`), `programme:<id>:<aspect>`,
`organisation:<id>`, `country:<id>`, `region:<id>:contacts`, `cluster:<id>:international`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# A programme's aspects, each with the record fields that answer it.
PROGRAMME_ASPECTS = {
    "presentation": ("summary", "details"),
    "beneficiaires": ("scope", "eligibility"),
    "montants": ("amounts",),
    "demarche": ("how_to_apply",),
    "statut": ("status",),
    "contact": ("contact", "operator"),
}

# What each aspect's question sounds like: the keys a question about it is matched on,
# beside the programme's names.
ASPECT_KEYS = {
    "presentation": "c'est quoi, en quoi consiste, présentation, principe, fonctionnement",
    "beneficiaires": "pour qui, qui peut en bénéficier, conditions, éligible, critères, entreprises concernées",
    "montants": "combien, montant, plafond, taux, coût, prix, pourcentage, financement maximum",
    "demarche": "comment demander, démarche, dossier, candidature, où déposer, délai, étapes",
    "statut": "existe encore, toujours actif, supprimé, fin, terminé, disponible",
    "contact": "qui contacter, interlocuteur, contact, adresse, site, conseiller",
}


# The id of the unit that answers about a whole record, by kind (a FAQ entry, an obstacle's
# summary, an organisation's role, a country's market access, a Région's contacts, a pôle's
# international offer); a programme's units are its aspects.
RECORD_UNIT_IDS = {
    "faq": "faq:{}",
    "obstacle": "obstacle:{}",
    "organisation": "organisation:{}",
    "country": "country:{}",
    "region": "region:{}:contacts",
    "cluster": "cluster:{}:international",
}


def unit_id(kind: str, rid: str, aspect: str = "") -> str:
    """A unit's id: the whole record's, or that of one of its parts (an aspect of a
    programme, « conseil-<n> » of an obstacle)."""
    return f"{kind}:{rid}:{aspect}" if aspect else RECORD_UNIT_IDS[kind].format(rid)


@dataclass(frozen=True)
class AnswerUnit:
    id: str
    kind: str  # the record's kind
    record_id: str
    aspect: str  # "" for a whole record, else the aspect or « conseil-<n> »
    title: str  # what the unit is about, in French (the record's name or question)
    text: str  # the answer itself, as knowledge/ writes it
    keys: tuple = field(default=())  # questions and names it answers (FAQ variants, aliases)
    destination: str = ""  # "ue" or "hors-ue" when the answer holds on one side of the EU border only
    countries: tuple = ()  # the countries whose own rules the answer gives, when it is about some


def _text_of(value) -> str:
    """Flattens the structured fields (amounts, eligibility, contacts) into plain text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return " ; ".join(_text_of(v) for v in value.values() if v not in (None, "", [], {}))
    if isinstance(value, (list, tuple)):
        return " ; ".join(_text_of(v) for v in value if v not in (None, "", [], {}))
    return str(value)


def _names(record: dict) -> tuple:
    return tuple([record.get("name") or record.get("question") or record["id"], *record.get("aliases", [])])


def _faq_units(records: dict) -> list:
    return [
        AnswerUnit(
            unit_id("faq", rid),
            "faq",
            rid,
            "",
            r["question"],
            r["answer"],
            tuple([r["question"], *r.get("variants", [])]),
            r.get("destination", ""),
            tuple(r.get("countries", ())),
        )
        for rid, r in records.items()
    ]


def _obstacle_units(records: dict) -> list:
    out = []
    for rid, r in records.items():
        out.append(AnswerUnit(unit_id("obstacle", rid), "obstacle", rid, "", r["name"], r["summary"], _names(r)))
        for n, advice in enumerate(r.get("advice", []), start=1):
            out.append(
                AnswerUnit(
                    unit_id("obstacle", rid, f"conseil-{n}"),
                    "obstacle",
                    rid,
                    f"conseil-{n}",
                    r["name"],
                    _text_of(advice),
                    _names(r),
                )
            )
    return out


def _programme_units(records: dict) -> list:
    out = []
    for rid, r in records.items():
        for aspect, fields in PROGRAMME_ASPECTS.items():
            text = " ".join(_text_of(r.get(f)) for f in fields if r.get(f)).strip()
            if not text:
                continue
            out.append(
                AnswerUnit(
                    unit_id("programme", rid, aspect),
                    "programme",
                    rid,
                    aspect,
                    r["name"],
                    text,
                    _names(r) + (ASPECT_KEYS[aspect],),
                )
            )
    return out


def _organisation_units(records: dict) -> list:
    return [
        AnswerUnit(
            unit_id("organisation", rid),
            "organisation",
            rid,
            "",
            r["name"],
            " ".join(t for t in (r.get("summary"), r.get("details")) if t),
            _names(r),
        )
        for rid, r in records.items()
    ]


def _country_units(records: dict) -> list:
    out = []
    for rid, r in records.items():
        parts = [
            r.get("details"),
            _text_of(r.get("eu_agreement")),
            r.get("origin_proof"),
            _text_of(r.get("business_france")),
        ]
        out.append(
            AnswerUnit(
                unit_id("country", rid), "country", rid, "", r["name"], " ".join(p for p in parts if p), _names(r)
            )
        )
    return out


def _region_units(records: dict) -> list:
    return [
        AnswerUnit(
            unit_id("region", rid),
            "region",
            rid,
            "contacts",
            r["name"],
            _text_of(r.get("contacts")),
            _names(r) + ("contacts export, qui m'aide dans ma région",),
        )
        for rid, r in records.items()
        if r.get("contacts")
    ]


def _cluster_units(records: dict) -> list:
    return [
        AnswerUnit(
            unit_id("cluster", rid),
            "cluster",
            rid,
            "international",
            r["name"],
            " ".join(t for t in (r.get("summary"), r.get("international")) if t),
            _names(r),
        )
        for rid, r in records.items()
        if r.get("international")
    ]


def build(records: dict) -> list:
    """Every answer unit of a knowledge base, given its records by kind (`Dataset.records` or
    `KnowledgeBase.records`), in a stable order."""
    return [
        *_faq_units(records.get("faq", {})),
        *_obstacle_units(records.get("obstacle", {})),
        *_programme_units(records.get("programme", {})),
        *_organisation_units(records.get("organisation", {})),
        *_country_units(records.get("country", {})),
        *_region_units(records.get("region", {})),
        *_cluster_units(records.get("cluster", {})),
    ]
