"""Figures as Colombian documents write them, on the command line and the pages alike."""

import pytest

from kpt_workflow.base.figures import number


@pytest.mark.parametrize(("value", "written"), [
    (0, "0"), (999, "999"), (1134, "1.134"), (1_234_567, "1.234.567"), (-1134, "-1.134"),
    (20.0, "20"), (103.1, "103,1"), (1000.5, "1.000,5"), (61.94, "61,9"), (None, "—"),
])
def test_thousands_take_a_period_and_decimals_a_comma(value, written):
    assert number(value) == written
