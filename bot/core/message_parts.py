"""The parts of a message that describes the company and asks several questions (issue #17).

spaCy's French sentencizer cuts the message into sentences; a sentence with a question mark
is a question, the others are statements. The statements tell what the company already does
(« on vend déjà en Belgique »), what it wants (« on vise le Maroc ») and what it did once
(« on a fait un salon à Milan il y a trois ans »), which must not be read as the company's age.

Used by the action server; pure Python and spaCy's rules, no model and no Rasa import.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from bot.core import quantities
from bot.core.text import COMPANY_NOUNS, unquoted, words
from bot.knowledge.snapshot import KnowledgeBase

# At most this many questions of one message are answered, in order.
MAX_QUESTIONS = 3

# Verbs and adverbs of a market already served, and of a market wanted (folded text).
_SERVED = re.compile(
    r"\b(deja|vend(ons|s|ent|ions|ait)?|export(ons|e|ent|ions|ait)|livr(ons|e)|clients? (en|au|aux)|"
    r"present(s|es)? (en|au|aux)|distribu(ons|e)|implante(s|es)? (en|au|aux)|partai(t|ent)|equip(ons|e)|"
    r"employ(ons|e)|(ont|avons|a) ouvert|(avons|a) (un|une|des|nos) (bureaux?|filiales?|clients?|clientele)|"
    r"partenariats? (en|au|aux|avec)|part(ent)? (sur|en|au|aux|vers|a))\b"
)
# A market reached before, told in the past (« nous ont ouvert l'Espagne »), even beside a word
# of prospecting.
_SERVED_BEFORE = re.compile(r"\b((ont|avons|a) ouvert|partai(t|ent)|vendions|exportions)\b")
# France is where the company is, never a market it exports to.
_HOME = "fr"
# A mission, a negotiation, requests received or a tender answered are steps towards a market not
# yet served.
_WANTED = re.compile(
    r"\b(vis(e|ons|er)|aimeri?(ons|ait)|souhait\w*|voudri?(ons|ait)|voulons|veut|veux|cibl\w*|envisag\w*|"
    r"essayer|projet\w*|conquerir|attaquer|nous developper|se developper|ouvr(ir|ons)|prospect\w*|s implanter|"
    r"lancer|cherch(e|ons|er)|partir (sur|en|au|aux|vers)|missions? (en|au|aux|a)|negoci\w*|demandes|"
    r"bientot|prochainement|devri?(ons|ait|aient)|appels? d offres?)\b"
)
# A sale made, or customers had: what makes a customer's nationality a market served (« nous
# avions décroché un client ukrainien », « une importatrice nous a commandé »). The infinitive
# (« vendre à un client japonais ») is a wish, and a wish says nothing of a nationality; so
# « à » after an infinitive is no « a » of « il a des clients ».
_SOLD = re.compile(
    r"\b(vend(u|us|ue|ues|ons|ent|ait|ions|aient)?|livr(e|es|ee|ees|ons|ent|ait|ions)|"
    r"export(e|es|ee|ees|ons|ent|ait|ions)|decroch\w*|sign(e|es|ee|ees|ons|ent)|command(e|es|ee|ees|ons|ent)|"
    r"factur(e|es|ee|ees|ons|ent)|achet(e|es|ee|ees|ent)|nos clients?|notre client|"
    r"(avons|ont|(?<!re )(?<!er )(?<!ir )a) (un|une|des|deux|plusieurs|quelques|deja) (\w+ )?(clients?|clientele))\b"
)
# What the company buys, or from whom: a supplier's nationality (« notre fournisseur chinois
# nous a livré ») or goods bought (« nous avons acheté des machines allemandes ») is no market
# served, whatever verb of sale the clause also holds.
_BOUGHT = re.compile(r"\b(fournisseu\w*|sous traitan\w*|prestataires?|nous avons achete\w*|on a achete\w*|achetons)\b")
# The words that introduce a place (« en Suisse », « la Suisse », « et Suisse »): after them, a
# form that is both a country's name and its adjective is the name.
_PLACE_WORDS = frozenset("a au aux en de du des d la le l les vers pour sur dans et ou".split())
# A market named by its adjective: « le marché japonais », « la clientèle japonaise », a group
# (« les consommateurs japonais », « des distributeurs allemands »); one word may come between.
# One customer, partner or person (« un client ukrainien », « une spécialiste japonaise ») is
# a nationality.
_MARKET_BEFORE = re.compile(r"(^| )(marches?|clientele|(les|des) \w+[sx])( \w+)? $")
# « On vend déjà au Portugal, on aimerait essayer le Mexique » : each clause has its own verb.
_CLAUSE_BREAK = re.compile(r"[,;:]| mais | et (?=on |nous |j)")
# A past action dated by « il y a N ans »: the company's age is said otherwise (« créée en… »).
_PAST_EVENT = re.compile(r"\b(on a|nous avons|j ai|avons) (fait|participe|expose|eu|tente|essaye)\b")
# « créée », « créés », « fondées », « existons »: every form, in both patterns below.
_CREATION_WORDS = r"cree\w*|fonde\w*|exist\w*|creation"
_CREATION = re.compile(rf"\b({_CREATION_WORDS}|ans d existence)\b")


# What a sentence says around a number that is the company's headcount, revenue or age:
# without it, « Art 293b » or « 2000 $ » is no profile fact.
PROFILE_CUES = {
    "headcount": re.compile(
        r"\b(salaries?|employes?|personnes?|collaborateurs?|sommes|on est|equipe|effectif|etp|ouvriers?|emplois?)\b"
    ),
    # A sum in euros is a revenue only with a word of turnover or a scale (« 6 M€ »): « il me
    # donne 1 800 € » is a payment.
    "revenue": re.compile(r"(\bchiffre d affaires\b|\bca\b|\barr\b|\brealis\w*|\bm€|\bk€|\bmillions?\b)"),
    "company_age": re.compile(rf"\b({_CREATION_WORDS}|depuis|ans?|annees?|il y a)\b"),
}


_STAFF = (
    r"(salaries?|employes?|personnes?|collaborateurs?|etp|ouvriers?|emplois?|consultants?|agents?|ingenieurs?|pers)"
)
_NEXT_TO = {
    "headcount": lambda n: (
        rf"\b{n}\s+(de\s+|d\s+)?{_STAFF}\b|\b(sommes|on est|compte|comptons|equipe de|effectif de)\s+(\w+\s+)?{n}\b"
    ),
    "revenue": lambda n: (
        rf"\b{n}\s*(m|k|md)?\s*(€|euros?\b|millions?\b|milliards?\b)"
        rf"|\b(chiffre d affaires|ca|arr)\b(\W+\w+){{0,3}}\W+{n}\b"
    ),
}
# A revenue read with its scale or its currency (« 6 M », « 3 M€ ») already says what it is.
_SCALED = re.compile(r"\d\s*((m|k|md|millions?)\s*(€|euros?)?|€|euros?)$")
# An age that carries its unit (« 3 ans », « 18 mois »): its unit is its cue.
_AGE_UNIT = re.compile(r"\b(ans?|mois|annees?)\b")


def stated_with_cue(text: str, slot: str, value: str) -> bool:
    """Whether a sentence of `text` holds `value` (as the extractor read it) together with a
    word that makes it the company's `slot`; True for slots that need no cue."""
    cue = PROFILE_CUES.get(slot)
    if cue is None:
        return True
    wanted = unquoted(str(value))
    if slot in _NEXT_TO and not (slot == "revenue" and _SCALED.search(wanted)):
        # A number is a headcount or a revenue beside the word that makes it one (« 15
        # salariés », « nous sommes 40 », « 2,9 millions d'euros »), not anywhere in the
        # sentence: « 64 hectares, 15 salariés », « 200 000 bérets, 2,9 millions d'euros ».
        beside = _NEXT_TO[slot](re.escape(wanted))
        return bool(wanted) and any(re.search(beside, f) and cue.search(f) for f in map(unquoted, sentences(text)))
    if slot == "company_age" and not _AGE_UNIT.search(wanted):
        # A bare year is the company's only right after the word that dates it (« créée en
        # 2019 », « depuis 1987 »): « payer 2000 $ … la facture que je vais créer » is no age.
        dated = re.compile(rf"\b({_CREATION_WORDS}|depuis|lance\w*|incube\w*)(\W+\w+){{0,2}}\W+{re.escape(wanted)}\b")
        return bool(wanted) and any(dated.search(f) for f in map(unquoted, sentences(text)))
    return bool(wanted) and any(wanted in f and cue.search(f) for f in map(unquoted, sentences(text)))


