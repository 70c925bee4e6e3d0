"""The sentence of an answer that answers the question actually asked (issue #17: « the first
sentence answers the question: yes/no, the amount, who, the deadline »).

A FAQ entry's answer opens on the answer to its own question. Reached by another wording, its
first sentence may answer something else: « Quand faut-il déposer l'état récapitulatif… ? »
meets the entry « La DEB existe-t-elle encore… ? », whose answer opens on « Non, pas sous son
ancienne forme. » and gives the deadline four sentences later. `answering_sentence` finds that
sentence from general cues: the kind of question (when, how much, who, where) and the
question's own words the sentence shares. It is conservative: a wrong lead is worse than none,
so it says nothing when the first sentence already fits, when the question is of no kind it
reads (a yes/no question is answered by the first sentence as written, « comment » and
« pourquoi » by the whole answer), or when no sentence fits clearly.

Used by the action server; pure Python, no Rasa import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.ranker import terms
from bot.core.text import unquoted

# A sentence ends on . ! ? or … followed by a capital (« article L. 134-6 » does not end one).
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[«(\"]?\s?[A-ZÀ-ÖØ-Þ])")


def sentences(text: str) -> list:
    """The sentences of an answer, in order; a line break ends one too (a list of points)."""
    return [s.strip() for line in (text or "").splitlines() for s in _SENTENCE_END.split(line) if s.strip()]


# --- what the question asks ------------------------------------------------------------------

WHEN, AMOUNT, WHO, WHERE = "when", "amount", "who", "where"

# What may open a question before its interrogative word (« Et quand… », « Bonjour, qui… »).
_OPENING = r"(?:^|[:;,(]\s*)(?:(?:et|mais|alors|donc|bonjour|ok|svp|sinon)\s+)*"
_TIME_UNITS = r"(?:temps|jours?|semaines?|mois|ans|annees?|heures?)"
_TIME_NOUNS = r"(?:delais?|dates?|echeances?|durees?|periodes?|frequences?|calendrier|moment)"
# What one pays (a cost is one kind of amount): a question that names it asks what something
# costs, a point of a list that names it states a cost.
_COST_NOUNS = r"(?:couts?|prix|tarifs?|frais|primes?|commissions?|cotisations?)"
_MONEY_NOUNS = (
    rf"(?:{_COST_NOUNS}|montants?|taux|seuils?|budgets?|sommes?|pourcentages?|plafonds?"
    r"|remunerations?|indemnites?|droits de douane|franchises?)"
)
_WHO_NOUNS = r"(?:organismes?|interlocuteurs?|administrations?|autorites?|guichets?)"
# « Qui paie la TVA ? », « qui est l'importateur ? » ask for a role (« vous », « le client »),
# which the first sentence names as written; no organisation or place answers them.
_ROLE = (
    r" (?:(?:la|le|les|l|en|y) )?"
    r"(?:paie|paye|paient|payent|est|sont|doit|doivent|fait|supporte|prend|collecte|beneficie)\b"
)
# « Quand on exporte, faut-il… » : « quand » then a subject, then a comma, is no question word.
_CONJUNCTION = (
    r" (?:on|je|j|nous|vous|il|elle|ils|elles|un|une|mon|ma|mes|notre|nos|votre|vos|l|le|la|les|ce|cet|cette"
    r"|ces|son|sa|ses|leur|leurs)\b[^?]*,"
)
# « Combien de distributeurs ? » counts things; only money is an amount (« combien d'argent »).
_COUNTED = r" d(?:e)? (?!argent\b|euros?\b)"
# Read on the folded question, apostrophes as spaces: « où » is kept apart (folded, it is « ou »).
_ASKS = {
    WHEN: re.compile(
        rf"{_OPENING}(?:(?:a partir de|depuis|jusqu a|d ici|pour|des) )?quand\b(?!{_CONJUNCTION})"
        rf"|\b(?:a partir de|jusqu a|d ici|c est pour|c est) quand\b|\bquand\s*\?"
        rf"|\bcombien de {_TIME_UNITS}\b|\ben combien de temps\b"
        rf"|\bquel(?:le)?s?\b(?:\s+\w+){{0,3}}\s+{_TIME_NOUNS}\b|\ba quel(?:le)? {_TIME_NOUNS}\b"
    ),
    AMOUNT: re.compile(
        rf"\b(?:combien|cb|cmb)\b(?!{_COUNTED})"
        rf"|\bquel(?:le)?s?\b(?:\s+\w+){{0,3}}\s+{_MONEY_NOUNS}\b|\bcoute(?:nt)?\b"
    ),
    WHO: re.compile(
        rf"(?:{_OPENING}(?:(?:a|aupres de|par|vers|chez|avec) )?|\b(?:a|aupres de|par|vers) )qui\b(?!{_ROLE})"
        rf"|\bc est qui\b|\bquel(?:le)?s? {_WHO_NOUNS}\b"
    ),
    # « Par où commencer ? » asks how to start.
    WHERE: re.compile(
        r"(?:^|[:;,(]\s*|\b(?:et|mais|alors|donc|bonjour|d) )où\b(?! commencer\b)|\bc est où\b|\boù\s*\?"
    ),
}


def _question_kind(sentence: str) -> str | None:
    folded = unquoted(sentence)
    # « où » loses its accent when folded: it is looked for in the lower-cased text.
    lowered = " ".join(sentence.lower().replace("’", " ").replace("'", " ").split())
    found = {kind for kind, asks in _ASKS.items() if asks.search(lowered if kind == WHERE else folded)}
    # « Combien de temps » is a duration, not an amount; « quel délai » may match both nouns.
    if WHEN in found:
        found.discard(AMOUNT)
    return found.pop() if len(found) == 1 else None


def question_kind(question: str) -> str | None:
    """WHEN, AMOUNT, WHO or WHERE when the question asks for a date or a duration, an amount,
    someone or somewhere; None otherwise (a yes/no question, « comment », « pourquoi »…), or
    when its questions ask for different kinds of thing."""
    asked = [s for s in sentences(question) if "?" in s] or [question or ""]
    kinds = {_question_kind(s) for s in asked} - {None}
    return kinds.pop() if len(kinds) == 1 else None


# --- what a sentence says ----------------------------------------------------------------------

_MONTHS = r"(?:janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre)"
_NUMBER = r"\d[\d\s.,]*"
# A length of time: « 24 mois », « deux ans ».
_SPAN = (
    rf"\b{_NUMBER}(?:{_TIME_UNITS})\b|\b(?:un|une|deux|trois|quatre|cinq|six|dix|douze|quinze|trente) "
    rf"{_TIME_UNITS}\b"
)
# Strong cues say the kind of thing asked for; weak ones only go with it. Read on folded text.
_STRONG = {
    WHEN: re.compile(
        rf"\bau plus tard\b|\bdate limite\b|\bech(?:eance|u)s?\b|\bouvrables?\b|\bmois suivant\b"
        rf"|\b(?:1er|\d{{1,2}}) {_MONTHS}\b|\b{_MONTHS} (?:19|20)\d\d\b|\b(?:en|depuis|avant|jusqu en) (?:19|20)\d\d\b"
        rf"|{_SPAN}|\b(?:chaque|tous les) (?:mois|ans|annees|trimestres?|semaines?)\b"
        rf"|\ben (?:jours|semaines|mois|annees)\b"
        rf"|\b(?:mensuel|trimestriel|annuel)(?:le)?s?\b"
    ),
    AMOUNT: re.compile(
        rf"{_NUMBER}\s?(?:€|%|k€|m€|md€|points?\b|euros?\b|eur\b|francs?\b|chf\b|usd\b|dollars?\b|\$|£|livres?\b)"
        rf"|\b{_NUMBER}\s?(?:millions?|milliards?)\b|\bgratuit(?:e|s|es)?\b|\bpayant(?:e|s|es)?\b"
    ),
    WHO: re.compile(
        r"\b(?:cci|chambres? de commerce|douanes?|dgfip|dgddi|bpifrance|business france|team france export|inpi"
        r"|euipo|ompi|service des impots|sie|ambassades?|consulats?|ministeres?|prefectures?|urssaf|banques?"
        r"|assureurs?|transporteurs?|transitaires?|commissionnaires?|avocats?|notaires?|experts? comptables?)\b"
        r"|\baupres d\w*\b|\b(?:delivre|emis|accorde|instruit|verse|gere)e?s? par\b"
    ),
    WHERE: re.compile(
        r"\bportails?\b|\bsites?\b|\ben ligne\b|\bguichets?\b|\bplateformes?\b|\bespaces? (?:client|professionnel)"
        r"|https?\b|www\b|\baupres d\w*\b|\bbureaux? de douane\b"
    ),
}
_WEAK = {
    WHEN: re.compile(
        r"\bdelais?\b|\bdurees?\b|\bvalables?\b|\bavant\b|\bapres\b|\ba partir d\w*\b|\bjusqu\w*\b|\bpendant\b"
        r"|\blors d\w*\b|\b(?:19|20)\d\d\b"
    ),
    AMOUNT: re.compile(rf"\b{_MONEY_NOUNS}\b|\b\d"),
    WHO: re.compile(r"\b(?:organismes?|administrations?|autorites?|services?|agents?|representants?)\b"),
    WHERE: re.compile(r"\b(?:bureaux?|services?|pays)\b"),
}
# « dès » is a when cue only with its accent (folded, it is the article « des »).
_DES = re.compile(r"\bdès\b", re.IGNORECASE)
# A name written with a capital inside a sentence (« délivrés par les CCI », « Bpifrance »)
# names someone or somewhere: a weak cue for who and where.
_NAME_INSIDE = re.compile(r"(?<=[\s(«'’])[A-ZÀ-ÖØ-Þ][\w-]*")


def _cues(kind: str, sentence: str, asked: set) -> tuple:
    """(how many strong cues of `kind` the sentence holds, whether it holds a weak one). A
    strong cue made only of the question's own words says nothing (« la douane » for « qui
    contacter à la douane ? »)."""
    folded = unquoted(sentence)
    strong = len({m.group(0) for m in _STRONG[kind].finditer(folded) if _not_asked(m.group(0), asked)})
    weak = _WEAK[kind].search(folded) or (kind == WHEN and _DES.search(sentence))
    weak = weak or (kind in (WHO, WHERE) and _NAME_INSIDE.search(sentence))
    return strong, bool(weak)


def _not_asked(said: str, asked: set) -> bool:
    found = terms(said)
    return not found or not all(any(_meets(t, a) for a in asked) for t in found)


# Two words meet when their stems share their first letters, up to _PREFIX of them, and at
# least four: the ranker's stem keeps conjugated endings (« déposer » → depo, « déposent » →
# deposen).
_PREFIX = 5


def _meets(a: str, b: str) -> bool:
    n = min(len(a), len(b), _PREFIX)
    return a == b or (n >= 4 and a[:n] == b[:n])


def _shared(asked: set, sentence: str) -> int:
    """How many of the question's terms the sentence uses."""
    said = set(terms(sentence))
    return sum(1 for a in asked if any(_meets(a, s) for s in said))


