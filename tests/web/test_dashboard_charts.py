"""Server-drawn SVG charts: well-formed, proportional, and safe with any label."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from merchant_onboard.web.dashboard.charts import Bar, bar_chart, line_chart, percent

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


@pytest.mark.parametrize(("value", "text"), [(None, "–"), (0, "0 %"), (0.153, "15 %"),
                                             (1, "100 %")])
def test_percent_is_written_the_vietnamese_way(value, text):
    assert percent(value) == text


@pytest.mark.parametrize(("part", "whole", "text"), [
    (2, 3, "67 %"), (1, 8, "13 %"), (29, 200, "15 %"), (5, 8, "63 %"),
    (199, 200, "99 %"), (1432, 1433, "99 %"), (1, 1433, "1 %"), (1433, 1433, "100 %")])
def test_percent_rounds_half_up_and_never_shows_all_or_none_too_early(part, whole, text):
    """A commune reads "100 %" as "every stall": 199 of 200 is 99 %, and 1 of 1,433 is not
    0 %; halves go up, as people round (Python's round() takes 12.5 to 12)."""
    assert percent(part / whole) == text


def test_bars_are_proportional_to_the_scale_and_labels_are_escaped():
    svg = parse(bar_chart([Bar("Đã đăng ký <b>", 50, "50 · 50 %"), Bar("Có khách", 25, "25")],
                          title="Phễu & bước", scale=100))
    assert svg.find(f"{SVG}title").text == "Phễu & bước"
    fills = [r for r in svg.iter(f"{SVG}rect") if r.get("fill") not in ("#eef1f0",)]
    widths = [float(r.get("width")) for r in fills]
    assert widths[0] == pytest.approx(2 * widths[1], rel=0.01)
    assert widths[0] == pytest.approx(356 / 2, rel=0.01)
    assert "Đã đăng ký <b>" in [t.text for t in svg.iter(f"{SVG}text")]


def test_an_empty_bar_draws_no_bar_but_keeps_its_label():
    svg = parse(bar_chart([Bar("Từ chối", 0, "0")], title="x"))
    assert [r.get("fill") for r in svg.iter(f"{SVG}rect")] == ["#eef1f0"]
    assert "Từ chối" in [t.text for t in svg.iter(f"{SVG}text")]


def test_line_chart_draws_one_point_per_week_and_the_target_line():
    points = [(f"0{i}/01", i / 10) for i in range(1, 8)]
    svg = parse(line_chart(points, title="Tuần", target=0.7, target_label="Mục tiêu 70 %"))
    line = svg.find(f"{SVG}polyline").get("points").split()
    assert len(line) == 7
    ys = [float(p.split(",")[1]) for p in line]
    assert ys == sorted(ys, reverse=True), "a rising rate goes up the chart"
    dashed = [ln for ln in svg.iter(f"{SVG}line") if ln.get("stroke-dasharray")]
    assert len(dashed) == 1
    assert float(dashed[0].get("y1")) == pytest.approx(ys[-1]), "the last week is at 70 %"
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "Mục tiêu 70 %" in texts and "70 %" in texts


def test_line_chart_without_any_week_draws_only_the_target():
    # The dashboard draws the trend before it knows whether it shows it (no stall yet).
    svg = parse(line_chart([], title="x", target=0.8, target_label="Mục tiêu 80 %"))
    assert svg.find(f"{SVG}polyline") is None
    assert "Mục tiêu 80 %" in [t.text for t in svg.iter(f"{SVG}text")]


def test_line_chart_with_a_single_week():
    svg = parse(line_chart([("03/11", None)], title="x", target=0.8, target_label="80"))
    assert svg.find(f"{SVG}circle") is not None


def _luminance(colour: str) -> float:
    """WCAG 2.1's relative luminance of ``#rrggbb`` or ``#rgb``."""
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _over_white(colour: str, opacity: float) -> str:
    digits = colour.lstrip("#")
    mixed = [round(int(digits[i:i + 2], 16) * opacity + 255 * (1 - opacity)) for i in (0, 2, 4)]
    return "#" + "".join(f"{c:02x}" for c in mixed)


#: WCAG 1.4.3 (AA): 4.5:1 for text under 18.66 px bold; every chart label is 11–13 units.
AA_TEXT = 4.5


def test_every_label_of_a_bar_chart_is_readable_on_what_it_is_drawn_on():
    """The count written in white inside a bar was 3.9:1 on the bars' green (axe could not
    measure SVG text over SVG shapes: checked here instead)."""
    svg = parse(bar_chart([Bar("Đã đăng ký", 90, "90 · 90 %", note="phễu"),
                           Bar("Có khách", 80, "80", highlight=True),
                           Bar("Từ chối", 10, "10")], title="x", scale=100))
    drawn = list(svg)
    checked = 0
    for index, text in enumerate(drawn):
        if text.tag != f"{SVG}text":
            continue
        # A point inside the text's first glyphs, on the side its anchor puts the text.
        x = float(text.get("x")) + (-3 if text.get("text-anchor") == "end" else 3)
        y = float(text.get("y")) - 4
        behind = [r.get("fill") for r in drawn[:index] if r.tag == f"{SVG}rect"
                  and float(r.get("x")) <= x <= float(r.get("x")) + float(r.get("width"))
                  and float(r.get("y")) <= y <= float(r.get("y")) + float(r.get("height"))]
        background = behind[-1] if behind else "#ffffff"  # the card the chart sits on
        assert contrast(text.get("fill"), background) >= AA_TEXT, (text.text, background)
        checked += 1
    assert checked == 3 * 2 + 1


def test_the_target_and_the_last_rate_of_a_line_chart_are_readable():
    """"Mục tiêu 70 %" was written in #b26a00: 4.2:1 on the white card."""
    svg = parse(line_chart([("01/11", 0.2), ("08/11", 0.5)], title="x", target=0.7,
                           target_label="Mục tiêu 70 %"))
    area = svg.find(f"{SVG}polygon")
    # Either label may fall on the white card or on the pale area under the line.
    backgrounds = ["#ffffff", _over_white(area.get("fill"), float(area.get("opacity")))]
    labels = {t.text: t.get("fill") for t in svg.iter(f"{SVG}text")}
    for label in ("Mục tiêu 70 %", "50 %"):
        for background in backgrounds:
            assert contrast(labels[label], background) >= AA_TEXT, (label, background)


def _week_labels(svg: ET.Element) -> list[tuple[str, float, float]]:
    """The x-axis labels ("dd/mm", 11 units): text and the span each covers, its width
    estimated generously (a digit or a slash is at most 0.6 em in the page's fonts)."""
    out = []
    for text in svg.iter(f"{SVG}text"):
        if not re.fullmatch(r"\d\d/\d\d", text.text or ""):
            continue
        width = len(text.text) * 11 * 0.6
        x = float(text.get("x"))
        start = {"start": x, "middle": x - width / 2, "end": x - width}[text.get("text-anchor")]
        out.append((text.text, start, start + width))
    return out


@pytest.mark.parametrize("weeks", range(1, 27))
def test_the_trend_labels_its_last_week_inside_the_chart_and_no_labels_overlap(weeks):
    """The last week is the one a manager reports ("as of 24/11"): it was left unlabelled
    whenever the stride of every few weeks skipped it (6, 8, 9 … 26 weeks), and where it was
    drawn, centred on the chart's right edge, half of it was cut off."""
    from datetime import date, timedelta

    monday = date(2026, 6, 1)
    points = [((monday + timedelta(weeks=i)).strftime("%d/%m"), i / 40) for i in range(weeks)]
    svg = parse(line_chart(points, title="Tuần", target=0.5, target_label="Mục tiêu 50 %"))
    labels = _week_labels(svg)
    assert labels[-1][0] == points[-1][0], [label for label, *_ in labels]
    assert labels[0][0] == points[0][0]
    for label, start, end in labels:
        assert 0 <= start and end <= 360, (label, start, end)
    for (one, _, end), (other, start, _) in zip(labels, labels[1:]):
        assert end + 4 <= start, (one, other)


def _axis_ticks(svg: ET.Element) -> list[tuple[int, float]]:
    """The y axis's labels ("25 %", written right-aligned left of the plot) with the height
    of the gridline each names, bottom first."""
    ticks = []
    for text in svg.iter(f"{SVG}text"):
        found = re.fullmatch(r"(\d+) %", text.text or "")
        if found and text.get("text-anchor") == "end" and float(text.get("x")) < 40:
            ticks.append((int(found.group(1)), float(text.get("y")) - 4))
    return sorted(ticks, key=lambda tick: -tick[1])


@pytest.mark.parametrize(("rates", "target"), [
    ([0.05, 0.1, 0.2], 0.3), ([0.1, 0.3, 0.537], 0.4), ([0.2, 0.6], 0.5), ([0.1], 0.8),
    ([0.0, 0.0], 0.0), ([0.5], 0.5), ([0.9, 1.0], 0.2)])
def test_the_trend_axis_names_each_gridline_by_its_own_whole_percent(rates, target):
    """Below a 50 % target the axis went 0, 13, 25, 38, 50 % (lines at 12.5 % and 37.5 %
    named as they round), and a rate above 50 % (0.537) made the top line "54 %" with steps
    of 13.4: a point read off the chart is a value nobody computed."""
    points = [(f"{i + 1:02d}/06", rate) for i, rate in enumerate(rates)]
    svg = parse(line_chart(points, title="x", target=target, target_label="Mục tiêu"))
    ticks = _axis_ticks(svg)
    values = [value for value, _y in ticks]
    assert values[0] == 0 and values[-1] >= 100 * max(rates + [target]), values
    steps = {b - a for a, b in zip(values, values[1:])}
    assert len(steps) == 1 and steps <= {10, 20, 25}, values
    # Each label sits on its own line: heights proportional to the values.
    (_, zero), (top_value, top) = ticks[0], ticks[-1]
    for value, y in ticks:
        assert y == pytest.approx(zero + (top - zero) * value / top_value, abs=0.11)
