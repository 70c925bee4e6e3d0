"""Reads knowledge/*.yml and validates every record before anything reaches the database.

Each problem names the file, the record and the field, in French, because the people who
edit these files are export advisers as much as developers. All problems are collected
before failing, so one run shows everything to fix.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import yaml

from bot.core.text import key
from bot.knowledge.editorial import EDITORIAL_FILE, Editorial, EditorialError, read_editorial, unknown_ids
from bot.knowledge.source_policy import POLICY_FILE, PolicyError, SourcePolicy, read_policy

# Loading order: a kind may only reference kinds that come before it or itself.
KINDS = ("organisation", "sector", "region", "country", "obstacle", "programme", "cluster", "faq")
STATUSES = ("active", "ended", "paused", "unconfirmed")
# Never written in knowledge/: computed at answer time once `valid_until` is past
# (bot/knowledge/validity.py).
EXPIRED = "expired"
PROGRAMME_KINDS = (
    "assurance",
    "garantie",
    "pret",
    "subvention",
    "accompagnement",
    "volontariat",
    "formalite",
    "statut",
    "outil",
    "reseau",
    "formation",
    "plan",
)
ORGANISATION_KINDS = (
    "operateur-public",
    "banque-publique",
    "administration",
    "reseau-consulaire",
    "association",
    "institution-europeenne",
    "etablissement-public",
    "entreprise",
    "organisation-internationale",
)
SCOPES = ("national", "regional", "european", "international")
# Where a FAQ entry's answer holds, when it holds for one side of the Union's border only: « ue »
# for a customer, an employee or goods in another member state (intra-EU delivery, European
# payment order), « hors-ue » for a country outside the Union (export VAT exemption).
DESTINATIONS = ("ue", "hors-ue")
ZONES = (
    "Europe",
    "Afrique",
    "Amérique du Nord",
    "Amérique latine",
    "Asie",
    "Moyen-Orient",
    "Océanie",
)
PARTNERSHIP_STATUSES = ("documented", "not_found")
# The questions SME owners ask, in twenty topics; every FAQ entry belongs to one.
FAQ_TOPICS = (
    "choisir-marche",
    "financement",
    "paiement",
    "change",
    "douane",
    "origine",
    "incoterms-logistique",
    "tva",
    "normes",
    "langues-culture",
    "contrats",
    "partenaires",
    "salons-prospection",
    "vie-recrutement",
    "propriete-intellectuelle",
    "sanctions-controle",
    "e-commerce",
    "implantation",
    "poles",
    "qui-aide",
)
SUMMARY_MAX = 300
LONG_TEXT_MAX = 1200

_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_DEPARTEMENT = re.compile(r"^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$")


class Invalid(ValueError):
    """A field value is wrong; the message is French and meant for the person editing."""


@dataclass(frozen=True)
class Problem:
    path: str
    record_id: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}"
        if self.record_id:
            where += f", fiche « {self.record_id} »"
        if self.field:
            where += f", champ « {self.field} »"
        return f"{where} : {self.message}"


class KnowledgeError(Exception):
    """The knowledge files are invalid; nothing may be loaded."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        count = len(problems)
        head = f"{count} erreur{'s' if count > 1 else ''} dans knowledge/ :"
        super().__init__("\n".join([head] + [f"- {p}" for p in problems]))


@dataclass
class Reference:
    """A field whose value names records of another kind, checked once every file is read."""

    kind: str


@dataclass
class Field:
    name: str
    check: Callable
    required: bool = False
    ref: Reference | None = None


@dataclass
class Dataset:
    """Validated records: kind → id → record (a plain dict, dates as `datetime.date`)."""

    records: dict = field(default_factory=lambda: {kind: {} for kind in KINDS})
    origins: dict = field(default_factory=dict)  # (kind, id) → file path
    policy: SourcePolicy = field(default_factory=SourcePolicy)
    editorial: Editorial = field(default_factory=Editorial)

    def count(self, kind: str) -> int:
        return len(self.records[kind])

    def refused_sources(self) -> list:
        """Every cited page the source policy refuses, as problems to show (French)."""
        out = []
        for kind in KINDS:
            for rid, record in self.records[kind].items():
                for position, src in enumerate(record.get("sources", []), start=1):
                    reason = self.policy.refusal(src["url"])
                    if reason:
                        out.append(
                            Problem(
                                self.origins[(kind, rid)],
                                rid,
                                "sources",
                                f"source {position} refusée ({src['url']}) : {reason}",
                            )
                        )
        return out


