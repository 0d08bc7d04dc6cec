"""The dashboard's bars: labels and values are page text, each bar's length is its share of the
longest, and a bar with a link leads to what it counts."""

import re

from api.pages.charts import MAX_VALUE_CHARS, MIN_VALUE_CHARS, bar_chart
from api.static_files import STATIC_DIR
from kpt_workflow.base.figures import number

LONG_LABEL = "Negado o archivado por la corporación · mediana"


def test_labels_are_page_text_written_whole():
    html = bar_chart("t", [("Aprobado", 806.0), (LONG_LABEL, 5.0)], " d")
    assert re.findall(r'<span class="bar-label">([^<]*)</span>', html) == ["Aprobado", LONG_LABEL]
    assert "<text" not in html and "font-size" not in html  # sized by the page's style at any width


def test_each_bar_is_its_share_of_the_longest():
    html = bar_chart("t", [("a", 50.0), ("b", 200.0), ("c", 0.0)])
    assert [float(w) for w in re.findall(r'<rect width="([\d.]+)"', html)] == [25.0, 100.0, 0.0]


def test_values_are_written_as_colombian_documents_write_them():
    html = bar_chart("t", [("Aprobado", 1134), ("Trámite · p90", 103.1), ("Alistamiento · mediana", 20.0)], " d")
    assert re.findall(r'<span class="bar-value">([^<]*)</span>', html) == ["1.134 d", "103,1 d", "20 d"]


def test_a_linked_bar_leads_to_its_plans_and_text_is_escaped():
    html = bar_chart("<t>", [("A & B", 1.0)], links=["/tablero?estado=aprobado&periodo=2024#planes"])
    assert '<a class="bar-row" href="/tablero?estado=aprobado&amp;periodo=2024#planes">' in html
    assert "A &amp; B" in html and 'aria-label="&lt;t&gt;"' in html


def test_the_value_column_is_as_wide_as_the_longest_value_and_the_stylesheet_declares_it():
    """Long amounts (pesos) never run off a phone's screen: the column takes the longest value's
    width, one for every row, by a class the stylesheet declares (a style attribute would be
    refused by the pages' policy)."""
    html = bar_chart("t", [("a", 1_939_757_256_000), ("b", 5)], figure=lambda v: f"${number(int(v))}")
    assert 'data-ancho="18"' in html and "style=" not in html  # "$1.939.757.256.000"
    assert 'data-ancho="5"' in bar_chart("t", [("a", 3)])  # never narrower than the declared minimum
    assert 'data-ancho="20"' in bar_chart("t", [("a", 1)], unit=" " + "x" * 40)  # nor wider than the maximum
    css = (STATIC_DIR / "kpt.css").read_text(encoding="utf-8")
    declared = {int(n) for n in re.findall(r'\.bars\[data-ancho="(\d+)"\] \{ --value-width:\1ch; \}', css)}
    assert declared == set(range(MIN_VALUE_CHARS, MAX_VALUE_CHARS + 1))
