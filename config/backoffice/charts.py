"""Charts as inline SVG drawn by our code: no CDN, no script, nothing for the CSP to block.
Each is sized by its ``viewBox`` and stretches to its box (readable at 375 px); the page
puts the same numbers in a table beside it. Pure: numbers in, markup out (escaped)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

WIDTH = 320
ROW = 22
LABEL = 110
COLOURS = ("#417690", "#e0a040")


def _svg(title: str, height: int, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="bo-svg" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg"><title>{}</title>{}</svg>',
        WIDTH,
        max(height, ROW),
        title,
        title,
        body,
    )


def bars(title: str, rows: Sequence[tuple[str, float]], *, unit: str = "") -> SafeString:
    """Horizontal bars, one per (label, value), the value written at the bar's end."""
    return grouped_bars(title, [(label, [value]) for label, value in rows], unit=unit)


def grouped_bars(
    title: str,
    rows: Sequence[tuple[str, Sequence[float]]],
    *,
    legend: Sequence[str] = (),
    unit: str = "",
) -> SafeString:
    """Per label, one bar per series (e.g. share of bookings vs share of weight)."""
    top = max((v for _, values in rows for v in values), default=0) or 1
    series = max((len(values) for _, values in rows), default=1)
    step = ROW * series + 6
    scale = (WIDTH - LABEL - 40) / top
    parts = []
    y0 = ROW if legend else 0
    for i, name in enumerate(legend):
        parts.append(
            format_html(
                '<rect x="{}" y="4" width="10" height="10" fill="{}"/>'
                '<text x="{}" y="13" font-size="11">{}</text>',
                LABEL + i * 100, COLOURS[i % 2], LABEL + 14 + i * 100, name,
            )
        )  # fmt: skip
    for r, (label, values) in enumerate(rows):
        y = y0 + r * step
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="11" text-anchor="end">{}</text>',
                LABEL - 6, y + ROW * series / 2 + 4, label[:18],
            )
        )  # fmt: skip
        for s, value in enumerate(values):
            width = max(value * scale, 0.5 if value else 0)
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
                    '<text x="{}" y="{}" font-size="10">{}{}</text>',
                    LABEL, y + s * ROW + 2, _n(width), ROW - 6, COLOURS[s % 2],
                    _n(LABEL + width + 3), y + s * ROW + ROW / 2 + 3, _number(value), unit,
                )
            )  # fmt: skip
    return _svg(title, y0 + len(rows) * step, SafeString("".join(parts)))


def heat_map(title: str, grid: Sequence[Sequence[int]]) -> SafeString:
    """Weekday (rows, Monday first) × hour (columns) cells, darker for more."""
    top = max((v for row in grid for v in row), default=0) or 1
    cell = (WIDTH - 30) / 24
    days = weekdays()
    cells = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="14" fill="#417690" '
        'fill-opacity="{}"><title>{} {}:00 — {}</title></rect>',
        (
            (
                _n(30 + h * cell),
                14 + d * 16,
                _n(cell - 1),
                _n(0.06 + 0.94 * value / top),
                days[d],
                h,
                value,
            )
            for d, row in enumerate(grid)
            for h, value in enumerate(row)
        ),
    )
    labels = format_html_join(
        "",
        '<text x="0" y="{}" font-size="10">{}</text>',
        ((25 + d * 16, name) for d, name in enumerate(days)),
    )
    hours = format_html_join(
        "",
        '<text x="{}" y="10" font-size="9">{}</text>',
        ((_n(30 + h * cell), h) for h in range(0, 24, 3)),
    )
    return _svg(title, 14 + 7 * 16, SafeString(cells + labels + hours))


def weekdays() -> list[str]:
    """Short weekday names, Monday first (the heat map's rows)."""
    return [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]


def _n(value: float) -> str:
    """A coordinate, short (format_html escapes its arguments to text before formatting)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