# An answer that opens on « Cela dépend de l'outil. » goes through cases: one sentence of it
# would answer for one case only.
_DEPENDS = re.compile(r"\bdepend\w*|\b(?:deux|trois|plusieurs) cas\b|\bselon les cas\b")


@dataclass(frozen=True)
class _Fit:
    strong: int  # strong cues of the kind asked
    weak: bool
    shared: int  # the question's words it uses


def answering_sentence(question: str, answer: str) -> str | None:
    """The sentence of `answer` that answers `question`, when it is not the first one; None
    when the first sentence already fits, when the question asks for no date, amount, person or
    place (a yes/no question keeps the first sentence as written), or when no sentence fits
    clearly. A sentence fits when it holds a strong cue of the kind asked (« au plus tard »,
    « 25 000 € », « les CCI ») and uses at least one of the question's words, and as many as
    the first sentence; the best uses the most, then holds the most cues, and must beat the
    others on one of the two."""
    kind = question_kind(question)
    said = sentences(answer)
    if kind is None or len(said) < 2:
        return None
    # The question's words, without those that only say what kind of thing is asked (folded,
    # « où » is « ou », a stop word already).
    asked = set(terms(question if kind == WHERE else _ASKS[kind].sub(" ", unquoted(question))))
    fits = [_Fit(*_cues(kind, s, asked), _shared(asked, s)) for s in said]
    first = fits[0]
    if first.strong or (first.weak and first.shared) or _DEPENDS.search(unquoted(said[0])):
        return None
    # A lead must be at least as much about the question as the first sentence is: « Quand
    # faut-il une traduction assermentée ? » asks in which cases, which the first one says.
    enough = max(1, first.shared)
    candidates = sorted(
        ((fit.shared, fit.strong, i) for i, fit in enumerate(fits) if i and fit.strong and fit.shared >= enough),
        reverse=True,
    )
    if not candidates or (len(candidates) > 1 and candidates[1][:2] == candidates[0][:2]):
        return None
    return said[candidates[0][2]]


