"""Charts drawn on the server as SVG: no script, no library, nothing the CSP must allow.

Each chart is an `<svg role="img">` named by its `<title>` and described by
its `<desc>` (a sentence that says what the chart shows, in numbers), and
the page puts the same numbers in a table beside it. Colours are from the
Okabe–Ito palette (distinguishable with colour-vision deficiencies) and every
series is also named in a legend and told apart by marker or position, never
by colour alone. Only presentation attributes, no `style`: the same SVG goes
into the web page (style-src 'self') and into the PDF (WeasyPrint).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BLUE = "#0072B2"
VERMILLION = "#D55E00"
ORANGE = "#E69F00"
GREEN = "#009E73"
GRID = "#d0d7de"
INK = "#1f2328"
MUTED = "#57606a"
FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"'


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]
    colour: str
    marker: str = "circle"  # circle | square (lines); bars ignore it


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    svg: SafeString
    table_id: str


def nice_max(value: float) -> float:
    """A round axis maximum at or above the value (1, 2, 2.5, 5 × 10^n)."""
    if value <= 0:
        return 1
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        top = step * 10 ** exponent
        if top >= value:
            return top
    return 10 ** (exponent + 1)


def count_axis_max(value: float, ticks: int = 4) -> int:
    """An axis maximum for counts whose `ticks` steps are whole, round numbers (1, 2, 5, 10, 20, 25, 50…)."""
    raw = max(value, ticks) / ticks
    exponent = max(0, math.floor(math.log10(raw)))
    steps = (1, 2, 2.5, 5, 10) if exponent >= 1 else (1, 2, 5, 10)
    step = next(s * 10 ** exponent for s in steps if s * 10 ** exponent >= raw)
    return int(step * ticks)


def _fmt(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.0f}%"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def _open(chart_id: str, title: str, description: str, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart-svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" {FONT}>',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]


def _legend(series: list[Series], x: float, y: float, *, lines: bool) -> list[str]:
    parts = []
    for s in series:
        if lines:
            parts.append(f'<line x1="{x}" y1="{y - 4}" x2="{x + 18}" y2="{y - 4}" stroke="{s.colour}" stroke-width="3"/>')
            parts.append(_marker(s, x + 9, y - 4))
        else:
            parts.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{s.colour}"/>')
        parts.append(f'<text x="{x + 24}" y="{y}" font-size="12" fill="{INK}">{escape(s.name)}</text>')
        x += 34 + 7 * len(s.name)
    return parts


def _marker(s: Series, x: float, y: float) -> str:
    if s.marker == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{s.colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{s.colour}"/>'


def _month_label(month: date) -> str:
    return f"{month:%b %y}"


def line_chart(chart_id: str, title: str, description: str, months: list[date], series: list[Series], *,
               percent: bool = False, table_id: str) -> Chart:
    """A line per series over the months; gaps where a value is unknown."""
    width, height = 640, 300
    left, right, top, bottom = 56, 30, 40, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for s in series for v in s.values if v is not None]
    y_max = 1.0 if percent else count_axis_max(max(values, default=0))
    parts = _open(chart_id, title, description, width, height)
    parts += _legend(series, left, 22, lines=True)
    for i in range(5):
        value = y_max * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="{MUTED}">{_fmt(value, percent)}</text>')
    n = len(months)
    step = plot_w / max(n - 1, 1)
    label_every = max(1, math.ceil(n / 12))
    for i, month in enumerate(months):
        x = left + (step * i if n > 1 else plot_w / 2)
        if i % label_every == 0 or i == n - 1:
            parts.append(f'<text x="{x:.1f}" y="{height - bottom + 18}" font-size="11" text-anchor="middle" fill="{MUTED}">{_month_label(month)}</text>')
    for s in series:
        points = []
        for i, value in enumerate(s.values):
            x = left + (step * i if n > 1 else plot_w / 2)
            if value is None:
                if len(points) > 1:
                    parts.append(f'<polyline fill="none" stroke="{s.colour}" stroke-width="2.5" points="{" ".join(points)}"/>')
                points = []
                continue
            y = top + plot_h - plot_h * (value / y_max if y_max else 0)
            points.append(f"{x:.1f},{y:.1f}")
            parts.append(_marker(s, x, y))
        if len(points) > 1:
            parts.append(f'<polyline fill="none" stroke="{s.colour}" stroke-width="2.5" points="{" ".join(points)}"/>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{INK}" stroke-width="1"/>')
    parts.append("</svg>")
    return Chart(chart_id, title, description, mark_safe("".join(parts)), table_id)


def stacked_bars(chart_id: str, title: str, description: str, labels: list[str], series: list[Series], *,
                 table_id: str) -> Chart:
    """One horizontal bar per label, its parts stacked in series order, the total at the end."""
    row_h, gap = 22, 8
    left, right, top = 240, 70, 40
    width = 640
    height = top + len(labels) * (row_h + gap) + 20
    plot_w = width - left - right
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(labels))]
    x_max = nice_max(max(totals, default=0))
    parts = _open(chart_id, title, description, width, height)
    parts += _legend(series, left, 22, lines=False)
    for i, label in enumerate(labels):
        y = top + i * (row_h + gap)
        short = label if len(label) <= 36 else label[:35] + "…"
        parts.append(f'<text x="{left - 8}" y="{y + row_h / 2 + 4:.1f}" font-size="12" text-anchor="end" fill="{INK}">{escape(short)}</text>')
        x = left
        for s in series:
            value = s.values[i] or 0
            w = plot_w * value / x_max if x_max else 0
            if w > 0:
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row_h}" fill="{s.colour}"/>')
            x += w
        parts.append(f'<text x="{x + 6:.1f}" y="{y + row_h / 2 + 4:.1f}" font-size="11" fill="{MUTED}">{totals[i]:,}</text>')
    parts.append(f'<line x1="{left}" y1="{top - 4}" x2="{left}" y2="{height - 16}" stroke="{INK}" stroke-width="1"/>')
    parts.append("</svg>")
    return Chart(chart_id, title, description, mark_safe("".join(parts)), table_id)


def grouped_bars(chart_id: str, title: str, description: str, labels: list[str], series: list[Series], *,
                 x_title: str, table_id: str) -> Chart:
    """Vertical bars, one group per label, one bar per series side by side."""
    width, height = 640, 300
    left, right, top, bottom = 56, 16, 40, 58
    plot_w, plot_h = width - left - right, height - top - bottom
    y_max = count_axis_max(max([v or 0 for s in series for v in s.values], default=0))
    parts = _open(chart_id, title, description, width, height)
    parts += _legend(series, left, 22, lines=False)
    for i in range(5):
        value = y_max * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="{MUTED}">{_fmt(value, False)}</text>')
    group_w = plot_w / max(len(labels), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    for i, label in enumerate(labels):
        gx = left + group_w * i + group_w * 0.1
        for j, s in enumerate(series):
            value = s.values[i] or 0
            h = plot_h * value / y_max if y_max else 0
            parts.append(f'<rect x="{gx + j * bar_w:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" fill="{s.colour}"/>')
        parts.append(f'<text x="{left + group_w * (i + 0.5):.1f}" y="{height - bottom + 16}" font-size="11" text-anchor="middle" fill="{MUTED}">{escape(label)}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 12}" font-size="12" text-anchor="middle" fill="{INK}">{escape(x_title)}</text>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{INK}" stroke-width="1"/>')
    parts.append("</svg>")
    return Chart(chart_id, title, description, mark_safe("".join(parts)), table_id)


# --- the report's four charts ----------------------------------------------------------------

def _pct(value: float | None) -> str:
    return "no letters with a clock" if value is None else f"{value * 100:.0f}%"


def _range_sentence(name: str, months: list[date], values: list) -> str:
    known = [(m, v) for m, v in zip(months, values) if v is not None]
    if not known:
        return f"{name}: none."
    (m0, v0), (m1, v1) = known[0], known[-1]
    high = max(known, key=lambda mv: mv[1])
    return (f"{name}: {v0:,} in {m0:%B %Y}, {v1:,} in {m1:%B %Y}; highest {high[1]:,} in {high[0]:%B %Y}."
            if isinstance(v0, int) else "")


def report_charts(report) -> list[Chart]:
    """The charts of a report: trend, outcomes by category, ages, within-time share."""
    trend = report.trend
    months = trend["months"]
    charts = [
        line_chart(
            "chart-trend", "Applications received and letters issued by month",
            f"Line chart over {len(months)} months. " + _range_sentence("Applications", months, trend["applications"])
            + " " + _range_sentence("Letters", months, trend["letters"]) + " The table beside it lists every month.",
            months,
            [Series("Applications", trend["applications"], BLUE, "circle"), Series("Letters", trend["letters"], VERMILLION, "square")],
            table_id="trend",
        )
    ]
    rows = report.tables["by_category"].rows
    labels = [r[0] for r in rows]
    upheld = [r[2] for r in rows]
    overturned = [r[3] for r in rows]
    described = "; ".join(f"{r[0]} {r[2]:,} upheld, {r[3]:,} overturned" for r in rows[:6])
    charts.append(stacked_bars(
        "chart-outcomes", "Upheld and overturned items by treatment category",
        f"Stacked bar chart of {len(rows)} categories, most items first: {described or 'no items decided'}"
        + ("; and more in the table beside it." if len(rows) > 6 else "."),
        labels, [Series("Upheld", upheld, BLUE), Series("Overturned", overturned, VERMILLION)], table_id="by_category",
    ))
    ages = report.tables["age_distribution"].rows
    assigned_avg, records_avg = (report.figures.get("age_assigned"), report.figures.get("age_records"))
    charts.append(grouped_bars(
        "chart-ages", "How long the letters took",
        "Bar chart of letters by calendar days: "
        + ", ".join(f"{r[0]} days {r[1]:,} from assignment and {r[2]:,} from complete records" for r in ages)
        + ". Average "
        + ("not available" if assigned_avg is None else f"{assigned_avg:.1f} days") + " from assignment and "
        + ("not available" if records_avg is None else f"{records_avg:.1f} days") + " from complete records.",
        [r[0] for r in ages],
        [Series("From assigned date", [r[1] for r in ages], BLUE), Series("From complete records", [r[2] for r in ages], ORANGE)],
        x_title="Calendar days to the letter", table_id="age_distribution",
    ))
    shares = trend["within_share"]
    known = [(m, s) for m, s in zip(months, shares) if s is not None]
    sentence = (
        f"From {_pct(known[0][1])} in {known[0][0]:%B %Y} to {_pct(known[-1][1])} in {known[-1][0]:%B %Y}; lowest "
        f"{_pct(min(s for _, s in known))}." if known else "No letter with a clock in these months."
    )
    charts.append(line_chart(
        "chart-within", "Share of letters decided within the statutory time, by month",
        f"Line chart over {len(months)} months. {sentence} The table beside it lists every month.",
        months, [Series("Within time", shares, GREEN, "circle")], percent=True, table_id="within_by_month",
    ))
    return charts