# A headcount as owners write it: in digits, in words (« douze »), or rounded (« une
# cinquantaine »), the same words quantities.parse_headcount turns into a number.
_NUMBER_WORDS = "|".join(w for w in quantities.NUMBER_WORDS if w not in ("un", "une", "mille"))
_AMOUNT = (
    r"(\d{1,6}|une?\s+(?:" + "|".join(quantities.APPROXIMATE_WORDS) + r")"
    r"|(?:" + _NUMBER_WORDS + r")(?:[ -](?:et[ -])?\w+)?)"
)
_HEADCOUNT = re.compile(
    r"\b(?:nous sommes|on est|on compte|nous comptons|equipe de|effectif de)\s+(?:environ\s+|pres de\s+|plus de\s+)?"
    + _AMOUNT
    + r"\b|\b"
    + _AMOUNT
    + r"\s+(?:de\s+|d\s+)?(?:salaries|employes|personnes|collaborateurs|etp)\b"
)


def headcount_in(text: str) -> int | None:
    """The company's headcount (« nous sommes 40 », « 35 salariés », « une centaine de
    salariés », « nous sommes douze »), or None."""
    match = _HEADCOUNT.search(unquoted(text or ""))
    return quantities.parse_headcount(match.group(1) or match.group(2)) if match else None