# Words that open a sentence and are no name: lower-cased after « En bref : ».
_COMMON_OPENINGS = frozenset(
    "le la les l un une des du de d au aux à a en dans pour par sur avec sans avant après depuis dès il elle ils "
    "elles on vous nous ce cet cette ces c cela ceci son sa ses leur leurs votre vos notre nos tout toute tous "
    "toutes chaque si seul seule seuls seules mais et ou".split()
)


def lead_line(sentence: str) -> str:
    """The line that puts the sentence first: « En bref : les deux se déposent… »."""
    first = re.split(r"[\s'’]", sentence, maxsplit=1)[0]
    if first.lower() in _COMMON_OPENINGS:
        sentence = sentence[0].lower() + sentence[1:]
    return f"En bref : {sentence}"


# --- which point of a list answers -------------------------------------------------------------

# « combien ça coûte ? », « c'est cher ? », « c'est gratuit ? » ask a cost; « combien ? » alone
# does not (of an aid, it may ask what the company receives). Read on folded text.
_ASKS_COST = re.compile(rf"\b(?:{_COST_NOUNS}|cout(?:e|ent|er)|cher(?:e|s)?|payer|payant\w*|gratuit\w*)\b")
# A volunteer's allowance (the V.I.E) is what the company pays for him; where an aid pays one
# out (the Assurance Prospection's « indemnités »), its premium comes first in knowledge/.
_STATES_COST = re.compile(rf"\b(?:{_COST_NOUNS}|factur\w*|payant\w*|gratuit\w*|a votre charge|indemnites?)\b")
# A duration, not a date: in a list of amounts, « en 2021 » dates a figure and answers no
# « combien de temps ? ».
_ASKS_DURATION = re.compile(rf"\bcombien de {_TIME_UNITS}\b|\ben combien de temps\b|\bdure(?:e|es|nt)?\b|\bdelais?\b")
_STATES_DURATION = re.compile(rf"{_SPAN}|\bdurees?\b|\bdelais?\b")


