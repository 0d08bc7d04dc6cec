"""The documents' rows reach the fold as one JSON text, in whatever order the database aggregated
them: the fold must not depend on that order (a deadline is met by the FIRST filing)."""

import json
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from kpt_workflow.facts import FILED, WITHDRAWN
from kpt_workflow.recorder import _folded_documents

ROWS = [
    ["acta_ctp", 1, FILED, "2024-03-01", None],
    ["acta_ctp", 2, WITHDRAWN, "2024-03-10", None],
    ["acta_ctp", 3, FILED, "2024-04-02", "CTP-7"],
    ["proyecto_pdt", 1, FILED, "2024-02-29", None],
]


@given(st.permutations(ROWS))
def test_the_fold_of_the_documents_does_not_depend_on_the_order_of_their_rows(rows: list[list[object]]) -> None:
    facts = _folded_documents(json.dumps(rows))

    ctp = facts.get("acta_ctp")
    assert ctp is not None
    assert (ctp.version, ctp.status, ctp.number) == (3, FILED, "CTP-7")
    assert ctp.legal_date == date(2024, 4, 2) and ctp.first_filed_on == date(2024, 3, 1)
    assert facts.get("proyecto_pdt") is not None