# --- value checkers -----------------------------------------------------------------------


def text(value, limit: int = 0):
    if not isinstance(value, str) or not value.strip():
        raise Invalid("un texte non vide est attendu")
    value = value.strip()
    if limit and len(value) > limit:
        raise Invalid(f"texte trop long ({len(value)} caractères, {limit} au plus)")
    return value


def summary(value):
    return text(value, SUMMARY_MAX)


def long_text(value):
    return text(value, LONG_TEXT_MAX)


def text_list(value):
    if not isinstance(value, list):
        raise Invalid("une liste de textes est attendue")
    return [text(item) for item in value]


def non_empty_text_list(value):
    items = text_list(value)
    if not items:
        raise Invalid("au moins un élément est requis")
    return items


def ident(value):
    if not isinstance(value, str) or not _ID.match(value):
        raise Invalid(
            "identifiant invalide : minuscules sans accents, chiffres et tirets (ex. « assurance-prospection »)"
        )
    return value


def ident_list(value):
    if not isinstance(value, list):
        raise Invalid("une liste d'identifiants est attendue")
    return [ident(item) for item in value]


def non_empty_ident_list(value):
    items = ident_list(value)
    if not items:
        raise Invalid("au moins un identifiant est requis")
    return items


def date(value):
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise Invalid("date attendue au format AAAA-MM-JJ")


def boolean(value):
    if not isinstance(value, bool):
        raise Invalid("true ou false attendu")
    return value