@dataclass(frozen=True)
class Parts:
    statements: tuple
    questions: tuple


@functools.cache
def _sentencizer():
    # Imported here: the website reads this package's metadata keys and must not pay for
    # spaCy (0.6 s of import, about 80 MB) that only the action server uses.
    import spacy

    nlp = spacy.blank("fr")
    nlp.add_pipe("sentencizer")
    return nlp


def prepare() -> None:
    """Builds the sentencizer (spaCy's import and its French tokenizer, about 2.5 s) before any
    message: `sentences` builds it only when it has a line to cut."""
    _sentencizer()


@functools.lru_cache(maxsize=64)
def sentences(text: str) -> tuple:
    """The message's sentences, spaces tidied, empty ones left out. Cached: the profile, the
    markets and the questions of one message are all read from its sentences."""
    # A line break ends a sentence even without a full stop (« …les outils à disposition⏎
    # Quelles obligations… ? »): each line is cut on its own.
    cut = (
        " ".join(sentence.text.split()) for line in (text or "").splitlines() for sentence in _sentencizer()(line).sents
    )
    return tuple(sentence for sentence in cut if sentence)


# A clause that presents the company (« ETI de 200 salariés… », « nous sommes 12 à Lyon »),
# unlike one that says what it wants (« on vise le Maroc : faut-il un marquage ? »).
_PRESENTS_ITSELF = re.compile(rf"^(bonjour\W+)?({COMPANY_NOUNS}|nous sommes|on est|je suis|je dirige)\b")


# A list's marker before an item (« 1) », « 2. », « a) », « - », « • »): the writer's layout,
# not words of the question; left on it, « 1) » makes the ranker read a number as a term.
_LIST_MARKER = re.compile(r"^(?:\(?\d{1,2}\s*[.)°/-]|\(?[a-zA-Z]\)|[-–—•*·▪►>])\s*")


# The words that open a question (« par quel pays commencer ? », « et comment… »), folded.
_ASKS = re.compile(
    r"^((et|mais|alors|donc) )?((par|pour|dans|avec|a|de|en|sur|vers|chez) )?"
    r"(quel|quels|quelle|quelles|comment|combien|pourquoi|ou|quand|qui|que|qu|est ce|faut il|dois je|doit on|"
    r"devons nous|peut on|puis je|pouvons nous|pouvez vous|y a t il|avez vous)\b"
)


