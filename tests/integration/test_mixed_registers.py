"""Forty messages in every register SME owners use (formal, SMS, no accents, typos,
acronyms, English, follow-ups that only make sense in context), sent through the running
website gateway, the trained model and the action server. Each answer is checked against
the knowledge base: the record it must talk about, and that record's source."""

from __future__ import annotations

import uuid

import pytest

from tests.support.reply_checks import field, record, says, second_button_of_previous_reply, topic
from tests.support.website_chat import chat, text_and_sources_of

# Each conversation is a list of (message, checks); the turns of one conversation share a
# session, so that follow-ups can use what came before.
CONVERSATIONS = {
    "formel puis suites": [
        (
            "Bonjour, pourriez-vous m'expliquer le fonctionnement de l'Assurance Prospection ?",
            [record("programme", "assurance-prospection")],
        ),
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
        (
            "Nous sommes une PME de 25 salariés dans l'agroalimentaire en Bretagne.",
            [says("Effectif : 25 salariés", "Bretagne")],
        ),
        ("qui contacter ?", [record("region", "bretagne")]),
        ("je voudrais parler à un conseiller", [says("conseiller", "Bretagne")]),
    ],
    "département et pays": [
        (
            "on est dans le 69, qui peut nous aider pour l'export ?",
            [record("region", "auvergne-rhone-alpes"), says("Rhône (69)")],
        ),
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
        (
            "quels financements existent pour exporter ?",
            [record("programme", "assurance-prospection"), record("programme", "credit-export")],
        ),
        ("par ou commencer pour exporter, qui peut m'accompagner ?", [record("organisation", "team-france-export")]),
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

CASES = [
    (name, index, message, checks)
    for name, turns in CONVERSATIONS.items()
    for index, (message, checks) in enumerate(turns)
]


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
            out[(name, index)] = (text_and_sources_of(messages), previous)
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
