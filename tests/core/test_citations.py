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
        "titles": [None, None],
        "shown": 2,
        "unlisted": 0,
        "line": "Sources : https://a.example/x,12 ; http://b.example/y?z=1 (vérifié le 1er août 2025)",
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


# --- more sources than the sentence lists --------------------------------------------------


def _many(count: int) -> citations.Citation:
    return citations.Citation(
        urls=[f"https://s{i}.example/" for i in range(count)],
        verified_on=dt.date(2026, 11, 27),
        verified_label="27 novembre 2026",
        page_dates=(None, dt.date(2025, 3, 3)) + (None,) * (count - 2),
        shown=3,
    )


def test_the_sentence_lists_three_sources_and_counts_the_others():
    line = citations.render(_many(12))
    assert line == (
        "Sources : https://s0.example/ ; https://s1.example/ (page du 3 mars 2025) ; https://s2.example/ "
        "(vérifié le 27 novembre 2026) — et 9 autres sources"
    )
    assert citations.render(_many(4)).endswith("(vérifié le 27 novembre 2026) — et 1 autre source")
    assert "autre" not in citations.render(_many(3))


def test_a_counted_line_reads_back_and_renders_again_the_same():
    for count in (4, 12):
        built = _many(count)
        text = "Les financements.\n\n" + citations.render(built) + "\n\nChoisissez :"
        parsed = citations.parse(text)
        assert parsed.body == "Les financements.\n\nChoisissez :"
        [citation] = parsed.citations
        assert citation.urls == built.listed and citation.others == built.others == count - 3
        assert citation.page_date(1) == dt.date(2025, 3, 3) and citation.verified_on == built.verified_on
        assert citations.render(citation) == citations.render(built)
        assert citation.as_json()["unlisted"] == count - 3 and citation.as_json()["shown"] == 3


def test_the_data_holds_every_source_the_sentence_only_counts():
    data = _many(12).as_json()
    assert len(data["urls"]) == 12 and data["shown"] == 3 and data["unlisted"] == 0
    assert data["line"] == citations.render(_many(12))


def test_an_overview_carries_every_programme_source_and_shows_three(kb):
    message = replies.financing_overview(kb)[0]
    [data] = message["metadata"][citations.SOURCES_KEY]
    listed = [kb.get("programme", p) for _, pids in kb.editorial.financing_groups for p in pids]
    active = [r for r in listed if r and kb.status("programme", r) == "active"]
    assert data["urls"] == citations.of_records(active).urls and len(data["urls"]) > 3
    assert data["shown"] == 3 and data["line"] in message["text"]
    assert [url for url in data["urls"] if url in message["text"]] == data["urls"][:3]
    assert message["text"].endswith(f"— et {len(data['urls']) - 3} autres sources")


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
    messages = replies.support_overview(kb) + replies.financing_overview(kb)
    for kind, render in RENDERERS:
        for record in kb.all(kind):
            messages += render(kb, record["id"])
    cited = 0
    for message in messages:
        text = message["text"]
        parsed = citations.parse(text)
        assert "vérifié le" not in parsed.body and "Source : http" not in parsed.body, text
        for citation in parsed.citations:
            assert citation.verified_on is not None
            assert set(citation.urls) <= known_urls, text
        # The data beside the text: the same citations, in the same order, every source.
        data = (message.get("metadata") or {}).get(citations.SOURCES_KEY, [])
        assert [c["line"] for c in data] == [citations.render(c) for c in parsed.citations], text
        assert all(
            set(c["urls"]) <= known_urls and c["urls"][: c["shown"]] == p.urls for c, p in zip(data, parsed.citations)
        )
        cited += bool(parsed.citations)
    assert cited >= 100


def _primary_urls(record: dict) -> list:
    return [s["url"] for s in record["sources"] if s["primary"]]


def test_a_primary_source_written_after_others_is_shown_first(kb):
    """A Région's contacts for a département cite its contacts' pages, written first, and the
    official page that places the département in the Région: the short list opens on the
    official page; the data still holds every source, the others in their written order."""
    checked = 0
    for region in kb.all("region"):
        cited = replies.contacts_record(region, with_map=True)
        written = [s["url"] for s in cited["sources"]]
        primary = _primary_urls(cited)
        if not primary or written[0] in primary:
            continue
        code = region["departements"][0]["code"]
        message = replies.region_support(kb, region["id"], code)[-1]
        data = message["metadata"][citations.SOURCES_KEY][-1]
        assert data["urls"][0] == primary[0], region["id"]
        assert data["urls"][: data["shown"]][0] in message["text"], region["id"]
        assert sorted(data["urls"]) == sorted(written), region["id"]
        assert [u for u in data["urls"] if u not in primary] == [u for u in written if u not in primary]
        checked += 1
    assert checked, "aucune Région dont la première source écrite n'est pas officielle"


def test_every_record_reply_lists_its_primary_sources_first(kb):
    for kind, render in RENDERERS:
        for record in kb.all(kind):
            primary = set(_primary_urls(record))
            data = render(kb, record["id"])[-1]["metadata"][citations.SOURCES_KEY][-1]
            flags = [url in primary for url in data["urls"]]
            assert flags == sorted(flags, reverse=True), (kind, record["id"], data["urls"])
