"""Bar charts drawn on the server as SVG, for pages whose Content-Security-Policy allows
no script and no inline style: colours and sizes are SVG attributes.

Each chart has a title and a description for screen readers; the page shows the same
numbers in a table. Colours keep a contrast of at least 3:1 with the white background
(WCAG 1.4.11), and stacked segments are parted by a white line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.website.review.french import integer, percent, short_date
from bot.website.review.markup import Markup, html, join

BACKGROUND = "#ffffff"
INK = "#1b1f23"
GRID = "#8a94a3"
PALETTE = ("#1f4e9c", "#c2410c", "#047857", "#7c3aed", "#b91c1c", "#0e7490", "#a16207", "#4b5563")
LEFT, RIGHT, TOP, PLOT_HEIGHT, AXIS_HEIGHT = 56, 16, 16, 220, 40
LEGEND_LINE, LEGEND_WIDTH = 22, 200
MIN_STEP, MAX_LABELS, MIN_WIDTH = 14, 12, 640


@dataclass
class Series:
    name: str
    values: list
    color: str


def nice_ceiling(value: float) -> int:
    """The smallest of 1, 2, 5 × 10ⁿ at or above a count (axes end on round numbers)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return int(step * power)
    return int(10 * power)


def _ticks(top: float, as_percent: bool) -> list:
    """Gridlines at round values: quarters of 100 %, else whole numbers."""
    count = 4 if as_percent else next(n for n in (5, 4, 2, 1) if float(top / n).is_integer())
    return [top * i / count for i in range(count + 1)]


def _tick_label(value: float, as_percent: bool) -> str:
    if as_percent:
        return percent(value)
    return integer(int(value)) if float(value).is_integer() else f"{value:.1f}".replace(".", ",")


def bar_chart(
    chart_id: str, title: str, description: str, days: list, series: list, unit: str, as_percent: bool = False
) -> Markup:
    """Bars per day, stacked when there are several series; values may be None (no bar).
    `unit` names what a value counts, for the tooltips (« messages »)."""
    step = max(MIN_STEP, (MIN_WIDTH - LEFT - RIGHT) / max(1, len(days)))
    width = LEFT + RIGHT + step * max(1, len(days))
    columns = max(1, int((width - LEFT - RIGHT) // LEGEND_WIDTH))
    legend_rows = math.ceil(len(series) / columns) if len(series) > 1 else 0
    height = TOP + PLOT_HEIGHT + AXIS_HEIGHT + legend_rows * LEGEND_LINE
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(days))]
    top = 1.0 if as_percent else nice_ceiling(max(totals, default=0))
    baseline = TOP + PLOT_HEIGHT

    def y(value: float) -> float:
        return baseline - PLOT_HEIGHT * value / top

    parts = []
    for tick in _ticks(top, as_percent):
        parts.append(
            html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1"/>'
                '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="{}">{}</text>',
                LEFT,
                f"{width - RIGHT:.1f}",
                f"{y(tick):.1f}",
                f"{y(tick):.1f}",
                GRID if tick else INK,
                LEFT - 6,
                f"{y(tick) + 4:.1f}",
                INK,
                _tick_label(tick, as_percent),
            )
        )
    label_every = max(1, math.ceil(len(days) / MAX_LABELS))
    bar_width = max(4.0, step * 0.7)
    for i, day in enumerate(days):
        x = LEFT + i * step + (step - bar_width) / 2
        stacked = 0.0
        for s in series:
            value = s.values[i]
            if not value:
                continue
            shown = percent(value, 1) if as_percent else f"{integer(value)} {unit}"
            label = f"{short_date(day)} — {s.name} : {shown}" if len(series) > 1 else f"{short_date(day)} : {shown}"
            parts.append(
                html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="{}" stroke-width="1">'
                    "<title>{}</title></rect>",
                    f"{x:.1f}",
                    f"{y(stacked + value):.1f}",
                    f"{bar_width:.1f}",
                    f"{PLOT_HEIGHT * value / top:.1f}",
                    s.color,
                    BACKGROUND,
                    label,
                )
            )
            stacked += value
        if i % label_every == 0:
            parts.append(
                html(
                    '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="{}">{}</text>',
                    f"{LEFT + i * step + step / 2:.1f}",
                    baseline + 16,
                    INK,
                    short_date(day, year=False),
                )
            )
    if len(series) > 1:
        for n, s in enumerate(series):
            row, column = divmod(n, columns)
            lx, ly = LEFT + column * LEGEND_WIDTH, baseline + AXIS_HEIGHT + row * LEGEND_LINE
            parts.append(
                html(
                    '<rect x="{}" y="{}" width="12" height="12" fill="{}"/>'
                    '<text x="{}" y="{}" font-size="12" fill="{}">{}</text>',
                    lx,
                    ly,
                    s.color,
                    lx + 18,
                    ly + 11,
                    INK,
                    s.name,
                )
            )
    return html(
        '<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        '<rect width="{w}" height="{h}" fill="{bg}"/>{parts}</svg>',
        w=f"{width:.0f}",
        h=f"{height:.0f}",
        id=chart_id,
        title=title,
        desc=description,
        bg=BACKGROUND,
        parts=join(parts),
    )


def relative_luminance(color: str) -> float:
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two #rrggbb colours."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
