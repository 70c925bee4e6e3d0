"""Forty messages in every register SME owners use (formal, SMS, no accents, typos,
acronyms, English, follow-ups that only make sense in context), sent through the running
website gateway, the trained model and the action server. Each answer is checked against
the knowledge base: the record it must talk about, and that record's source."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.integration.test_website_conversation import chat, text_of


def record(kind, rid):
    """The reply names the record and cites its first source."""
    def check(kb, text, previous):
        item = kb.get(kind, rid)
        assert item is not None, f"{kind} {rid} absent de knowledge/"
        name = item.get("question") if kind == "faq" else item["name"]
        assert name in text, f"{kind} {rid} attendu"
        assert item["sources"][0]["url"] in text, f"source de {kind} {rid} attendue"
    check.label = f"{kind}:{rid}"
    return check


def topic(obstacle_id):
    """The reply is the obstacle's advice, or a FAQ answer filed under that obstacle: both
    name their record and cite its source."""
    def check(kb, text, previous):
        candidates = [("obstacle", obstacle_id)] + [("faq", f["id"]) for f in kb.all("faq")
                                                    if obstacle_id in f.get("obstacles", [])]
        for kind, record_id in candidates:
            item = kb.get(kind, record_id)
            name = item.get("question") if kind == "faq" else item["name"]
            if name in text and item["sources"][0]["url"] in text:
                return
        raise AssertionError(f"ni l'obstacle {obstacle_id} ni une question de la FAQ qui s'y rattache")
    check.label = f"topic:{obstacle_id}"
    return check


def field(kind, rid, name, index=0):
    """The reply states a given field of a record (an eligibility criterion, an amount…)."""
    def check(kb, text, previous):
        value = kb.get(kind, rid)[name]
        value = value[index] if isinstance(value, list) else value
        value = value["label"] if isinstance(value, dict) else value
        assert value in text, f"{kind} {rid} : {name} attendu"
    check.label = f"{kind}:{rid}:{name}"
    return check


def says(*fragments):
    """Words the reply must contain, whatever their case."""
    def check(kb, text, previous):
        for fragment in fragments:
            assert fragment.lower() in text.lower(), f"« {fragment} » attendu"
    check.label = "/".join(fragments)
    return check


def second_button_of_previous_reply(kb, text, previous):
    """« le deuxième » answers the second button the bot showed just before."""
    buttons = [b for m in previous for b in m.get("buttons", [])]
    assert len(buttons) >= 2, "la réponse précédente devait proposer des choix"
    intent, _, raw = buttons[1]["payload"][1:].partition("{")
    kind, rid = next(iter(json.loads("{" + raw).items()))
    record(kind, rid)(kb, text, previous)


second_button_of_previous_reply.label = "2e bouton"


# Each conversation is a list of (message, checks); the turns of one conversation share a
# session, so that follow-ups can use what came before.
CONVERSATIONS = {
    "formel puis suites": [
        ("Bonjour, pourriez-vous m'expliquer le fonctionnement de l'Assurance Prospection ?",
         [record("programme", "assurance-prospection")]),
        ("Et c'est pour qui ?", [field("programme", "assurance-prospection", "eligibility", 2)]),
        ("ça coûte quoi ?", [field("programme", "assurance-prospection", "amounts", 0)]),
        ("comment on fait la demande ?", [field("programme", "assurance-prospection", "how_to_apply")]),
        ("c'est encore ouvert ?", [says("est ouvert"), record("programme", "assurance-prospection")]),
        ("merci beaucoup", [says("avec plaisir")]),
    ],
    "sms vie": [
        ("c koi le vie", [record("programme", "vie")]),
        ("c pour ki", [field("programme", "vie", "eligibility", 0)]),
        ("et ca coute cb", [field("programme", "vie", "amounts", 0)]),
        ("qui contacter ?", [says("Business France")]),
    ],
    "acronymes": [
        ("le PCI bpi c quoi", [record("programme", "pret-croissance-international")]),
        ("EORI ?", [record("programme", "eori")]),
        ("c'est quoi le statut REX", [record("programme", "rex")]),
        ("OEA c'est quoi", [record("programme", "oea")]),
        ("la TFE ça sert à quoi", [record("organisation", "team-france-export")]),
    ],
    "entreprise puis Région": [
        ("Nous sommes une PME de 25 salariés dans l'agroalimentaire en Bretagne.",
         [says("Effectif : 25 salariés", "Bretagne")]),
        ("qui contacter ?", [record("region", "bretagne")]),
        ("je voudrais parler à un conseiller", [says("conseiller", "Bretagne")]),
    ],
    "département et pays": [
        ("on est dans le 69, qui peut nous aider pour l'export ?",
         [record("region", "auvergne-rhone-alpes"), says("Rhône (69)")]),
        ("on vise le Japon, y a un accord ?", [record("country", "jp")]),
        ("et pour le Canada ?", [record("country", "ca")]),
        ("et au mexique", [record("country", "mx")]),
    ],
    "obstacles": [
        ("on a peur des impayés avec un client au Brésil", [topic("risque-paiement")]),
        ("comment se couvrir contre le risque de change sur le dollar ?", [topic("risque-change")]),
        ("les normes techniques c'est la galère pour vendre aux US", [topic("normes")]),
        ("comment protéger ma marque en Chine ?", [topic("propriete-intellectuelle")]),
        ("Quelles sont les règles de TVA quand je vends à un client allemand ?", [says("TVA")]),
    ],
    "vues d'ensemble": [
        ("quels financements existent pour exporter ?", [record("programme", "assurance-prospection"),
                                                        record("programme", "credit-export")]),
        ("par ou commencer pour exporter, qui peut m'accompagner ?",
         [record("organisation", "team-france-export")]),
        ("c'est quoi le pole Vitagora", [record("cluster", "vitagora")]),
    ],
    "bavardage et limites": [
        ("salut", [says("Boussole Export", "données personnelles")]),
        ("ça va ?", [says("Très bien")]),
        ("t'es un robot ?", [says("assistant automatique")]),
        ("Hello, do you speak English?", [says("français", "only works in French")]),
        ("quelle météo demain à Lyon ?", [says("export")]),
        ("t'es vraiment nul", [says("désolé")]),
        ("on recommence", [says("reparti de zéro")]),
        ("au revoir", [says("Au revoir")]),
    ],
    "liste puis choix": [
        ("il existe quoi comme financements pour l'export ?", [says("Assurance Prospection")]),
        ("le deuxième", [second_button_of_previous_reply]),
    ],
}

CASES = [(name, index, message, checks) for name, turns in CONVERSATIONS.items()
         for index, (message, checks) in enumerate(turns)]


def test_forty_messages_are_planned():
    assert len(CASES) == 40


@pytest.fixture(scope="module")
def replies(website):
    """Every conversation played once, in order, each in its own session."""
    out = {}
    for name, turns in CONVERSATIONS.items():
        session, previous = uuid.uuid4().hex, []
        for index, (message, _) in enumerate(turns):
            messages = chat(website, message, session)
            out[(name, index)] = (text_of(messages), previous)
            previous = messages
    return out


@pytest.mark.parametrize("name, index, message, checks", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_answer_content(replies, kb, name, index, message, checks):
    text, previous = replies[(name, index)]
    for check in checks:
        try:
            check(kb, text, previous)
        except AssertionError as error:
            raise AssertionError(f"{error}\nmessage : {message}\nréponse : {text}") from None
