"""Pydantic validation errors as Spanish messages that name the key and the value to fix."""

from pydantic import ValidationError
from pydantic_core import ErrorDetails

IDENTIFIER = r"^[a-z][a-z0-9_]*$"  # the pattern of codes in definitions and catalogs

_MESSAGES = {
    "missing": "falta este campo",
    "extra_forbidden": "campo desconocido; quítelo o corrija su nombre",
    "string_type": "debe ser texto",
    "int_type": "debe ser un número entero",
    "int_parsing": "debe ser un número entero",
    "int_from_float": "debe ser un número entero",
    "bool_type": "debe ser true o false",
    "bool_parsing": "debe ser true o false",
    "decimal_parsing": "debe ser un número",
    "decimal_type": "debe ser un número",
    "float_parsing": "debe ser un número",
    "list_type": "debe ser una lista",
    "tuple_type": "debe ser una lista",
    "dict_type": "debe ser un objeto con campos",
    "model_type": "debe ser un objeto con campos",
    "model_attributes_type": "debe ser un objeto con campos",
    "json_invalid": "el cuerpo no es JSON válido",
    "too_short": "no puede estar vacío",
    "finite_number": "debe ser un número finito",
    "string_too_short": "no puede estar vacío",
}


def _where(location: tuple[int | str, ...]) -> str:
    """('transitions', 0, 'trigger') -> 'transitions[0].trigger'."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(raíz)"


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind == "value_error":
        return str(context.get("error", error["msg"]))
    if kind == "string_pattern_mismatch":
        pattern = context.get("pattern", "")
        if pattern == IDENTIFIER:
            return "no es un identificador válido (minúsculas, dígitos y _, empezando por una letra)"
        return f"no tiene el formato esperado (expresión {pattern})"
    if kind == "literal_error":
        return f"debe ser uno de {context.get('expected')}"
    if kind in ("greater_than_equal", "less_than_equal"):
        sign = "≥" if kind == "greater_than_equal" else "≤"
        return f"debe ser {sign} {context.get('ge', context.get('le'))}"
    return _MESSAGES.get(kind, error["msg"])


def describe(exc: ValidationError) -> tuple[str, str]:
    """(key, Spanish message with the offending value) for the first error."""
    return describe_error(exc.errors()[0])


def describe_error(error: ErrorDetails) -> tuple[str, str]:
    value = error.get("input")
    shown = "" if error["type"] == "missing" or isinstance(value, (dict, list, bytes)) else f" (valor: {value!r})"
    return _where(tuple(error["loc"])), f"{_message(error)}{shown}"
