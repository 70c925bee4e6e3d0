"""What the review pages print: escaped markup, SVG charts, French dates and numbers,
periods read from forms, CSV that spreadsheets cannot turn into formulas."""

from __future__ import annotations

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET

import pytest

from bot.website.review import charts, exports
from bot.website.review.events import Reply, Turn
from bot.website.review.french import percent, short_date, short_datetime
from bot.website.review.markup import Markup, escape, html
from bot.website.review.period import MAX_DAYS, InvalidPeriod, parse
from bot.website.review.queue import UnansweredMessage
from tests.support.review_store import PARIS

SVG = "{http://www.w3.org/2000/svg}"
ATTACK = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


def test_values_are_escaped_and_markup_is_kept():
    page = html("<td>{}</td><td>{}</td>", ATTACK, Markup("<b>gras</b>"))
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;" in page and "&quot;alert(1)&quot;" in page
    assert "<b>gras</b>" in page
    assert html("<ul>{}</ul>", [html("<li>{}</li>", "a&b"), "<i>"]) == "<ul><li>a&amp;b</li>&lt;i&gt;</ul>"
    assert escape(None) == ""


def test_french_dates_and_numbers():
    assert short_date(dt.date(2026, 3, 1)) == "1er mars 2026"
    assert short_date(dt.date(2026, 12, 24), year=False) == "24 déc."
    assert short_datetime(dt.datetime(2026, 2, 9, 8, 5)) == "9 févr. 2026, 8 h 05"
    assert percent(0.125, 1) == "12,5\u202f%" and percent(None) == "—"


@pytest.mark.parametrize(
    "first, last, message",
    [
        ("2026-02-30", "", "Date de début illisible"),
        ("", "31/03/2026", "Date de fin illisible"),
        ("2026-03-10", "2026-03-01", "après la date de fin"),
        ("2024-01-01", "2026-01-01", f"{MAX_DAYS} jours"),
    ],
)
def test_a_wrong_period_is_explained_in_french(first, last, message):
    with pytest.raises(InvalidPeriod, match=message):
        parse(first, last)


def test_chart_periods_default_to_the_last_days():
    today = dt.date(2026, 3, 31)
    assert parse(None, None, 30, today).days()[0] == dt.date(2026, 3, 2)
    assert parse("2026-03-20", None, 30, today).last == today
    assert parse("", "2026-01-31", 7, today).first == dt.date(2026, 1, 25)
    period = parse("2026-03-29", "2026-03-29")
    # The day clocks go forward in France lasts 23 hours.
    assert period.end - period.start == 23 * 3600


def _svg(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def test_stacked_chart_has_a_title_a_description_and_proportional_bars():
    days = [dt.date(2026, 3, 9), dt.date(2026, 3, 10)]
    series = [
        charts.Series("ask_programme", [2, 6], charts.PALETTE[0]),
        charts.Series(ATTACK, [0, 4], charts.PALETTE[1]),
    ]
    markup = charts.bar_chart("essai", "Messages par jour", "Deux jours.", days, series, "messages")
    root = _svg(markup)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "essai-title essai-desc"
    assert root.find(f"{SVG}title").text == "Messages par jour"
    assert root.find(f"{SVG}desc").text == "Deux jours."
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    heights = {r.find(f"{SVG}title").text: float(r.get("height")) for r in bars}
    assert len(bars) == 3  # no bar for a zero
    assert heights["10 mars 2026 — ask_programme : 6 messages"] == pytest.approx(
        1.5 * heights[f"10 mars 2026 — {ATTACK} : 4 messages"], rel=0.01
    )
    # The axis ends on a round number above the tallest stack (10 messages).
    assert heights["9 mars 2026 — ask_programme : 2 messages"] == pytest.approx(charts.PLOT_HEIGHT * 2 / 10, rel=0.01)
    assert "<script>" not in markup


def test_share_chart_reads_in_percent_and_skips_empty_days():
    days = [dt.date(2026, 3, 9), dt.date(2026, 3, 10)]
    markup = charts.bar_chart(
        "part", "Part", "—", days, [charts.Series("sans réponse", [None, 0.25], "#b91c1c")], "", as_percent=True
    )
    root = _svg(markup)
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert [b.find(f"{SVG}title").text for b in bars] == ["10 mars 2026 : 25,0\u202f%"]
    assert float(bars[0].get("height")) == pytest.approx(charts.PLOT_HEIGHT / 4)
    assert "100\u202f%" in [t.text for t in root.iter(f"{SVG}text")]


def test_chart_colours_stand_out_from_the_background():
    for colour in charts.PALETTE + (charts.INK,):
        assert charts.contrast(colour, charts.BACKGROUND) >= 3, colour
    assert charts.contrast(charts.INK, charts.BACKGROUND) >= 4.5
    assert charts.contrast("#000000", "#ffffff") == pytest.approx(21)


def _rows(chunks) -> list:
    return list(csv.reader(io.StringIO("".join(chunks))))


def test_turns_export_one_row_per_turn_without_formulas():
    turn = Turn(
        event_ids=[7],
        at=dt.datetime(2026, 3, 10, 9, tzinfo=PARIS).timestamp(),
        text='=HYPERLINK("x")',
        intent="ask_programme",
        confidence=0.9312,
        entities=[("programme", "vie")],
        replies=[Reply("V.I.E"), Reply("Source : …")],
        actions=["action_programme_details"],
        reason="out_of_scope",
    )
    rows = _rows(exports.turns([("conv", turn)], PARIS))
    assert rows[0] == list(exports.TURN_COLUMNS)
    assert rows[1] == [
        "conv",
        "2026-03-10T09:00:00+01:00",
        '\'=HYPERLINK("x")',
        "",
        "ask_programme",
        "0.931",
        "programme=vie",
        "V.I.E | Source : …",
        "action_programme_details",
        "hors sujet",
    ]


def test_unanswered_export_and_large_exports_come_in_chunks():
    message = UnansweredMessage(1, "conv", 0.0, "-1+1", "nlu_fallback", 0.4, "rest", "not_understood", "Pardon ?")
    chunks = list(exports.unanswered([message] * (exports.BATCH_ROWS + 1), PARIS))
    assert len(chunks) == 2
    rows = _rows(chunks)
    assert len(rows) == exports.BATCH_ROWS + 2
    assert rows[1][3:7] == ["'-1+1", "nlu_fallback", "0.400", "incompris"]


def test_a_csv_written_elsewhere_is_neutralised_cell_by_cell():
    original = 'id,comment\r\n1,"@SUM(A1), bravo"\r\n2,merci\r\n'
    assert _rows(exports.neutralised(original)) == [["id", "comment"], ["1", "'@SUM(A1), bravo"], ["2", "merci"]]
    assert list(exports.neutralised("")) == []
