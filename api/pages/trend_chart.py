"""A line over the years as inline SVG, drawn narrow (300 units across): shown at a phone's width,
each unit is about one pixel, so its 13-unit text stays above 12 px at 360 px; on a wide screen the
page caps its width (`.narrow-chart` in kpt.css)."""

from html import escape

from kpt_workflow.base.figures import exact

WIDTH, HEIGHT = 300, 190
LEFT, RIGHT, TOP, BOTTOM = 12, 12, 30, 132  # the plot's box; the years' labels go under it


def trend_chart(title: str, points: list[tuple[int, float]], marked_year: int | None = None) -> str:
    """Values per year joined by a line, the first, last and `marked_year`'s written out."""
    if not points:
        return ""
    years = [year for year, _ in points]
    low, high = min(v for _, v in points), max(v for _, v in points)
    span_years, span_values = (years[-1] - years[0]) or 1, (high - low) or 1

    def x(year: int) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (year - years[0]) / span_years

    def y(value: float) -> float:
        return BOTTOM - (BOTTOM - TOP) * (value - low) / span_values

    line = " ".join(f"{x(year):.1f},{y(value):.1f}" for year, value in points)
    shown = {years[0], years[-1], *([marked_year] if marked_year in years else [])}
    marks = []
    for i, (year, value) in enumerate(points):
        if year not in shown:
            continue
        anchor = "start" if year == years[0] else "end" if year == years[-1] else "middle"
        # A label sits on the side the line leaves free: under a point the line rises from, over
        # one it falls from (the last point: the side it came from is taken).
        after = points[i + 1][1] if i + 1 < len(points) else 2 * value - points[i - 1][1] if i else value
        above = after < value if i + 1 < len(points) else after >= value
        label_y = y(value) - 10 if above else y(value) + 22
        marks.append(f'<circle cx="{x(year):.1f}" cy="{y(value):.1f}" r="4" fill="#0b3d91"></circle>'
                     f'<text x="{x(year):.1f}" y="{label_y:.1f}" text-anchor="{anchor}">{escape(exact(value))}</text>'
                     f'<text x="{x(year):.1f}" y="{BOTTOM + 46}" text-anchor="{anchor}">{year}</text>')
    return (f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'preserveAspectRatio="xMinYMin meet" font-size="13" font-family="system-ui, sans-serif" fill="#1b1b1b">'
            f'<title>{escape(title)}</title>'
            f'<line x1="{LEFT}" y1="{BOTTOM + 28}" x2="{WIDTH - RIGHT}" y2="{BOTTOM + 28}" stroke="#767676"></line>'
            f'<polyline points="{line}" fill="none" stroke="#0b3d91" stroke-width="2.5"></polyline>'
            f'{"".join(marks)}</svg>')
