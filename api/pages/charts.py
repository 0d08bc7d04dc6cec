"""Bar charts as HTML: no JavaScript, no library, light on a slow link. The labels and values
are page text (the page's font size at any width, wrapped, never cut or shrunk with the chart);
only each bar is a tiny SVG, sized by its attributes, which the page's policy allows."""

from collections.abc import Callable, Sequence
from html import escape

from kpt_workflow.base.figures import number

MIN_VALUE_CHARS, MAX_VALUE_CHARS = 5, 20  # the widths kpt.css declares for the value column


def bar_chart(title: str, bars: Sequence[tuple[str, float]], unit: str = "", links: Sequence[str] | None = None,
              figure: Callable[[float], str] = number) -> str:
    """Horizontal bars with their values written out (the numbers are readable without the bars);
    with `links`, each bar leads to what it counts (its plans). `figure` writes a value (`exact`,
    for a published figure whose decimals must all show)."""
    top = max((value for _, value in bars), default=0) or 1
    values = [f"{figure(value)}{unit}" for _, value in bars]
    items = []
    for i, (label, value) in enumerate(bars):
        row = (f'<span class="bar-label">{escape(label)}</span>'
               f'<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">'
               f'<rect width="{100 * value / top:.1f}" height="10" fill="#0b3d91"></rect></svg>'
               f'<span class="bar-value">{escape(values[i])}</span>')
        row = (f'<a class="bar-row" href="{escape(links[i])}">{row}</a>' if links is not None
               else f'<span class="bar-row">{row}</span>')
        items.append(f"<li>{row}</li>")
    # Every row's value column as wide as the longest value, so that the bars (each row a grid of
    # its own) keep one length for one amount and a long amount never overflows; a class, not a
    # style attribute, which the pages' policy refuses (kpt.css: .bars[data-ancho]).
    width = min(max((len(v) for v in values), default=0), MAX_VALUE_CHARS)
    return (f'<figure class="bars" data-ancho="{max(width, MIN_VALUE_CHARS)}" aria-label="{escape(title)}">'
            f'<ul>{"".join(items)}</ul></figure>')
