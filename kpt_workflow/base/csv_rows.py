"""Reference CSV files: checked for their columns before any row is read, rows numbered as a
spreadsheet shows them (the header is line 1), so a refusal can name the line."""

import csv
from pathlib import Path

from kpt_workflow.base.errors import InvalidInput


def numbered_rows(path: Path, columns: tuple[str, ...], what: str) -> list[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise InvalidInput(f"{path.name}: faltan las columnas {missing}; {what} lleva {list(columns)}.")
        return list(enumerate(reader, start=2))
