"""Figures as Colombian documents write them, wherever people read them: the terminal, the pages
and their charts say 1.134 planes and 103,1 días alike (exports keep numbers as numbers); days are
written by `kpt_workflow.law.calendar` (15 de junio de 2024, 15/06/2024)."""

_COLOMBIAN = str.maketrans(",.", ".,")


def number(value: float | None) -> str:
    """A figure as Colombian documents write it: thousands with a period, decimals (one, when there
    are any) with a comma: 1.134, 103,1, 20; none as a dash."""
    if value is None:
        return "—"
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}".removesuffix(".0")
    return text.translate(_COLOMBIAN)


def amount(count: int, singular: str, plural: str | None = None) -> str:
    """A count with its noun agreed: 1 eje, 2 ejes, 1.134 entidades (`plural`: when adding an s
    is wrong, as in 1 acción, 2 acciones)."""
    return f"{number(count)} {singular if count == 1 else plural or singular + 's'}"


def exact(value: float | None) -> str:
    """A published figure with every decimal its source gave (5,14 %, 2.616.335): `number` rounds
    to one decimal, which would change a source's value; none as a dash."""
    if value is None:
        return "—"
    if isinstance(value, int) or float(value).is_integer():
        return number(int(value))
    whole, _, decimals = f"{abs(value):.6f}".rstrip("0").partition(".")  # values carry at most 6 decimals
    return f"{'-' if value < 0 else ''}{number(int(whole))},{decimals}"