def _described_then_asked(sentence: str):
    """(statement, question) for a sentence that describes the writer's company, then asks,
    with only commas between (« on fait des biscuits à Nantes, on voudrait exporter, par quel
    pays commencer ? »); None otherwise."""
    clauses = sentence.split(", ")
    for i, clause in enumerate(clauses[1:], start=1):
        if _ASKS.search(unquoted(clause).strip()):
            before = ", ".join(clauses[:i])
            if "?" in before or _ASKS.search(unquoted(clauses[0]).strip()) or not speaks_of_itself((before,)):
                return None
            question = ", ".join(clauses[i:])
            return before + ".", question[:1].upper() + question[1:]
    return None


def _split_sentences(text: str) -> tuple:
    """(statements, questions, the item of each question), list markers taken off, a marker
    alone (« 1. » that the sentencizer cut off) left out. A new line or a list marker starts
    a new item: questions of one item follow each other on a line."""
    statements, questions, items = [], [], []
    item = 0
    for line in text.splitlines():
        item += 1
        for sentence in sentences(line):
            unmarked = _LIST_MARKER.sub("", sentence, count=1).strip()
            if unmarked != sentence and questions and items[-1] == item:
                item += 1
            if not unmarked:
                continue
            if "?" not in unmarked:
                statements.append(unmarked)
                continue
            before, colon, after = unmarked.partition(" : ")
            if colon and "?" not in before and _PRESENTS_ITSELF.search(unquoted(before).strip()):
                statements.append(before)
                unmarked = after[:1].upper() + after[1:]
            else:
                described = _described_then_asked(unmarked)
                if described:
                    statements.append(described[0])
                    unmarked = described[1]
            questions.append(unmarked)
            items.append(item)
    return statements, questions, items


def split(text: str) -> Parts:
    """Statements and questions, in the order written (a sentence with « ? » is a question).
    A question that opens on the company (« ETI de 200 salariés en Centre-Val de Loire :
    quelles aides pour nous ? ») is a statement, then the question. When a message asks more
    than MAX_QUESTIONS questions in two to MAX_QUESTIONS items (lines, or numbered points),
    each item is one question (« Pourquoi protéger sa marque ? Comment la protéger à
    l'international ? » then two more lines): the writer's layout shows what goes together,
    and no item is left unanswered."""
    statements, questions, items = _split_sentences(text or "")
    distinct = list(dict.fromkeys(items))
    if len(questions) > MAX_QUESTIONS and 2 <= len(distinct) <= MAX_QUESTIONS:
        questions = [" ".join(q for q, at in zip(questions, items) if at == item) for item in distinct]
    return Parts(tuple(statements), tuple(questions))


@dataclass(frozen=True)
class Markets:
    served: tuple  # country ids already served
    wanted: tuple  # country ids the company aims at


def _clauses(text: str):
    """(clause, folded clause, its kind: "served", "wanted" or None, in a question) for each
    clause of the message; a clause without a verb of its own continues the list of the one
    before (« on vend en Belgique, en Suisse »)."""
    for sentence in sentences(text):
        asked = "?" in sentence
        kind = None
        for clause in _CLAUSE_BREAK.split(sentence):
            folded = unquoted(clause)
            if _SERVED_BEFORE.search(folded):
                kind = "served"
            elif _WANTED.search(folded):
                kind = "wanted"
            elif _SERVED.search(folded) or (not asked and _sold(folded)):
                kind = "served"
            yield clause, folded, kind, asked


def _sold(folded: str) -> bool:
    """Whether a folded clause says a sale was made, not a purchase."""
    return bool(_SOLD.search(folded)) and not _BOUGHT.search(folded)


def _is_a_nationality(kb: KnowledgeBase, phrase: str, before: str) -> bool:
    """Whether a country's phrase, after the words `before` (folded, padded), tells whose
    nationality (« un client ukrainien ») rather than a place or a market."""
    form = kb.country_adjective(phrase)
    if form is None:
        return False
    previous = before.split()[-1:]
    if form == "also" and (not previous or previous[0] in _PLACE_WORDS):
        return False
    return not _MARKET_BEFORE.search(before)


