"""Inline SVG charts: no JavaScript, no library, light on a slow link."""

from html import escape

from kpt_workflow.base.figures import number


def bar_chart(title: str, bars: list[tuple[str, float]], unit: str = "", width: int = 640) -> str:
    """Horizontal bars with their values written out (the numbers are readable without the bars)."""
    bar_height, gap = 22, 8
    # Room for the longest label at ~7 units a character of the 13-unit font, kept under half the chart.
    label_width = min(width // 2, 16 + 7 * max((len(label) for label, _ in bars), default=0))
    top = max((value for _, value in bars), default=0) or 1
    height = len(bars) * (bar_height + gap) + gap
    rows = []
    for index, (label, value) in enumerate(bars):
        y = gap + index * (bar_height + gap)
        length = (width - label_width - 80) * value / top
        rows.append(
            f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" fill="#0b3d91"></rect>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + 16}">{number(value)}{escape(unit)}</text>')
    return (f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
            f'preserveAspectRatio="xMinYMin meet" font-size="13" font-family="system-ui, sans-serif" fill="#1b1b1b">'
            f'<title>{escape(title)}</title>{"".join(rows)}</svg>')