def answering_point(question: str, points: list) -> int | None:
    """The position of the point of a list (a programme's amounts or conditions) that answers
    `question`, when it is not the first; None when the list already opens on it or when the
    question asks neither a cost nor a duration. A cost question (« combien ça coûte ? »)
    gets the first point that names what the company pays, one with a figure before one
    without; a duration question (« combien de temps ? », « quelle durée ? »), the point with
    the most lengths of time, then the most of the question's words, which must beat every
    other."""
    if not question or len(points) < 2:
        return None
    asked, folded = unquoted(question), [unquoted(p) for p in points]
    if _ASKS_COST.search(asked):
        costs = [i for i, f in enumerate(folded) if _STATES_COST.search(f)]
        priced = [i for i in costs if _STRONG[AMOUNT].search(folded[i])]
        best = (priced or costs or [0])[0]
    elif _ASKS_DURATION.search(asked):
        words = set(terms(_ASKS_DURATION.sub(" ", asked)))
        fits = sorted(
            (
                (len({m.group(0) for m in _STATES_DURATION.finditer(f)}), _shared(words, f), i)
                for i, f in enumerate(folded)
            ),
            reverse=True,
        )
        tied = fits[1][:2] == fits[0][:2]
        best = fits[0][2] if fits[0][0] and not tied else 0
    else:
        return None
    return best or None
