"""The SVG chart builders: what they draw is checked by value (bar sizes, labels, totals), and
what makes them accessible (title, desc, contrast, escaping) is checked too."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from lgsco_api.console import charts
from lgsco_api.console.annual import months_of
from lgsco_api.console.charts import Series, bar_chart, column_chart, nice_scale

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def bars(root: ET.Element) -> list[tuple[str, float, float, float, float]]:
    """(tooltip, x, y, width, height) of every data rectangle (legend keys have no tooltip)."""
    out = []
    for rect in root.iter(f"{SVG}rect"):
        tip = rect.find(f"{SVG}title")
        if tip is not None:
            out.append(
                (
                    tip.text or "",
                    float(rect.attrib["x"]),
                    float(rect.attrib["y"]),
                    float(rect.attrib["width"]),
                    float(rect.attrib["height"]),
                )
            )
    return out


def texts(root: ET.Element, cls: str | None = None) -> list[str]:
    return [
        "".join(t.itertext())
        for t in root.iter(f"{SVG}text")
        if cls is None or t.attrib.get("class") == cls
    ]


def luminance(colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_with_white(colour: str) -> float:
    return 1.05 / (luminance(colour) + 0.05)


class TestNiceScale:
    @pytest.mark.parametrize(
        "maximum, top, step",
        [(7, 8, 2), (19, 20, 5), (100, 100, 20), (1234, 1500, 500), (0.77, 0.8, 0.2)],
    )
    def test_rounds_up_to_a_one_two_five_step(
        self, maximum: float, top: float, step: float
    ) -> None:
        edge, ticks = nice_scale(maximum)
        assert edge == pytest.approx(top)
        assert ticks[0] == 0 and ticks[-1] == pytest.approx(top)
        assert ticks[1] - ticks[0] == pytest.approx(step)

    def test_whole_numbers_never_get_fractional_ticks(self) -> None:
        assert nice_scale(1, whole=True) == (1.0, [0.0, 1.0])
        assert all(t == int(t) for t in nice_scale(3, whole=True)[1])

    def test_zero_gives_a_unit_axis(self) -> None:
        assert nice_scale(0) == (1.0, [0.0, 1.0])


class TestBarChart:
    def test_bar_lengths_are_proportional_to_the_values(self) -> None:
        root = parse(bar_chart("c", "T", "D", ["A", "B", "C"], [Series("Remedies", [4, 2, 1])]))
        drawn = bars(root)
        assert [tip for tip, *_ in drawn] == ["A: 4", "B: 2", "C: 1"]
        widths = [w for _tip, _x, _y, w, _h in drawn]
        assert widths[0] / widths[1] == pytest.approx(2, rel=0.01)
        assert widths[0] / widths[2] == pytest.approx(4, rel=0.01)
        assert texts(root, "value") == ["4", "2", "1"]

    def test_stacked_segments_follow_each_other_and_total_at_the_end(self) -> None:
        series = [Series("Upheld", [3, 1], "#1d4e89"), Series("Not upheld", [1, 0], "#a8510a")]
        root = parse(bar_chart("c", "T", "D", ["Education", "Housing"], series))
        (tip1, x1, y1, w1, _), (tip2, x2, y2, w2, _), (tip3, *_rest) = bars(root)
        assert (tip1, tip2, tip3) == (
            "Education: Upheld: 3",
            "Education: Not upheld: 1",
            "Housing: Upheld: 1",
        )
        assert x2 == pytest.approx(x1 + w1, abs=0.11) and y1 == y2
        assert w1 / w2 == pytest.approx(3, rel=0.01)
        assert texts(root, "value") == ["4", "1"]
        assert "Upheld" in texts(root) and "Not upheld" in texts(root)  # the legend

    def test_rates_are_drawn_against_a_fixed_hundred_percent(self) -> None:
        root = parse(
            bar_chart(
                "c",
                "T",
                "D",
                ["Us", "Kind", "All"],
                [Series("Uphold rate", [0.5, 0.25, None])],
                value_format=charts.percent,
                maximum=1.0,
            )
        )
        drawn = bars(root)
        assert len(drawn) == 2  # no bar where the rate is not available
        assert drawn[0][3] == pytest.approx(2 * drawn[1][3], rel=0.01)
        assert texts(root, "value") == ["50.0%", "25.0%", "not available"]
        assert "100.0%" in texts(root)  # the axis reaches 100% even though no bar does

    def test_names_itself_for_assistive_technology(self) -> None:
        root = parse(bar_chart("uphold", "Uphold rate", "Share upheld.", ["A"], [Series("x", [1])]))
        assert root.attrib["role"] == "img"
        assert root.attrib["aria-labelledby"] == "uphold-title uphold-desc"
        assert root.find(f"{SVG}title").attrib["id"] == "uphold-title"  # type: ignore[union-attr]
        assert root.find(f"{SVG}title").text == "Uphold rate"  # type: ignore[union-attr]
        assert root.find(f"{SVG}desc").text == "Share upheld."  # type: ignore[union-attr]
        assert root.attrib["viewBox"].startswith("0 0 640 ")

    def test_text_is_escaped(self) -> None:
        svg = bar_chart("c", "<b>T&</b>", "D", ["<script>x</script>"], [Series("s", [1])])
        root = parse(svg)  # still well-formed
        assert "<script>" not in svg
        assert "<script>x</script>" in texts(root)
        assert root.find(f"{SVG}title").text == "<b>T&</b>"  # type: ignore[union-attr]

    def test_long_labels_are_cut_but_kept_whole_in_a_tooltip(self) -> None:
        label = "Planning and development: enforcement and other long category names"
        root = parse(bar_chart("c", "T", "D", [label], [Series("s", [2])]))
        shown = [t for t in root.iter(f"{SVG}text") if t.attrib.get("text-anchor") == "end"]
        assert shown[0].find(f"{SVG}title").text == label  # type: ignore[union-attr]
        assert "".join(shown[0].itertext()).endswith("…")

    def test_nothing_to_draw_says_so(self) -> None:
        root = parse(bar_chart("c", "T", "D", ["A"], [Series("s", [0])]))
        assert bars(root) == []
        assert "Nothing to chart" in " ".join(texts(root))
        assert root.find(f"{SVG}title") is not None

    def test_a_legend_can_name_a_single_series(self) -> None:
        series = [Series("Not upheld", [1], charts.OUTCOME_COLOURS["not_upheld"])]
        root = parse(bar_chart("c", "T", "D", ["Housing"], series, legend=True))
        assert "Not upheld" in texts(root)
        assert bars(root)[0][0] == "Housing: Not upheld: 1"
        assert "Not upheld" not in texts(parse(bar_chart("c", "T", "D", ["Housing"], series)))


class TestColumnChart:
    def test_column_heights_are_proportional_and_share_a_baseline(self) -> None:
        root = parse(
            column_chart("m", "T", "D", ["Apr", "May", "Jun"], [Series("Decisions", [2, 0, 6])])
        )
        drawn = bars(root)
        assert [tip for tip, *_ in drawn] == ["Apr: 2", "Jun: 6"]
        (_, _, y1, _, h1), (_, _, y2, _, h2) = drawn
        assert h2 / h1 == pytest.approx(3, rel=0.01)
        assert y1 + h1 == pytest.approx(y2 + h2)
        assert texts(root, "value") == ["2", "6"]
        labels = [t for t in texts(root) if t in ("Apr", "May", "Jun")]
        assert labels == ["Apr", "May", "Jun"]  # every month labelled, empty ones too

    def test_stacks_series_upwards(self) -> None:
        series = [Series("Upheld", [2], "#1d4e89"), Series("Not upheld", [1], "#a8510a")]
        (_, _, y1, _, h1), (_, _, y2, _, h2) = bars(
            parse(column_chart("m", "T", "D", ["Apr"], series))
        )
        assert y2 + h2 == pytest.approx(y1, abs=0.11)
        assert h1 == pytest.approx(2 * h2, abs=0.2)  # drawn to 0.1 px


class TestPalette:
    @pytest.mark.parametrize(
        "colour", [*charts.OUTCOME_COLOURS.values(), charts.PRIMARY, charts.MUTED]
    )
    def test_graphics_contrast_at_least_three_to_one_on_white(self, colour: str) -> None:
        assert contrast_with_white(colour) >= 3.0

    def test_text_contrasts_at_least_four_and_a_half(self) -> None:
        assert contrast_with_white(charts.INK) >= 4.5

    def test_outcome_colours_differ(self) -> None:
        assert len(set(charts.OUTCOME_COLOURS.values())) == len(charts.OUTCOME_COLOURS)


class TestMonthsOf:
    def test_a_financial_year_runs_april_to_march(self) -> None:
        months = months_of("2023-24")
        assert months[0] == ("2023-04", "Apr 2023")
        assert months[-1] == ("2024-03", "Mar 2024")
        assert len(months) == 12
