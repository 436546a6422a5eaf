"""Server-rendered SVG charts: labelled axes, and series told apart by marker, dash and pattern as well as colour,
with each value written on the chart, so a chart reads in greyscale and the table beside it says the same."""

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 200, 24, 56
# Colour-blind-safe (Okabe–Ito), and never the only difference between series.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4", "4 2 1 2")
MARKERS = ("circle", "square", "triangle", "diamond", "cross", "circle", "square")
_ids = count(1)


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]


def _nice_max(value: float) -> float:
    if value <= 0:
        return 4.0
    if value <= 8:
        # Small counts: a whole number on each of the four gridlines.
        return float(-(-value // 4) * 4)
    step = 10 ** len(str(int(value))) / 10 if value >= 1 else 0.1
    top = step
    while top < value:
        top += step
    return top


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if kind == "triangle":
        return f'<path d="M{x:.1f} {y - 5:.1f} L{x + 5:.1f} {y + 4:.1f} L{x - 5:.1f} {y + 4:.1f} Z" fill="{colour}"/>'
    if kind == "diamond":
        shape = f"M{x:.1f} {y - 5:.1f} L{x + 5:.1f} {y:.1f} L{x:.1f} {y + 5:.1f} L{x - 5:.1f} {y:.1f} Z"
        return f'<path d="{shape}" fill="{colour}"/>'
    if kind == "cross":
        return (
            f'<path d="M{x - 4:.1f} {y - 4:.1f} L{x + 4:.1f} {y + 4:.1f} '
            f'M{x + 4:.1f} {y - 4:.1f} L{x - 4:.1f} {y + 4:.1f}" stroke="{colour}" stroke-width="2"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'


def _frame(title: str, desc: str, x_label: str, y_label: str, y_max: float, y_format: str) -> tuple[str, list[str]]:
    chart_id = f"chart{next(_ids)}"
    plot_h = HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">',
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(desc)}</desc>',
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="3"/>'
        "</pattern></defs>",
    ]
    for i in range(5):
        value = y_max * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d4d9"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(y_format.format(value))}</text>')
    parts.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}" stroke="#000"/>')
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="#000"/>')
    parts.append(
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle" font-weight="bold">'
        f"{escape(x_label)}</text>"
    )
    parts.append(
        f'<text transform="translate(14 {TOP + plot_h / 2:.1f}) rotate(-90)" text-anchor="middle" font-weight="bold">'
        f"{escape(y_label)}</text>"
    )
    return chart_id, parts


def _x_positions(n: int) -> list[float]:
    span = WIDTH - LEFT - RIGHT
    return [LEFT + span * (i + 0.5) / n for i in range(n)]


def line_chart(
    *,
    title: str,
    desc: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    x_label: str,
    y_label: str,
    y_max: float | None = None,
    y_format: str = "{:.0f}",
) -> Markup:
    """One line per series over the x labels, a gap where a value is missing, and a legend naming each line."""
    top = y_max or _nice_max(max((v for s in series for v in s.values if v is not None), default=0))
    _, parts = _frame(title, desc, x_label, y_label, top, y_format)
    plot_h = HEIGHT - TOP - BOTTOM
    xs = _x_positions(len(x_labels))
    for x, label in zip(xs, x_labels, strict=True):
        parts.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">{escape(label)}</text>')
    for i, s in enumerate(series):
        colour, dash, marker = COLOURS[i % 7], DASHES[i % 7], MARKERS[i % 7]
        points = [
            None if v is None else (x, TOP + plot_h - plot_h * v / top) for x, v in zip(xs, s.values, strict=True)
        ]
        # A missing month breaks the line instead of joining its neighbours.
        path, pen_down = [], False
        for point in points:
            if point is None:
                pen_down = False
                continue
            path.append(f"{'L' if pen_down else 'M'}{point[0]:.1f} {point[1]:.1f}")
            pen_down = True
        if path:
            parts.append(
                f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/>'
            )
        parts.extend(_marker(marker, x, y, colour) for x, y in (p for p in points if p is not None))
        # The legend shows each series' marker and dash beside its name.
        y = TOP + 12 + i * 20
        legend_x = WIDTH - RIGHT + 12
        parts.append(
            f'<line x1="{legend_x}" x2="{legend_x + 28}" y1="{y - 4}" y2="{y - 4}" stroke="{colour}" '
            f'stroke-width="2" stroke-dasharray="{dash}"/>'
        )
        parts.append(_marker(marker, legend_x + 14, y - 4, colour))
        parts.append(f'<text x="{legend_x + 36}" y="{y}">{escape(s.label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(
    *,
    title: str,
    desc: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    x_label: str,
    y_label: str,
    y_format: str = "{:.0f}",
    value_format: str = "{:.0f}",
) -> Markup:
    """Grouped bars: the first series solid, the second hatched, the third outlined; each bar labelled."""
    top = _nice_max(max((v for s in series for v in s.values if v is not None), default=0))
    _, parts = _frame(title, desc, x_label, y_label, top, y_format)
    plot_h = HEIGHT - TOP - BOTTOM
    xs = _x_positions(len(x_labels))
    group = (WIDTH - LEFT - RIGHT) / max(len(x_labels), 1) * 0.8
    bar = group / max(len(series), 1)
    fills = ('fill="#0072B2"', 'fill="url(#hatch)" stroke="#000"', 'fill="#fff" stroke="#000" stroke-width="2"')
    for x, label in zip(xs, x_labels, strict=True):
        parts.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">{escape(label)}</text>')
    for i, s in enumerate(series):
        for x, v in zip(xs, s.values, strict=True):
            if v is None:
                continue
            h = plot_h * v / top
            left = x - group / 2 + i * bar
            parts.append(
                f'<rect x="{left:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar - 2:.1f}" '
                f'height="{h:.1f}" {fills[i % 3]}/>'
            )
            parts.append(
                f'<text x="{left + bar / 2:.1f}" y="{TOP + plot_h - h - 4:.1f}" text-anchor="middle" font-size="10">'
                f"{escape(value_format.format(v))}</text>"
            )
    for i, s in enumerate(series):
        y = TOP + 12 + i * 20
        parts.append(f'<rect x="{WIDTH - RIGHT + 12}" y="{y - 10}" width="14" height="12" {fills[i % 3]}/>')
        parts.append(f'<text x="{WIDTH - RIGHT + 32}" y="{y}">{escape(s.label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
