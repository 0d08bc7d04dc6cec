"""The MGA catalog of products (sector → programa → producto), read from the DNP's file, searched
without regard to accents or case, and compared with a newer file.

The shipped copy is illustrative (data/PROVENANCE.md): a newer DNP file with the same columns
replaces it, and `catalog_diff` says what that changes.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from kpt_workflow.base.errors import DuplicateKey, InvalidInput
from kpt_workflow.reference.indicators import DATA_DIR

MGA_PRODUCTS = DATA_DIR / "mga_productos.csv"
MGA_COLUMNS = ("codigo_sector", "sector", "codigo_programa", "programa", "codigo_producto", "producto")
ILLUSTRATIVE = ("Copia ILUSTRATIVA del catálogo de productos de la MGA del DNP (vigencia no indicada); "
                "reemplácela importando el archivo oficial más reciente.")
_DIGITS = {"codigo_sector": 2, "codigo_programa": 4, "codigo_producto": 7}


@dataclass(frozen=True)
class Product:
    code: str
    name: str
    program_code: str
    program_name: str
    sector_code: str
    sector_name: str


def fold(text: str) -> str:
    """Lower case without accents, so that «ALCANTARILLADO», «alcantarillado» and «Alcantarilládo»
    are one word (NFKD splits a letter from its accent, which is then dropped)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_text(product: Product) -> str:
    """What a search looks in: the codes and names of the product, its program and its sector."""
    return fold(" ".join((product.code, product.name, product.program_code, product.program_name,
                          product.sector_code, product.sector_name)))


def words(query: str) -> list[str]:
    """A query's words, folded; each must appear in a product for it to be found."""
    return [w for w in re.split(r"\s+", fold(query)) if w][:10]


def read_products(text: str, source: str) -> list[Product]:
    """Every product of a catalog file, or the refusal of its first bad line (named, with the fix)."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    missing = [c for c in MGA_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(f"{source}: faltan las columnas {missing}; el catálogo MGA lleva {list(MGA_COLUMNS)}.",
                           line=1)
    seen: dict[str, int] = {}
    products = []
    for line, row in enumerate(reader, start=2):
        cells = {column: (row.get(column) or "").strip() for column in MGA_COLUMNS}
        _check(source, line, cells)
        code = cells["codigo_producto"]
        if code in seen:
            raise DuplicateKey(f"{source}, línea {line}: el producto {code} ya está en la línea {seen[code]}.",
                               line=line, field="codigo_producto")
        seen[code] = line
        products.append(Product(code, cells["producto"], cells["codigo_programa"], cells["programa"],
                                cells["codigo_sector"], cells["sector"]))
    if not products:
        raise InvalidInput(f"{source}: no trae ningún producto.", line=2)
    return products


def _check(source: str, line: int, cells: dict[str, str]) -> None:
    where = f"{source}, línea {line}"
    for column, length in _DIGITS.items():
        code = cells[column]
        if len(code) != length or not code.isascii() or not code.isdigit():
            raise InvalidInput(f"{where}: «{column}» '{code[:20]}' debe tener {length} dígitos.", line=line,
                               field=column)
    if not cells["codigo_programa"].startswith(cells["codigo_sector"]) \
            or not cells["codigo_producto"].startswith(cells["codigo_programa"]):
        raise InvalidInput(f"{where}: el producto {cells['codigo_producto']} debe empezar por su programa "
                           f"{cells['codigo_programa']}, y este por su sector {cells['codigo_sector']}.", line=line,
                           field="codigo_producto")
    for column in ("sector", "programa", "producto"):
        if not cells[column] or len(cells[column]) > 500:
            raise InvalidInput(f"{where}: «{column}» debe tener de 1 a 500 caracteres.", line=line, field=column)


def read_shipped() -> list[Product]:
    return read_products(MGA_PRODUCTS.read_text(encoding="utf-8"), MGA_PRODUCTS.name)


@dataclass(frozen=True)
class Change:
    """One code a new catalog adds, renames or removes (at the product, program or sector level)."""

    level: str  # producto | programa | sector
    code: str
    name: str
    old_name: str | None = None


def _names(products: Iterable[Product], level: str) -> dict[str, str]:
    if level == "producto":
        return {p.code: p.name for p in products}
    if level == "programa":
        return {p.program_code: p.program_name for p in products}
    return {p.sector_code: p.sector_name for p in products}


LEVELS = ("sector", "programa", "producto")


def catalog_diff(old: Iterable[Product], new: Iterable[Product]) -> dict[str, list[Change]]:
    """What a new catalog adds, renames and removes, level by level, in code order."""
    old, new = list(old), list(new)
    diff: dict[str, list[Change]] = {"added": [], "renamed": [], "removed": []}
    for level in LEVELS:
        before, after = _names(old, level), _names(new, level)
        diff["added"] += [Change(level, code, after[code]) for code in sorted(after.keys() - before.keys())]
        diff["removed"] += [Change(level, code, before[code]) for code in sorted(before.keys() - after.keys())]
        diff["renamed"] += [Change(level, code, after[code], before[code]) for code in sorted(after.keys() & before.keys())
                            if after[code] != before[code]]
    return diff