def _countries(kb: KnowledgeBase, clause: str, named: tuple) -> list:
    """(country id, whether it is only named as a nationality) for each country the clause
    names, the longest mention first; `named`: (id, folded phrase) found by another reader."""
    padded = " " + " ".join(words(clause)) + " "
    found = kb.mention_phrases("country", clause) + [(rid, p) for rid, p in named if f" {p} " in padded]
    order = list(dict.fromkeys(kb.mentioned("country", clause) + [rid for rid, _ in found]))
    nationality = {}
    for rid, phrase in found:
        at = padded.find(f" {phrase} ")
        while at >= 0:
            alone = _is_a_nationality(kb, phrase, padded[: at + 1])
            nationality[rid] = nationality.get(rid, True) and alone
            at = padded.find(f" {phrase} ", at + 1)
    return [(rid, nationality.get(rid, False)) for rid in order]


def _named_phrases(kb: KnowledgeBase, named: tuple) -> tuple:
    """(country id, folded phrase) of the country names another reader found."""
    pairs = ((kb.named("country", value), " ".join(words(value))) for value in named if value)
    return tuple((rid, phrase) for rid, phrase in pairs if rid and phrase)


def markets(kb: KnowledgeBase, text: str, named: tuple = ()) -> Markets:
    """The countries of each clause, served or wanted by what the clause says of them; a
    country named with neither kind of verb is left out (a question may name it in passing).
    A nationality (« un client ukrainien nous a contactés ») is no market wanted: it is a market
    served when a statement says a sale was made, and nothing otherwise. `named`: the names
    another reader found (the NLU's `country` entities), read by the same rules."""
    extra = _named_phrases(kb, named)
    found = {"served": [], "wanted": []}
    for clause, folded, kind, asked in _clauses(text):
        for country, nationality in _countries(kb, clause, extra):
            if country == _HOME:
                continue
            if nationality:
                if not asked and _sold(folded):
                    found["served"].append(country)
            elif kind is not None:
                found[kind].append(country)
    wanted = list(dict.fromkeys(found["wanted"]))
    return Markets(tuple(c for c in dict.fromkeys(found["served"]) if c not in wanted), tuple(wanted))


def nationalities(kb: KnowledgeBase, text: str, named: tuple = ()) -> set:
    """The countries that `text` names only as someone's nationality (« un client ukrainien »),
    never as a place or a market; `named` as in `markets`."""
    countries = _countries(kb, text, _named_phrases(kb, named))
    return {rid for rid, nationality in countries if nationality}


def wanted_in(text: str, phrase: str) -> bool:
    """Whether a clause that holds `phrase` (a zone, « l'Asie ») says it is wanted."""
    wanted = f" {' '.join(words(phrase))} "
    return any(kind == "wanted" and wanted in f" {' '.join(words(clause))} " for clause, _, kind, _ in _clauses(text))


def age_is_a_past_event(text: str) -> bool:
    """Whether « il y a trois ans » in the message dates something the company did, not its
    creation: the sentence that holds it tells of an action and not of a creation."""
    return any(
        "il y a" in f and _PAST_EVENT.search(f) and not _CREATION.search(f) for f in map(unquoted, sentences(text))
    )


# What a date may belong to besides the company: its premises, contracts and relations,
# products, events and exports (« un bureau dans la Silicon Valley depuis 2008 », « nous
# exportons au Japon depuis 2010 », « un salon il y a trois ans »); a foreign country too.
_OTHER_THAN_THE_COMPANY = re.compile(
    r"\b(bureaux?|filiales?|succursales?|usines?|sites?|entrepots?|magasins?|boutiques?|showrooms?|antennes?|"
    r"stands?|locaux|contrats?|accords?|partenariats?|partenaires?|clients?|clientele|distributeurs?|importat\w+|"
    r"fournisseurs?|licences?|franchises?|marches?|produits|gammes?|marques?|brevets?|labels?|certifications?|"
    r"salons?|missions?|commandes?|export\w*)\b"
)
# What makes a date the company's own: the company named (« notre société, créée en 1988 »,
# « entreprise de 20 ans »), or what it does or where it stands as a whole (« depuis 2008 nous
# fabriquons », « implantés dans le Doubs depuis 1991 »).
_THE_COMPANY = re.compile(
    rf"\b({COMPANY_NOUNS}|boite|sarl|sas|maison|domaine|groupe|agence|atelier|manufacture|exploitation|"
    r"fabriqu\w*|produi(s|t|sons|sent)|con(cois|coit|cevons|coivent)|edit(e|ons|ent)|elev(e|ons|ent)|cultiv\w*|"
    r"transform(e|ons|ent)|distill\w*|construi(s|t|sons|sent)|(fais|fait|faisons|font) (du|de la|de l|des)|"
    r"travaill\w*|exist\w*|install(e|ee|es|ees)|implante\w*|etabli(e|es|s)?)\b"
)
# A clause that holds no more than this many words besides the date (« créée en 2011 »,
# « depuis 2008 ») leans on its neighbour to say what it dates.
_BARE_DATE_WORDS = 2


