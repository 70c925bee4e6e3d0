"""The split of an answer into body and citations, on hand-written texts and on answers
that bot/core/replies.py builds from the real knowledge base."""

from __future__ import annotations

import datetime as dt

from bot.core import citations, replies


def test_single_source_at_the_end():
    parsed = citations.parse(
        "Le V.I.E permet d'envoyer un jeune à l'étranger.\n\n"
        "Source : https://mon-vie-via.businessfrance.fr/ (vérifié le 27 novembre 2026)"
    )
    assert parsed.body == "Le V.I.E permet d'envoyer un jeune à l'étranger."
    assert len(parsed.citations) == 1
    citation = parsed.citations[0]
    assert citation.urls == ["https://mon-vie-via.businessfrance.fr/"]
    assert citation.verified_on == dt.date(2026, 11, 27)
    assert citation.verified_label == "27 novembre 2026"


def test_several_urls_and_first_of_the_month():
    parsed = citations.parse(
        "Texte.\nSources : https://a.example/x,12 ; http://b.example/y?z=1 (vérifié le 1er août 2025)"
    )
    assert parsed.body == "Texte."
    assert parsed.citations[0].urls == ["https://a.example/x,12", "http://b.example/y?z=1"]
    assert parsed.citations[0].verified_on == dt.date(2025, 8, 1)
    assert parsed.citations[0].as_json() == {
        "urls": ["https://a.example/x,12", "http://b.example/y?z=1"],
        "verified_on": "2025-08-01",
        "verified_label": "1er août 2025",
        "official": True,
        "page_dates": [None, None],
        "page_labels": [None, None],
    }


def test_citations_in_the_middle_and_text_after_them():
    text = (
        "Votre premier interlocuteur : la Team France Export.\n"
        "Source : https://tfe.example/ (vérifié le 3 mars 2026)\n\n"
        "Selon votre besoin :\n• Prospecter : Assurance Prospection\n\n"
        "Sources : https://one.example/ ; https://two.example/ (vérifié le 12 février 2026)\n\n"
        "Choisissez un sujet pour le détail :"
    )
    parsed = citations.parse(text)
    assert parsed.body == (
        "Votre premier interlocuteur : la Team France Export.\n\n"
        "Selon votre besoin :\n• Prospecter : Assurance Prospection\n\n"
        "Choisissez un sujet pour le détail :"
    )
    assert [c.urls for c in parsed.citations] == [
        ["https://tfe.example/"],
        ["https://one.example/", "https://two.example/"],
    ]
    assert parsed.urls == ["https://tfe.example/", "https://one.example/", "https://two.example/"]


def test_sentence_joined_to_the_citation_becomes_its_own():
    parsed = citations.parse(
        "Trois pôles.\n\nSource : https://p.example/ (vérifié le 9 mai 2026) ; chaque pôle a sa fiche détaillée."
    )
    assert parsed.body == "Trois pôles.\n\nChaque pôle a sa fiche détaillée."
    assert parsed.citations[0].urls == ["https://p.example/"]


def test_text_without_citation_is_all_body():
    for text in (
        "Bonjour ! Que puis-je faire pour vous ?",
        "Source : pas une adresse (vérifié le 1er mai 2026)",
        "Voir https://x.example/ (vérifié hier)",
        "",
    ):
        parsed = citations.parse(text)
        assert parsed.body == text.strip()
        assert parsed.citations == []


def test_impossible_date_keeps_its_label():
    parsed = citations.parse("x\nSource : https://a.example/ (vérifié le 31 février 2026)")
    assert parsed.citations[0].verified_on is None
    assert parsed.citations[0].verified_label == "31 février 2026"


RENDERERS = (
    ("programme", replies.programme_details),
    ("obstacle", replies.obstacle_advice),
    ("cluster", replies.cluster_info),
    ("country", replies.country_pointers),
    ("organisation", replies.organisation_info),
)


def test_every_answer_built_from_the_knowledge_base_splits(kb):
    """Each answer the bot builds from a record ends up with a body free of citation
    sentences and with citations whose URLs are sources of the knowledge base."""
    known_urls = {s["url"] for kind, _ in RENDERERS for r in kb.all(kind) for s in r["sources"]}
    known_urls |= {s["url"] for r in kb.all("faq") for s in r["sources"]}
    texts = [m["text"] for m in replies.support_overview(kb) + replies.financing_overview(kb)]
    for kind, render in RENDERERS:
        for record in kb.all(kind):
            texts += [m["text"] for m in render(kb, record["id"])]
    cited = 0
    for text in texts:
        parsed = citations.parse(text)
        assert "vérifié le" not in parsed.body and "Source : http" not in parsed.body, text
        for citation in parsed.citations:
            assert citation.verified_on is not None
            assert set(citation.urls) <= known_urls, text
        cited += bool(parsed.citations)
    assert cited >= 100
