"""Inline SVG charts: no JavaScript, no library, light on a slow link."""

import textwrap
from collections.abc import Callable
from html import escape

from kpt_workflow.base.figures import number


def bar_chart(title: str, bars: list[tuple[str, float]], unit: str = "", width: int = 640,
              figure: Callable[[float], str] = number) -> str:
    """Horizontal bars with their values written out (the numbers are readable without the bars).
    A label longer than the room it has is written on several lines, never cut. `figure` writes
    a value (`exact`, for a published figure whose decimals must all show)."""
    bar_height, gap, line_height = 22, 8, 15
    # Room for the longest label at ~7 units a character of the 13-unit font, kept under half the chart.
    label_width = min(width // 2, 16 + 7 * max((len(label) for label, _ in bars), default=0))
    top = max((value for _, value in bars), default=0) or 1
    rows, y = [], gap
    for label, value in bars:
        lines = textwrap.wrap(label, (label_width - 16) // 7) or [""]
        row_height = max(bar_height, line_height * len(lines) + 6)
        length = (width - label_width - 80) * value / top
        first = y + 16 + (row_height - bar_height) / 2 - line_height * (len(lines) - 1) / 2
        spans = "".join(f'<tspan x="{label_width - 8}" y="{first + i * line_height:.1f}">{escape(line)}</tspan>'
                        for i, line in enumerate(lines))
        bar_y = y + (row_height - bar_height) / 2
        rows.append(
            f'<text text-anchor="end">{spans}</text>'
            f'<rect x="{label_width}" y="{bar_y:.1f}" width="{length:.1f}" height="{bar_height}" fill="#0b3d91"></rect>'
            f'<text x="{label_width + length + 6:.1f}" y="{bar_y + 16:.1f}">{figure(value)}{escape(unit)}</text>')
        y += row_height + gap
    return (f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {y}" '
            f'preserveAspectRatio="xMinYMin meet" font-size="13" font-family="system-ui, sans-serif" fill="#1b1b1b">'
            f'<title>{escape(title)}</title>{"".join(rows)}</svg>')
