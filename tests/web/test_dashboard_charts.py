"""Server-drawn SVG charts: well-formed, proportional, and safe with any label."""

from __future__ import annotations

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


def test_line_chart_with_a_single_week():
    svg = parse(line_chart([("03/11", None)], title="x", target=0.8, target_label="80"))
    assert svg.find(f"{SVG}circle") is not None
