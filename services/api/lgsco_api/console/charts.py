"""Charts as inline SVG drawn on the server: data in, an SVG string out (pure: no I/O, no state).

Every chart names itself with <title> and <desc> (referenced by aria-labelledby), scales with its
container through its viewBox, draws in colours with at least 3:1 contrast against white, and is
printed beside a table of the same numbers, which is what screen readers and copy-paste use.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 640
FONT = 13
CHAR_WIDTH = 7.0  # average advance of a 13px sans-serif character, for fitting labels
INK = "#1b1b1b"
GRID = "#c8c8c8"
PRIMARY = "#1d4e89"
MUTED = "#5f6b73"
# Outcome colours (each >= 3:1 on white; tests/console/test_charts.py checks the ratios).
OUTCOME_COLOURS = {
    "upheld": PRIMARY,
    "not_upheld": "#a8510a",
    "closed_after_initial_enquiries": MUTED,
    "unknown": "#7d3c8c",
}

Format = Callable[[float], str]


def integer(value: float) -> str:
    return f"{round(value):,}"


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


@dataclass(frozen=True, slots=True)
class Series:
    """One stacked layer: a value per label (None: not available, drawn as no bar)."""

    name: str
    values: Sequence[float | None]
    colour: str = PRIMARY


def nice_scale(maximum: float, ticks: int = 5, *, whole: bool = False) -> tuple[float, list[float]]:
    """An axis maximum >= `maximum` on a 1-2-5 step, and its tick values from 0; `whole` keeps
    steps at 1 or more (counts: no tick at 0.2 decisions)."""
    if maximum <= 0 or not math.isfinite(maximum):
        return 1.0, [0.0, 1.0]
    raw = maximum / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    if whole:
        step = max(step, 1)
    top = float(step * math.ceil(maximum / step - 1e-9))
    count = round(top / step)
    return top, [round(float(i * step), 10) for i in range(count + 1)]


def bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    value_format: Format = integer,
    maximum: float | None = None,
    legend: bool | None = None,
) -> str:
    """Horizontal bars, one per label, stacked by series, each with its total printed after it;
    a legend names the series (by default when there are several)."""
    keyed = len(series) > 1 if legend is None else legend
    totals = _totals(labels, series)
    if not labels or not any(t for t in totals if t):
        return _empty(chart_id, title, desc)
    label_chars = min(32, max(len(label) for label in labels))
    plot_x = 12 + label_chars * CHAR_WIDTH
    plot_w = WIDTH - plot_x - 64
    top_edge, ticks = nice_scale(
        maximum if maximum is not None else max(t or 0 for t in totals),
        whole=value_format is integer,
    )
    top = _legend_height(keyed)
    bar, gap = 22, 10
    plot_h = len(labels) * (bar + gap)
    height = top + plot_h + 26
    parts = _legend(series) if keyed else []
    for tick in ticks:
        x = plot_x + tick / top_edge * plot_w
        parts.append(_line(x, top - 4, x, top + plot_h, GRID))
        parts.append(_text(x, top + plot_h + 16, value_format(tick), anchor="middle"))
    for i, label in enumerate(labels):
        y = top + i * (bar + gap)
        parts.append(_label(plot_x - 8, y + bar / 2 + 4, label, label_chars, anchor="end"))
        x = plot_x
        for s, start, width, tip in _stack(
            i, label, series, keyed, value_format, plot_w / top_edge
        ):
            parts.append(_rect(plot_x + start, y, width, bar, s.colour, tip))
            x = plot_x + start + width
        total = totals[i]
        shown = "not available" if total is None else value_format(total)
        parts.append(_text(x + 6, y + bar / 2 + 4, shown, cls="value"))
    return _svg(chart_id, title, desc, height, parts)


def column_chart(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    value_format: Format = integer,
    legend: bool | None = None,
) -> str:
    """Vertical columns, one per label (months), stacked by series, totals printed above."""
    keyed = len(series) > 1 if legend is None else legend
    totals = _totals(labels, series)
    if not labels or not any(t for t in totals if t):
        return _empty(chart_id, title, desc)
    top = _legend_height(keyed) + 16
    left, bottom, plot_h = 44, 30, 200
    plot_w = WIDTH - left - 8
    height = top + plot_h + bottom
    top_edge, ticks = nice_scale(max(t or 0 for t in totals), whole=value_format is integer)
    parts = _legend(series) if keyed else []
    base = top + plot_h
    for tick in ticks:
        y = base - tick / top_edge * plot_h
        parts.append(_line(left, y, left + plot_w, y, GRID))
        parts.append(_text(left - 6, y + 4, value_format(tick), anchor="end"))
    band = plot_w / len(labels)
    width = band * 0.6
    for i, label in enumerate(labels):
        x = left + i * band + (band - width) / 2
        y = base
        for s, start, h, tip in _stack(i, label, series, keyed, value_format, plot_h / top_edge):
            y = base - start - h
            parts.append(_rect(x, y, width, h, s.colour, tip))
        if totals[i]:
            parts.append(
                _text(
                    x + width / 2, y - 4, value_format(totals[i] or 0), anchor="middle", cls="value"
                )
            )
        parts.append(_text(x + width / 2, base + 18, label, anchor="middle"))
    return _svg(chart_id, title, desc, height, parts)


def _stack(
    i: int,
    label: str,
    series: Sequence[Series],
    keyed: bool,
    value_format: Format,
    scale: float,
) -> list[tuple[Series, float, float, str]]:
    """The stacked pieces of label `i`: each series with a value there, where its piece starts
    along the value axis, its length, and its tooltip."""
    pieces: list[tuple[Series, float, float, str]] = []
    start = 0.0
    for s in series:
        value = s.values[i]
        if not value:
            continue
        tip = f"{label}: {s.name + ': ' if keyed else ''}{value_format(value)}"
        pieces.append((s, start, value * scale, tip))
        start += value * scale
    return pieces


def _totals(labels: Sequence[str], series: Sequence[Series]) -> list[float | None]:
    """Per label: the sum of the series, or None when no series has a value there."""
    out: list[float | None] = []
    for i in range(len(labels)):
        values = [s.values[i] for s in series if s.values[i] is not None]
        out.append(sum(v for v in values if v is not None) if values else None)
    return out


def _legend_height(keyed: bool) -> int:
    return 28 if keyed else 8


def _legend(series: Sequence[Series]) -> list[str]:
    parts, x = [], 0.0
    for s in series:
        parts.append(
            f'<rect x="{x:.1f}" y="4" width="12" height="12" fill="{s.colour}" class="key"/>'
        )
        parts.append(_text(x + 17, 15, s.name))
        x += 17 + len(s.name) * CHAR_WIDTH + 18
    return parts


def _svg(chart_id: str, title: str, desc: str, height: float, parts: list[str]) -> str:
    body = "".join(parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" height="{height:.0f}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'font-size="{FONT}" fill="{INK}">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>{body}</svg>'
    )


def _empty(chart_id: str, title: str, desc: str) -> str:
    message = _text(
        WIDTH / 2, 34, "Nothing to chart: no figures for this selection.", anchor="middle"
    )
    return _svg(chart_id, title, desc, 56, [message])


def _rect(x: float, y: float, w: float, h: float, colour: str, tip: str) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{colour}" '
        f'stroke="#ffffff" stroke-width="1"><title>{escape(tip)}</title></rect>'
    )


def _line(x1: float, y1: float, x2: float, y2: float, colour: str) -> str:
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
        'stroke-width="1"/>'
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start", cls: str = "") -> str:
    attrs = f' text-anchor="{anchor}"' if anchor != "start" else ""
    attrs += f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}"{attrs}>{escape(text)}</text>'


def _label(x: float, y: float, label: str, chars: int, *, anchor: str) -> str:
    """A row label cut to `chars` characters; the whole label stays in its <title>."""
    if len(label) <= chars:
        return _text(x, y, label, anchor=anchor)
    short = label[: chars - 1].rstrip() + "…"
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"><title>{escape(label)}</title>'
        f"{escape(short)}</text>"
    )
