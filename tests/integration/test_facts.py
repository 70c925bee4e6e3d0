"""Thirty facts from across knowledge/, asked to the running assistant in French: each
reply must carry the fact and the source of the record it comes from."""

from __future__ import annotations

import pytest

from tests.support.website_chat import chat, text_of

# (question, kind of the record, record id, the fact as a person would check it)
FACTS = [
    # programmes_financement.yml
    ("C'est quoi l'Assurance Prospection ?", "programme", "assurance-prospection", "65 %"),
    (
        "l'assurance prospection, c'est pour quelles entreprises ?",
        "programme",
        "assurance-prospection",
        "500 millions d'euros",
    ),
    ("Le Chèque Relance Export existe encore ?", "programme", "cheque-relance-export", "15 décembre 2022"),
    (
        "Parlez-moi de l'Assurance Prospection Accompagnement",
        "programme",
        "assurance-prospection-accompagnement",
        "31 décembre 2023",
    ),
    ("Parlez-moi du Prêt Croissance International", "programme", "pret-croissance-international", "5 M€"),
    ("Parlez-moi de la garantie des cautions", "programme", "garantie-cautions", "80 %"),
    ("c'est quoi le FASEP ?", "programme", "fasep", "800 000 €"),
    ("Cap Francexport, c'est quoi ?", "programme", "cap-francexport", "360 jours"),
    # programmes_accompagnement.yml
    ("le V.I.E c'est quoi ?", "programme", "vie", "de 6 à 24 mois"),
    ("C'est quoi le carnet ATA ?", "programme", "carnet-ata", "12 mois"),
    ("C'est quoi le numéro EORI ?", "programme", "eori", "SIREN"),
    ("c'est quoi le statut REX ?", "programme", "rex", "6 000 €"),
    # organisations.yml
    ("Que fait Business France ?", "organisation", "business-france", "2015"),
    ("C'est quoi Bpifrance Assurance Export ?", "organisation", "bpifrance-assurance-export", "1er janvier 2017"),
    ("À quoi sert l'INPI ?", "organisation", "inpi", "Madrid"),
    # regions.yml
    ("je suis une PME du 69, qui contacter pour exporter ?", "region", "auvergne-rhone-alpes", "Rhône (69)"),
    ("on est en Gironde, quelles aides à l'export ?", "region", "nouvelle-aquitaine", "Gironde (33)"),
    ("quelles aides à l'export en Bretagne ?", "region", "bretagne", "Bretagne Commerce International"),
    # countries.yml
    ("y a-t-il un accord commercial avec le Canada ?", "country", "ca", "21 septembre 2017"),
    ("on veut exporter au Japon, il y a un accord ?", "country", "jp", "1er février 2019"),
    ("vendre en Allemagne, c'est dans l'UE ?", "country", "de", "membre de l'Union européenne"),
    ("accord de libre-échange avec le Vietnam ?", "country", "vn", "1er août 2020"),
    ("quel accord avec le Royaume-Uni ?", "country", "gb", "Accord de commerce et de coopération"),
    # A question the FAQ answers about the country: its entry, not the country's card.
    ("exporter au Royaume-Uni après le Brexit", "faq", "royaume-uni-marche-apres-brexit", "sixième client"),
    # clusters.yml
    ("Que fait le pôle Medicen à l'international ?", "cluster", "medicen-paris-region", "Maryland"),
    ("C'est quoi le pôle Aerospace Valley ?", "cluster", "aerospace-valley", "Toulouse"),
    ("parlez-moi du pôle Vitagora", "cluster", "vitagora", "Dijon"),
    # faq.yml
    ("Qu'est devenu Ubifrance ?", "organisation", "business-france", "Ubifrance"),
    (
        "Quelle est la différence entre un transitaire et un commissionnaire en douane ?",
        "faq",
        "transitaire-commissionnaire-rde",
        "représentant en douane enregistré",
    ),
    ("Quel a été le déficit commercial de la France en 2014 ?", "faq", "deficit-commercial-2014", "53,8 Md€"),
    ("Comment fonctionne un crédit documentaire ?", "faq", "credit-documentaire", "banque"),
    # obstacles.yml
    ("Comment me protéger contre le risque de change ?", "obstacle", "risque-change", "devise"),
]


@pytest.mark.parametrize("question, kind, rid, fact", FACTS, ids=[f"{k}:{r}" for _, k, r, _ in FACTS])
def test_reply_carries_the_fact_and_its_source(website, kb, question, kind, rid, fact):
    record = kb.get(kind, rid)
    assert record is not None, f"{kind} {rid} absent de knowledge/"
    reply = text_of(chat(website, question))
    assert fact in reply, reply
    assert record["sources"][0]["url"] in reply, reply


def test_thirty_facts_from_at_least_seven_files():
    assert len(FACTS) >= 30
    assert len({kind for _, kind, _, _ in FACTS}) >= 7
