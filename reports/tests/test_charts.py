"""The SVG charts: accessible names, escaped text, round axes, nothing the CSP forbids."""

import re
from datetime import date
from xml.etree import ElementTree

from reports.charts import BLUE, VERMILLION, Series, count_axis_max, grouped_bars, line_chart, stacked_bars

SVG = "{http://www.w3.org/2000/svg}"


def parse(chart):
    return ElementTree.fromstring(str(chart.svg))


def test_a_chart_is_a_named_and_described_image_of_valid_svg():
    chart = stacked_bars("c1", "Outcomes <by> category", "Bars & more", ["Evaluation & Management", "Surgery"],
                         [Series("Upheld", [3, 1], BLUE), Series("Overturned", [1, 0], VERMILLION)], table_id="t")
    root = parse(chart)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title").text == "Outcomes <by> category" and root.find(f"{SVG}desc").text == "Bars & more"
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "Evaluation & Management" in labels and "Upheld" in labels and "Overturned" in labels
    assert "style" not in str(chart.svg) and "<script" not in str(chart.svg)


def test_line_chart_leaves_a_gap_where_a_value_is_unknown():
    months = [date(2026, m, 1) for m in range(1, 6)]
    chart = line_chart("c2", "Share", "d", months, [Series("Within", [0.9, None, 0.8, 0.85, 1.0], BLUE)], percent=True, table_id="t")
    root = parse(chart)
    assert len(root.findall(f"{SVG}circle")) == 4 + 1  # four points and the legend's marker
    assert len(root.findall(f"{SVG}polyline")) == 1  # one line after the gap; a single point before it has no line
    assert "100%" in [t.text for t in root.iter(f"{SVG}text")]


def test_count_axes_have_whole_round_steps():
    for value in (0, 3, 7, 13, 50, 64, 99, 180, 1234, 17_000):
        top = count_axis_max(value)
        assert top >= value and top % 4 == 0
        assert re.fullmatch(r"(1|2|25|5)0*", str(top // 4)), (value, top)


def test_bars_scale_to_the_axis():
    chart = grouped_bars("c3", "Ages", "d", ["0-5", "6-10"], [Series("A", [10, 20], BLUE)], x_title="days", table_id="t")
    heights = [float(r.get("height")) for r in parse(chart).findall(f"{SVG}rect") if r.get("fill") == BLUE and r.get("width") != "12"]
    assert heights[1] == 2 * heights[0]
