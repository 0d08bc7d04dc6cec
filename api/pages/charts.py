"""Bar charts as HTML: no JavaScript, no library, light on a slow link. The labels and values
are page text (the page's font size at any width, wrapped, never cut or shrunk with the chart);
only each bar is a tiny SVG, sized by its attributes, which the page's policy allows."""

from collections.abc import Callable, Sequence
from html import escape

from kpt_workflow.base.figures import number


def bar_chart(title: str, bars: Sequence[tuple[str, float]], unit: str = "", links: Sequence[str] | None = None,
              figure: Callable[[float], str] = number) -> str:
    """Horizontal bars with their values written out (the numbers are readable without the bars);
    with `links`, each bar leads to what it counts (its plans). `figure` writes a value (`exact`,
    for a published figure whose decimals must all show)."""
    top = max((value for _, value in bars), default=0) or 1
    items = []
    for i, (label, value) in enumerate(bars):
        row = (f'<span class="bar-label">{escape(label)}</span>'
               f'<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">'
               f'<rect width="{100 * value / top:.1f}" height="10" fill="#0b3d91"></rect></svg>'
               f'<span class="bar-value">{figure(value)}{escape(unit)}</span>')
        row = (f'<a class="bar-row" href="{escape(links[i])}">{row}</a>' if links is not None
               else f'<span class="bar-row">{row}</span>')
        items.append(f"<li>{row}</li>")
    return f'<figure class="bars" aria-label="{escape(title)}"><ul>{"".join(items)}</ul></figure>'