def _starts(kb: KnowledgeBase, regex, text: str, foreign: bool) -> list:
    """Where in `text` (folded words, padded) the regex matches; with `foreign`, where a
    country other than France is named too."""
    starts = [m.start() for m in regex.finditer(text)]
    if foreign:
        for rid, phrase in kb.mention_phrases("country", text):
            at = text.find(f" {phrase} ")
            while rid != _HOME and at >= 0:
                starts.append(at + 1)
                at = text.find(f" {phrase} ", at + 1)
    return starts


def _dates_the_company(kb: KnowledgeBase, before: str, after: str):
    """True when the nearest word before the date that tells what it dates names the company
    or its own activity, False when it names something else; else the first such word after
    the date; None when no word tells."""
    for text, nearest in ((before, max), (after, min)):
        own = _starts(kb, _THE_COMPANY, text, foreign=False)
        other = _starts(kb, _OTHER_THAN_THE_COMPANY, text, foreign=True)
        if own or other:
            return nearest(own + other) in own
    return None


def dates_the_company(kb: KnowledgeBase, text: str, value: str) -> bool:
    """Whether `value` (a year or a duration the extractor read) dates the company itself
    (« créée en 2008 », « depuis 2008 nous fabriquons », « entreprise familiale fondée en
    1987 »), rather than something it has or did (« nous avons un bureau dans la Silicon Valley
    depuis 2008 », « nous exportons au Japon depuis 2010 »). A clause holding little but the
    date leans on its neighbour: a participle (« Notre société, créée en 2011, ») on the clause
    before it, a phrase that opens the sentence (« En 2015, nous avons ouvert un bureau ») on the
    one after. A value the text does not hold is kept: nothing tells what it dates."""
    wanted = " ".join(words(value))
    seen = False
    for sentence in sentences(text):
        clauses = [" ".join(words(clause)) for clause in _CLAUSE_BREAK.split(unquoted(sentence))]
        for i, clause in enumerate(clauses):
            padded = f" {clause} "
            at = padded.find(f" {wanted} ") if wanted else -1
            if at < 0:
                continue
            seen = True
            before, after = padded[: at + 1], padded[at + len(wanted) + 1 :]
            if len(clause.split()) - len(wanted.split()) <= _BARE_DATE_WORDS:
                if _CREATION.search(clause) and i > 0:
                    before = f" {clauses[i - 1]}{before}"
                elif i + 1 < len(clauses):
                    after = f"{after}{clauses[i + 1]} "
            if _dates_the_company(kb, before, after) is not False:
                return True
    return not seen


# A description of the writer's own company: in the first person (« nous sommes 12 », « on
# vise… », « mon entreprise »), or opening on the company itself (« PME de 25 salariés… »).
# « Une entreprise basée en Allemagne facture… » sets a case; it does not describe the writer's.
_FIRST_PERSON = re.compile(r"\b(je|j|nous|on|notre|nos|mon|ma|mes)\b")
_OWN_COMPANY = re.compile(rf"^({COMPANY_NOUNS})\b")


def speaks_of_itself(statements: tuple) -> bool:
    """Whether statements describe the writer's own company rather than a case."""
    folded = [unquoted(statement).strip() for statement in statements]
    return any(_FIRST_PERSON.search(f) or _OWN_COMPANY.search(f) for f in folded)


def is_compound(parts: Parts, knows_the_company: bool, precise_questions: int) -> bool:
    """Several precise questions, or a question after a description of the company. Vague
    questions together (« Par où commencer ? Qui peut m'accompagner ? ») are one request."""
    return precise_questions >= 2 or (bool(parts.questions) and bool(parts.statements) and knows_the_company)
