"""The dashboard's inline SVG bars: every label fits left of its bar."""

import re

from api.pages.charts import bar_chart

LONGEST_LABEL = "Trámite ambiental y de planeación · p90"  # the dashboard's longest, in its dwell chart


def test_the_bars_start_right_of_the_longest_label():
    svg = bar_chart("Tiempo en cada estado", [("Alistamiento · mediana", 20.0), (LONGEST_LABEL, 103.1)], " d")
    starts = {float(x) for x in re.findall(r'<rect x="([\d.]+)"', svg)}
    assert len(starts) == 1 and starts.pop() >= 7 * len(LONGEST_LABEL)  # ~7 units a character at font-size 13


def test_labels_never_take_more_than_half_the_chart():
    svg = bar_chart("t", [("x" * 200, 1.0)], width=640)
    assert float(re.search(r'<rect x="([\d.]+)"', svg).group(1)) == 320


def test_values_are_written_as_colombian_documents_write_them():
    svg = bar_chart("t", [("Aprobado", 1134), ("Trámite · p90", 103.1), ("Alistamiento · mediana", 20.0)], " d")
    assert [text for text in re.findall(r">([^<>]+ d)</text>", svg)] == ["1.134 d", "103,1 d", "20 d"]
