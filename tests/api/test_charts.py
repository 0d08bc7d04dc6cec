"""The dashboard's inline SVG bars: every label fits left of its bar, on several lines if it must."""

import re

from api.pages.charts import bar_chart

LONGEST_LABEL = "Trámite ambiental y de planeación · p90"  # fits on one line
WRAPPED_LABEL = "Negado o archivado por la corporación · mediana"  # longer than half the chart


def test_the_bars_start_right_of_the_longest_label():
    svg = bar_chart("Tiempo en cada estado", [("Alistamiento · mediana", 20.0), (LONGEST_LABEL, 103.1)], " d")
    starts = {float(x) for x in re.findall(r'<rect x="([\d.]+)"', svg)}
    assert len(starts) == 1 and starts.pop() >= 7 * len(LONGEST_LABEL)  # ~7 units a character at font-size 13


def test_a_label_longer_than_its_room_is_written_whole_on_several_lines():
    svg = bar_chart("t", [("Aprobado", 806.0), (WRAPPED_LABEL, 5.0)], " d")
    lines = re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg)
    assert " ".join(lines[1:]) == WRAPPED_LABEL and len(lines) == 3
    room = float(re.search(r'<rect x="([\d.]+)"', svg).group(1)) - 8
    assert all(7 * len(line) <= room for line in lines)


def test_labels_never_take_more_than_half_the_chart():
    svg = bar_chart("t", [("x" * 200, 1.0)], width=640)
    assert float(re.search(r'<rect x="([\d.]+)"', svg).group(1)) == 320


def test_values_are_written_as_colombian_documents_write_them():
    svg = bar_chart("t", [("Aprobado", 1134), ("Trámite · p90", 103.1), ("Alistamiento · mediana", 20.0)], " d")
    assert [text for text in re.findall(r">([^<>]+ d)</text>", svg)] == ["1.134 d", "103,1 d", "20 d"]