def url(value):
    if not isinstance(value, str):
        raise Invalid("adresse web attendue")
    parsed = urlparse(value.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc or " " in value.strip():
        raise Invalid(f"adresse web mal formée : {value!r} (http:// ou https:// attendu)")
    return value.strip()


def one_of(choices):
    def check(value):
        if value not in choices:
            raise Invalid(f"valeur {value!r} inconnue ; valeurs possibles : {', '.join(choices)}")
        return value

    return check


def mapping(fields: dict, required: tuple = ()):
    """A small dict with known keys (a source, a contact…)."""

    def check(value):
        if not isinstance(value, dict):
            raise Invalid(f"un objet avec les clés {', '.join(fields)} est attendu")
        unknown = set(value) - set(fields)
        if unknown:
            raise Invalid(f"clé(s) inconnue(s) : {', '.join(sorted(unknown))}")
        out = {}
        for name, checker in fields.items():
            if name not in value or value[name] is None:
                if name in required:
                    raise Invalid(f"la clé « {name} » est requise")
                continue
            try:
                out[name] = checker(value[name])
            except Invalid as exc:
                raise Invalid(f"{name} : {exc}") from None
        return out

    return check


def list_of(item_check, minimum: int = 0):
    def check(value):
        if not isinstance(value, list):
            raise Invalid("une liste est attendue")
        if len(value) < minimum:
            raise Invalid(f"au moins {minimum} élément{'s' if minimum > 1 else ''} requis")
        out = []
        for position, item in enumerate(value, start=1):
            try:
                out.append(item_check(item))
            except Invalid as exc:
                raise Invalid(f"élément {position} : {exc}") from None
        return out

    return check


# `seen_on`: the day we read the page; `page_date`: the page's own date (published or
# updated), when it shows one — the only one that says how recent the fact is.
# `about: departements` marks a Région's source that backs its list of départements and
# cities only, never its contacts: the contacts' replies do not cite it.
SOURCE_ABOUT = ("departements",)
source = mapping(
    {"url": url, "seen_on": date, "page_date": date, "title": text, "about": one_of(SOURCE_ABOUT)},
    required=("url", "seen_on"),
)
sources = list_of(source, minimum=1)


def departement_code(value):
    value = str(value).strip()
    if not _DEPARTEMENT.match(value):
        raise Invalid(f"code de département inconnu : {value!r}")
    return value


# `areas`: the historical areas and demonyms owners place themselves with (« du Quercy »,
# « vendéen »), when the area lies in that one département; an area over several départements
# is an alias of its Région (« alsacien » → Grand Est).
departements = list_of(
    mapping(
        {"code": departement_code, "name": text, "cities": text_list, "areas": text_list}, required=("code", "name")
    ),
    minimum=1,
)
# `programmes`: the programmes that are this contact's own offer (« Team France Export
# Auvergne-Rhône-Alpes » is both a contact and a programme; the Team France Export's
# prestations are what its regional advisers deliver): a reply that gives the contacts does
# not list them again.
contacts = list_of(
    mapping(
        {"organisation": ident, "name": text, "url": url, "role": text, "programmes": ident_list},
        required=("organisation", "name", "url", "role"),
    )
)
partnerships = list_of(
    mapping(
        {"partner": text, "status": one_of(PARTNERSHIP_STATUSES), "detail": text},
        required=("partner", "status", "detail"),
    )
)
initiatives = list_of(mapping({"name": text, "summary": long_text}, required=("name", "summary")))
eu_agreement = mapping({"name": text, "status": text, "since": date}, required=("name", "status"))
ORIGIN_PROOF_MAX = 300
BUSINESS_FRANCE_DETAIL_MAX = 200


def origin_proof(value):
    return text(value, ORIGIN_PROOF_MAX)


COUNTRY_PAGE_TITLE_MAX = 80


def country_page_title(value):
    return text(value, COUNTRY_PAGE_TITLE_MAX)


def _business_france_detail(value):
    return text(value, BUSINESS_FRANCE_DETAIL_MAX)


business_france = mapping({"present": boolean, "detail": _business_france_detail}, required=("present", "detail"))


def nullable(check):
    def wrapped(value):
        return None if value is None else check(value)

    return wrapped


def positive_number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise Invalid("un nombre positif est attendu")
    return value


def positive_int(value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Invalid("un entier positif est attendu")
    return value


def must_be_true(value):
    if value is not True:
        raise Invalid("seule la valeur true a un sens pour ce critère")
    return value


def must_be_null(value):
    if value is not None:
        raise Invalid("ce critère ne se vérifie pas automatiquement : value doit être null")
    return value


# Each criterion, the type of its value, and the kind its ids refer to (if any).
CRITERIA = {
    "max_revenue_eur": (positive_number, None),
    "min_revenue_eur": (positive_number, None),
    "max_headcount": (positive_int, None),
    "min_headcount": (positive_int, None),
    "min_company_age_months": (positive_int, None),
    "first_balance_sheet_closed": (must_be_true, None),
    "french_company": (must_be_true, None),
    "located_in_regions": (non_empty_ident_list, "region"),
    "excluded_sectors": (non_empty_ident_list, "sector"),
    "target_outside_eu": (must_be_true, None),
    "excluded_target_countries": (non_empty_ident_list, "country"),
    "other": (must_be_null, None),
}


def criterion(value):
    if not isinstance(value, dict):
        raise Invalid("un critère {criterion, value, label} est attendu")
    unknown = set(value) - {"criterion", "value", "label"}
    if unknown:
        raise Invalid(f"clé(s) inconnue(s) : {', '.join(sorted(unknown))}")
    name = value.get("criterion")
    if name not in CRITERIA:
        raise Invalid(f"critère {name!r} inconnu ; critères possibles : {', '.join(CRITERIA)}")
    check, _ = CRITERIA[name]
    try:
        checked = check(value.get("value"))
    except Invalid as exc:
        raise Invalid(f"{name} : {exc}") from None
    return {"criterion": name, "value": checked, "label": text(value.get("label"))}


eligibility = list_of(criterion)


def _iso2(value):
    if not isinstance(value, str) or not re.match(r"^[A-Z]{2}$", value):
        raise Invalid("code ISO 3166-1 alpha-2 en majuscules attendu (ex. « JP »)")
    return value


def _region_code(value):
    value = str(value).strip()
    if not re.match(r"^\d{2}$", value):
        raise Invalid("code INSEE de région à deux chiffres attendu")
    return value


# --- the schema ---------------------------------------------------------------------------


def _common(name_field: str = "name") -> list:
    return [
        Field("id", ident, required=True),
        Field(name_field, text, required=True),
        Field("aliases", text_list),
        Field("status", one_of(STATUSES), required=True),
        Field("ended_on", date),
        Field("verified_on", date, required=True),
        Field("sources", sources, required=True),
        Field("note", long_text),
        # The last day the record is known to hold (a pôle's label, a call's deadline);
        # past it, answers say « expiré » whatever `status` says.
        Field("valid_until", date),
    ]


SCHEMA = {
    "organisation": _common()
    + [
        Field("kind", one_of(ORGANISATION_KINDS), required=True),
        Field("summary", summary, required=True),
        Field("details", long_text),
        Field("website", url, required=True),
        Field("parent", ident, ref=Reference("organisation")),
    ],
    "sector": _common()
    + [
        Field("summary", summary, required=True),
    ],
    "region": _common()
    + [
        Field("code", _region_code, required=True),
        Field("overseas", boolean, required=True),
        Field("capital", text),
        Field("departements", departements, required=True),
        Field("contacts", contacts),
    ],
    "country": _common()
    + [
        Field("iso2", _iso2, required=True),
        Field("in_form", text, required=True),
        Field("adjective", text),
        # The adjective's other forms (« ukrainienne », « ukrainiens », « ukrainiennes »).
        Field("adjectives", text_list),
        # The business cities an exporter names for the market (« une filiale à Montréal »):
        # never one that is also a French place or an ordinary French word.
        Field("cities", text_list),
        Field("zone", one_of(ZONES), required=True),
        Field("eu_member", boolean, required=True),
        Field("eu_agreement", nullable(eu_agreement)),
        Field("origin_proof", origin_proof),
        Field("access2markets_url", url),
        # A public operator's page about exporting to this country (documents, customs
        # rules, useful addresses): where replies send users when Access2Markets only
        # offers its generic list of markets. Its title says whose page it is.
        Field("country_page_url", url),
        Field("country_page_title", country_page_title),
        Field("business_france", business_france),
        Field("details", long_text),
    ],
    "obstacle": _common()
    + [
        Field("summary", summary, required=True),
        Field("advice", non_empty_text_list, required=True),
        Field("programmes", ident_list, ref=Reference("programme")),
        Field("organisations", ident_list, ref=Reference("organisation")),
    ],
    "programme": _common()
    + [
        Field("operator", ident, required=True, ref=Reference("organisation")),
        Field("kind", one_of(PROGRAMME_KINDS), required=True),
        Field("obstacles", non_empty_ident_list, required=True, ref=Reference("obstacle")),
        Field("summary", summary, required=True),
        Field("details", long_text, required=True),
        Field("amounts", text_list),
        Field("eligibility", eligibility),
        Field("scope", one_of(SCOPES), required=True),
        Field("regions", ident_list, ref=Reference("region")),
        Field("how_to_apply", long_text, required=True),
        Field("contact", url),
        Field("successor", ident, ref=Reference("programme")),
    ],
    "cluster": _common()
    + [
        Field("sectors", non_empty_ident_list, required=True, ref=Reference("sector")),
        Field("regions", non_empty_ident_list, required=True, ref=Reference("region")),
        Field("city", text),
        Field("website", url),
        Field("summary", summary, required=True),
        Field("international", long_text),
        Field("partnerships", partnerships),
        Field("initiatives", initiatives),
        Field("phase_v", boolean),
    ],
    "faq": _common(name_field="question")
    + [
        Field("topic", one_of(FAQ_TOPICS), required=True),
        Field("destination", one_of(DESTINATIONS)),
        # The countries whose own rules the answer gives (UKCA: gb): not an answer for another.
        Field("countries", ident_list, ref=Reference("country")),
        Field("variants", text_list),
        Field("answer", long_text, required=True),
        Field("obstacles", ident_list, ref=Reference("obstacle")),
        Field("programmes", ident_list, ref=Reference("programme")),
        Field("organisations", ident_list, ref=Reference("organisation")),
    ],
}


# --- reading ------------------------------------------------------------------------------


def _display(path: Path, root: Path) -> str:
    try:
        return str(Path(root.name) / path.relative_to(root))
    except ValueError:
        return str(path)


def _load_yaml(text: str):
    """yaml.safe_load, through libyaml when PyYAML has it: the same objects ten times faster
    (knowledge/ is 2 MB of YAML, read at every `kb check`, `kb load` and by many tests)."""
    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        # The pure-Python parser words the error, line and column as the editors have known.
        return yaml.safe_load(text)


def _read_file(path: Path, shown: str, dataset: Dataset, problems: list) -> None:
    try:
        content = _load_yaml(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        problems.append(Problem(shown, "", "", "le fichier n'est pas en UTF-8"))
        return
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (ligne {mark.line + 1}, colonne {mark.column + 1})" if mark else ""
        problems.append(Problem(shown, "", "", f"YAML illisible{where} : {getattr(exc, 'problem', exc)}"))
        return
    if not isinstance(content, dict) or set(content) != {"kind", "records"}:
        problems.append(Problem(shown, "", "", "le fichier doit contenir exactement les clés « kind » et « records »"))
        return
    kind = content["kind"]
    if kind not in SCHEMA:
        problems.append(Problem(shown, "", "kind", f"type {kind!r} inconnu ; types possibles : {', '.join(KINDS)}"))
        return
    if not isinstance(content["records"], list):
        problems.append(Problem(shown, "", "records", "une liste de fiches est attendue"))
        return
    for position, raw in enumerate(content["records"], start=1):
        record = _validate_record(kind, raw, shown, position, problems)
        if record is None:
            continue
        rid = record["id"]
        if rid in dataset.records[kind]:
            first = dataset.origins[(kind, rid)]
            problems.append(Problem(shown, rid, "id", f"identifiant déjà utilisé dans {first}"))
            continue
        dataset.records[kind][rid] = record
        dataset.origins[(kind, rid)] = shown


def _validate_record(kind: str, raw, shown: str, position: int, problems: list) -> dict | None:
    if not isinstance(raw, dict):
        problems.append(Problem(shown, f"n° {position}", "", "une fiche doit être un objet YAML (clé: valeur)"))
        return None
    rid = raw.get("id") if isinstance(raw.get("id"), str) else f"n° {position}"
    before = len(problems)
    fields = SCHEMA[kind]
    known = {f.name for f in fields}
    for name in sorted(set(raw) - known):
        problems.append(Problem(shown, rid, name, "champ inconnu pour ce type de fiche (faute de frappe ?)"))
    record = {}
    for spec in fields:
        value = raw.get(spec.name)
        if value is None:
            if spec.required:
                problems.append(Problem(shown, rid, spec.name, "champ obligatoire manquant"))
            continue
        try:
            record[spec.name] = spec.check(value)
        except Invalid as exc:
            problems.append(Problem(shown, rid, spec.name, str(exc)))
    for name, message in _record_rules(kind, record):
        problems.append(Problem(shown, rid, name, message))
    return record if len(problems) == before else None


def _record_rules(kind: str, record: dict):
    """Rules that tie several fields of one record together."""
    if record.get("status") == "ended" and "ended_on" not in record:
        yield "ended_on", "un dispositif terminé doit indiquer sa date de fin"
    if "ended_on" in record and record.get("status") != "ended":
        yield "status", "une date de fin est donnée : le statut doit être « ended »"
    if kind == "programme" and record.get("scope") == "regional" and not record.get("regions"):
        yield "regions", "un dispositif régional doit nommer sa ou ses Régions"
    if kind == "country" and "iso2" in record and record.get("id") != record["iso2"].lower():
        yield "id", "l'identifiant d'un pays est son code ISO en minuscules"
    if kind == "country" and record.get("eu_member") and record.get("eu_agreement"):
        yield "eu_agreement", "un État membre n'a pas d'accord commercial avec l'UE"
    if kind == "country" and ("country_page_url" in record) != ("country_page_title" in record):
        yield "country_page_title", "une page pays va avec son titre : country_page_url et country_page_title ensemble"
    if kind == "country" and "country_page_url" in record:
        if record["country_page_url"] not in {src["url"] for src in record.get("sources", [])}:
            yield "country_page_url", "la page pays doit aussi figurer dans les sources de la fiche"
    if kind == "country" and "origin_proof" in record and not record.get("eu_agreement"):
        yield (
            "origin_proof",
            "une preuve d'origine préférentielle suppose un accord commercial avec l'UE (eu_agreement)",
        )


def _check_references(dataset: Dataset, problems: list) -> None:
    for kind in KINDS:
        specs = [s for s in SCHEMA[kind] if s.ref]
        for rid, record in dataset.records[kind].items():
            shown = dataset.origins[(kind, rid)]
            for spec in specs:
                value = record.get(spec.name)
                targets = value if isinstance(value, list) else ([value] if value else [])
                for target in targets:
                    if target not in dataset.records[spec.ref.kind]:
                        problems.append(
                            Problem(shown, rid, spec.name, f"référence inconnue : {spec.ref.kind} « {target} »")
                        )
            for position, criterion_ in enumerate(record.get("eligibility", []), start=1):
                ref_kind = CRITERIA[criterion_["criterion"]][1]
                for target in (criterion_["value"] or []) if ref_kind else []:
                    if target not in dataset.records[ref_kind]:
                        problems.append(
                            Problem(
                                shown,
                                rid,
                                "eligibility",
                                f"critère {position} : référence inconnue : {ref_kind} « {target} »",
                            )
                        )
            for position, contact in enumerate(record.get("contacts", []), start=1):
                if contact["organisation"] not in dataset.records["organisation"]:
                    problems.append(
                        Problem(
                            shown,
                            rid,
                            "contacts",
                            f"contact {position} : organisation « {contact['organisation']} » inconnue",
                        )
                    )
                for offer in contact.get("programmes", []):
                    programme = dataset.records["programme"].get(offer, {})
                    if programme.get("scope") != "national" and rid not in programme.get("regions", []):
                        problems.append(
                            Problem(
                                shown,
                                rid,
                                "contacts",
                                f"contact {position} : « {offer} » n'est ni un programme national "
                                "ni un programme de cette Région",
                            )
                        )


# The fields of a country that name it besides its name and aliases, in matching order.
COUNTRY_LABEL_FIELDS = ("adjective", "adjectives", "cities")


def _labelled(kind: str, record: dict) -> list:
    """(field, text) of every text that names the record."""
    out = [("name", record.get("question" if kind == "faq" else "name", ""))]
    out += [("aliases", alias) for alias in record.get("aliases", [])]
    if kind == "country":
        for name in COUNTRY_LABEL_FIELDS:
            values = record.get(name) or []
            out += [(name, value) for value in ([values] if isinstance(values, str) else values)]
    return out


def labels(kind: str, record: dict) -> list:
    """Every text that names the record: its name (a FAQ's question), its aliases and, for a
    country, every form of its adjective (« le marché japonais », « une importatrice
    japonaise ») and its business cities (« une filiale à Montréal » is Canada)."""
    return [label for _, label in _labelled(kind, record)]


# What the NLU's entities are trained on: a city or an adjective's other forms is read by the
# bot's own readers (KnowledgeBase.mentioned), not annotated as a country in the training data
# (« un hôtel à Barcelone » is no market).
NLU_LABEL_FIELDS = ("name", "aliases", "adjective")


def nlu_labels(kind: str, record: dict) -> list:
    """The labels the generated NLU lookups and synonyms hold, and the annotations check."""
    return [label for field_name, label in _labelled(kind, record) if field_name in NLU_LABEL_FIELDS]


def _check_aliases(dataset: Dataset, problems: list) -> None:
    """Within a kind, a name, alias, adjective or city must designate exactly one record
    (« Montréal » cannot name two countries)."""
    for kind in KINDS:
        owners: dict = {}
        for rid, record in dataset.records[kind].items():
            for field_name, label in _labelled(kind, record):
                k = key(label)
                if not k:
                    continue
                owner = owners.setdefault(k, rid)
                if owner != rid:
                    what = "la ville" if field_name == "cities" else ""
                    problems.append(
                        Problem(
                            dataset.origins[(kind, rid)],
                            rid,
                            field_name if field_name != "name" else "aliases",
                            f"{what} « {label} » désigne déjà la fiche « {owner} »".strip(),
                        )
                    )


def french_places(dataset: Dataset) -> dict:
    """Matching key → what it names in France: every département's name, cities and areas,
    and every Région's name and aliases."""
    places = {}
    for rid, region in dataset.records["region"].items():
        for dep in region.get("departements", []):
            for name in [dep["name"], *dep.get("cities", []), *dep.get("areas", [])]:
                places.setdefault(key(name), f"{name} ({dep['code']})")
        for label in labels("region", region):
            places.setdefault(key(label), f"{label} (Région « {rid} »)")
    return places


def _check_foreign_cities(dataset: Dataset, problems: list) -> None:
    """A country's city must not also be a French place: « Valence » would send a company of
    the Drôme to Spain."""
    places = french_places(dataset)
    for rid, record in dataset.records["country"].items():
        for city in record.get("cities", []):
            french = places.get(key(city))
            if french:
                problems.append(
                    Problem(
                        dataset.origins[("country", rid)],
                        rid,
                        "cities",
                        f"la ville « {city} » est aussi un lieu français : {french}",
                    )
                )


def _check_departements(dataset: Dataset, problems: list) -> None:
    """A département belongs to one Région, and a city to one département (« Saint-Denis »
    cannot name both the 93 and the 974: users would be sent to the wrong one)."""
    seen: dict = {}
    cities: dict = {}  # matching key → (code, name, region id, position in the list)
    for rid, region in dataset.records["region"].items():
        shown = dataset.origins[("region", rid)]
        for dep in region.get("departements", []):
            owner = seen.setdefault(dep["code"], rid)
            if owner != rid:
                problems.append(
                    Problem(
                        shown, rid, "departements", f"le département {dep['code']} est déjà dans la Région « {owner} »"
                    )
                )
            # Areas share the cities' names space: « Quercy » names one département only.
            for position, city in enumerate([*dep.get("cities", []), *dep.get("areas", [])]):
                k = key(city)
                if not k:
                    continue
                what = "la ville" if position < len(dep.get("cities", [])) else "le nom"
                first = cities.setdefault(k, (dep["code"], dep["name"], rid, position))
                if first[0] == dep["code"] and first[3] != position:
                    problems.append(
                        Problem(
                            shown,
                            rid,
                            "departements",
                            f"{what} « {city} » figure deux fois dans le département {dep['code']} ({dep['name']})",
                        )
                    )
                elif first[0] != dep["code"]:
                    where = "" if first[2] == rid else f", Région « {first[2]} »"
                    problems.append(
                        Problem(
                            shown,
                            rid,
                            "departements",
                            f"{what} « {city} » ne peut pas appartenir à deux départements : "
                            f"elle est déjà dans le {first[0]} ({first[1]}{where}), "
                            f"on la retrouve dans le {dep['code']} ({dep['name']})",
                        )
                    )


def _check_areas(dataset: Dataset, problems: list) -> None:
    """An area or a city of a département is not also a Région's name or alias: « Limousin »
    names the Région's part, or one département, not both."""
    regions = dataset.records["region"]
    regional = {key(label): rid for rid, region in regions.items() for label in labels("region", region)}
    for rid, region in dataset.records["region"].items():
        for dep in region.get("departements", []):
            for name in [*dep.get("cities", []), *dep.get("areas", [])]:
                owner = regional.get(key(name))
                if owner:
                    problems.append(
                        Problem(
                            dataset.origins[("region", rid)],
                            rid,
                            "departements",
                            f"« {name} » (département {dep['code']}) nomme déjà la Région « {owner} »",
                        )
                    )


def read_knowledge(root: Path) -> Dataset:
    """Validates every knowledge/*.yml file; raises KnowledgeError listing every problem."""
    root = Path(root)
    problems: list[Problem] = []
    dataset = Dataset()
    # The source policy and the editorial choices live beside the records but hold none.
    files = sorted(p for p in root.glob("*.yml") if p.name not in (POLICY_FILE, EDITORIAL_FILE))
    if not files:
        raise KnowledgeError([Problem(str(root), "", "", "aucun fichier .yml trouvé")])
    try:
        dataset.policy = read_policy(root)
    except PolicyError as exc:
        problems.append(Problem(_display(root / POLICY_FILE, root), "", "", str(exc)))
    for path in files:
        _read_file(path, _display(path, root), dataset, problems)
    _check_references(dataset, problems)
    _read_editorial(root, dataset, problems)
    _check_aliases(dataset, problems)
    _check_departements(dataset, problems)
    _check_areas(dataset, problems)
    _check_foreign_cities(dataset, problems)
    if problems:
        raise KnowledgeError(problems)
    _mark_primary(dataset)
    return dataset


def _read_editorial(root: Path, dataset: Dataset, problems: list) -> None:
    """The editorial lists, once the records are read: each id must name a record."""
    shown = _display(root / EDITORIAL_FILE, root)
    try:
        dataset.editorial = read_editorial(root)
    except EditorialError as exc:
        problems += [
            Problem(shown, "", "", f"liste « {name} » : {message}" if name else message)
            for name, message in exc.problems
        ]
        return
    for name, kind, rid in unknown_ids(dataset.editorial, dataset.records):
        problems.append(Problem(shown, "", "", f"liste « {name} » : référence inconnue : {kind} « {rid} »"))


def _mark_primary(dataset: Dataset) -> None:
    """Each source gets `primary` (computed, never written in the YAML): replies and the
    database read it instead of matching domains at every answer."""
    for kind in KINDS:
        for record in dataset.records[kind].values():
            for src in record.get("sources", []):
                src["primary"] = dataset.policy.is_primary(src["url"])
