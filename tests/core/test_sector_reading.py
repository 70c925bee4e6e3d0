"""The company's trade read from what the writer says of it (bot/core/advice/company.sector_named),
on the real knowledge base: the sector named after a verb of production, else the first one
named, and never a word that only looks like a trade."""

from __future__ import annotations

import pytest

from bot.core import compound_answers
from bot.core.advice import company as advice_company


@pytest.mark.parametrize(
    "text, sector",
    [
        ("Jeune vigneron installé en Corse depuis trois ans.", "vins-spiritueux"),
        ("On produit du cidre et du poiré dans le Perche.", "vins-spiritueux"),
        ("Nous sommes torréfacteurs à Nantes.", "agroalimentaire"),
        ("Je fais du miel et des pains d'épices.", "agroalimentaire"),
        ("Nous éditons une appli de réservation pour les clubs de sport.", "numerique"),
        ("Notre société d'ingénierie compte 20 personnes.", "services"),
        ("Nous sommes éleveurs de volailles dans le Gers.", "agriculture"),
        ("Nous fabriquons des pièces d'avions à Figeac.", "aeronautique"),
        ("On fait des chaussures en cuir à Romans.", "textile-mode-luxe"),
        ("Nous sommes un chantier naval de 40 personnes.", "maritime"),
    ],
)
def test_the_common_names_of_a_trade_read_as_its_sector(kb, text, sector):
    assert advice_company.sector_named(kb, text) == sector


def test_the_trade_after_a_verb_of_production_beats_one_named_elsewhere(kb):
    cargo = "notre voilier-cargo transporte 300 tonnes de fret"
    assert advice_company.sector_named(kb, cargo) == "logistique"
    text = f"Notre maison de Lorient produit du chocolat, et {cargo}."
    assert advice_company.sector_named(kb, text) == "agroalimentaire"
    # « on a fait un salon » tells of an event, not of what the company makes.
    text = "On a fait un salon de l'agriculture à Paris, nous sommes éditeurs de logiciels."
    assert advice_company.sector_named(kb, text) == "numerique"


def test_without_a_verb_the_first_trade_named_is_the_company_s_own(kb):
    assert advice_company.sector_named(kb, "nos clients sont des restaurants") == "tourisme"
    text = "Petite chocolaterie artisanale, nos clients sont des restaurants et des hôtels."
    assert advice_company.sector_named(kb, text) == "agroalimentaire"


@pytest.mark.parametrize(
    "text",
    [
        "Nous avions un client en Ukraine.",  # « avions »: the verb avoir
        "Nous sommes en train de recruter un commercial.",
        "Notre banque nous a demandé une assurance-crédit.",
        "Nous avons fait un voyage en Corée avec la Région.",
        "Nous sommes une entreprise d'outre-mer.",
        "Notre mode de paiement pose problème.",
        "Le conseil régional nous a aidés, nos services sont appréciés.",
    ],
)
def test_ordinary_words_are_no_trade(kb, text):
    assert advice_company.sector_named(kb, text) is None


def test_an_ordinary_word_names_a_trade_after_a_verb_and_as_the_extractor_s_value(kb):
    assert advice_company.sector_named(kb, "Nous sommes une société de conseil à Lille.") == "services"
    assert advice_company.sector_named(kb, "Nous sommes un atelier de mode à Roubaix.") == "textile-mode-luxe"
    # The extractor tags « conseil » as a trade from its context: the slot value still resolves.
    assert advice_company.parse_sector(kb, "conseil") == "services"


def test_a_description_s_trade_is_read_past_the_freight_it_ships(kb):
    text = (
        "Bonjour, notre maison de Lorient produit du chocolat, et notre voilier-cargo transporte 300 tonnes "
        "de fret. Faut-il un certificat d'origine ? Qu'est-ce qu'un connaissement ?"
    )
    described, _ = compound_answers.read_profile(kb, text, {})
    assert described["sector"] == "agroalimentaire"
