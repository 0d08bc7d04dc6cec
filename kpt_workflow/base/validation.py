"""Pydantic validation errors as Spanish messages that name the key and the value to fix. Every
error type pydantic can raise has its Spanish wording here, or the generic one: never pydantic's
English `msg`."""

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError, field_validator
from pydantic_core import ErrorDetails

from kpt_workflow.base.errors import DefinitionError
from kpt_workflow.base.figures import number
from kpt_workflow.base.yaml_files import read_yaml

Catalog = TypeVar("Catalog", bound=BaseModel)

IDENTIFIER = r"^[a-z][a-z0-9_]*$"  # the pattern of codes in definitions and catalogs
EMAIL = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"  # a mail address as a relay takes it: one @, a dotted domain, no spaces
SHOWN = 60  # characters of an offending value repeated in a message: enough to recognise it
SHOWN_TYPES = (str, int, float, Decimal, date)  # values worth repeating in a message
GENERIC = "no es un valor válido para este campo"

_NUMBER = "debe ser un número"
_WHOLE = "debe ser un número entero"
_TEXT = "debe ser texto"
_OBJECT = "debe ser un objeto con campos"
_LIST = "debe ser una lista"
_DATE = "debe ser una fecha AAAA-MM-DD"
_MESSAGES = {
    "missing": "falta este campo",
    "extra_forbidden": "campo desconocido; quítelo o corrija su nombre",
    "string_type": _TEXT, "string_unicode": "debe ser texto Unicode válido", "bytes_type": _TEXT,
    "string_not_ascii": "debe ser texto ASCII",
    "int_type": _WHOLE, "int_parsing": _WHOLE, "int_from_float": _WHOLE,
    "int_parsing_size": "es un número demasiado grande",
    "bool_type": "debe ser true o false", "bool_parsing": "debe ser true o false",
    "decimal_parsing": _NUMBER, "decimal_type": _NUMBER, "float_parsing": _NUMBER, "float_type": _NUMBER,
    "finite_number": "debe ser un número finito",
    "list_type": _LIST, "tuple_type": _LIST, "set_type": _LIST, "frozen_set_type": _LIST, "deque_type": _LIST,
    "iterable_type": _LIST, "iteration_error": "no se pudo recorrer como lista",
    "dict_type": _OBJECT, "model_type": _OBJECT, "model_attributes_type": _OBJECT, "mapping_type": _OBJECT,
    "dataclass_type": _OBJECT, "dataclass_exact_type": _OBJECT, "arguments_type": _OBJECT,
    "json_invalid": "el cuerpo no es JSON válido", "json_type": "debe ser texto JSON",
    "date_type": _DATE, "date_parsing": _DATE, "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": "debe ser una fecha sin hora", "date_past": "debe ser una fecha pasada",
    "date_future": "debe ser una fecha futura",
    "datetime_type": "debe ser una fecha y hora ISO 8601", "datetime_parsing": "debe ser una fecha y hora ISO 8601",
    "datetime_from_date_parsing": "debe ser una fecha y hora ISO 8601",
    "datetime_object_invalid": "no es una fecha y hora válida", "datetime_past": "debe ser una fecha pasada",
    "datetime_future": "debe ser una fecha futura", "time_type": "debe ser una hora HH:MM[:SS]",
    "time_parsing": "debe ser una hora HH:MM[:SS]", "timezone_naive": "no debe llevar zona horaria",
    "timezone_aware": "debe llevar zona horaria", "timezone_offset": "tiene una zona horaria distinta de la esperada",
    "time_delta_type": "debe ser una duración", "time_delta_parsing": "debe ser una duración",
    "url_type": "debe ser una URL", "url_parsing": "no es una URL válida", "url_syntax_violation": "no es una URL válida",
    "uuid_type": "debe ser un UUID", "uuid_parsing": "no es un UUID válido",
    "none_required": "debe omitirse o ser null", "missing_argument": "falta este campo",
    "missing_keyword_only_argument": "falta este campo", "missing_positional_only_argument": "falta este campo",
    "unexpected_keyword_argument": "campo desconocido; quítelo o corrija su nombre",
    "unexpected_positional_argument": "sobra este valor", "multiple_argument_values": "se dio dos veces",
    "union_tag_invalid": "no es de un tipo admitido aquí", "union_tag_not_found": "le falta el campo que dice su tipo",
    "recursion_loop": "está anidado demasiado hondo", "recursion_depth_exceeded": "está anidado demasiado hondo",
    "frozen_field": "no se puede cambiar", "frozen_instance": "no se puede cambiar",
}

# Our validators raise ValueError in Spanish; these are raised by libraries, in English (FastAPI's
# UploadFile, when a form sends text where a file goes).
_FOREIGN_VALUE_ERRORS = {"Expected UploadFile": "debe ser un archivo adjunto"}


def _amount(value: Any) -> str:
    return number(value) if isinstance(value, int) and not isinstance(value, bool) else str(value)


def _sized(context: dict[str, Any], key: str, what: str) -> str:
    return f"{_amount(context.get(key, '?'))} {what}"


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    context: dict[str, Any] = dict(error.get("ctx") or {})
    if kind == "value_error" and "error" in context:
        text = str(context["error"])
        return next((spanish for prefix, spanish in _FOREIGN_VALUE_ERRORS.items() if text.startswith(prefix)), text)
    if kind == "string_pattern_mismatch":
        pattern = context.get("pattern", "")
        if pattern == IDENTIFIER:
            return "no es un identificador válido (minúsculas, dígitos y _, empezando por una letra)"
        return f"no tiene el formato esperado (expresión {pattern})"
    if kind in ("literal_error", "enum"):
        return f"debe ser uno de {context.get('expected', '…')}"
    bounds = {"greater_than": ("gt", ">"), "greater_than_equal": ("ge", "≥"), "less_than": ("lt", "<"),
              "less_than_equal": ("le", "≤"), "multiple_of": ("multiple_of", "múltiplo de")}
    if kind in bounds:
        key, sign = bounds[kind]
        return f"debe ser {sign} {_amount(context.get(key, '?'))}"
    if kind in ("too_short", "string_too_short", "bytes_too_short"):
        if context.get("min_length", 1) == 1:
            return "no puede estar vacío"
        what = "caracteres" if kind != "too_short" else "elementos"
        return f"debe tener al menos {_sized(context, 'min_length', what)}"
    if kind in ("too_long", "string_too_long", "bytes_too_long", "url_too_long"):
        what = "elementos" if kind == "too_long" else "caracteres"
        return f"admite a lo sumo {_sized(context, 'max_length', what)}"
    if kind == "decimal_max_digits":
        return f"admite a lo sumo {_sized(context, 'max_digits', 'dígitos')}"
    if kind == "decimal_max_places":
        return f"admite a lo sumo {_sized(context, 'decimal_places', 'decimales')}"
    if kind == "decimal_whole_digits":
        return f"admite a lo sumo {_sized(context, 'whole_digits', 'dígitos antes del punto decimal')}"
    if kind == "url_scheme":
        return f"debe ser una URL {context.get('expected_schemes', '')}".rstrip()
    return _MESSAGES.get(kind, GENERIC)


def describe(exc: ValidationError) -> tuple[str, str]:
    """(key, Spanish message with the offending value) for the first error."""
    return describe_error(exc.errors()[0])


def _where(location: tuple[int | str, ...]) -> str:
    """('transitions', 0, 'trigger') -> 'transitions[0].trigger'."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(raíz)"


def _shown(value: Any) -> str:
    """The offending value, cut short: an input may be a megabyte of text or a 4,000-digit number."""
    if isinstance(value, int) and value.bit_length() > 4 * SHOWN:
        return f"un número de más de {SHOWN} cifras"
    text = repr(value[: SHOWN + 1] if isinstance(value, str) else value)
    return text if len(text) <= SHOWN else f"{text[:SHOWN]}…"


def describe_error(error: ErrorDetails) -> tuple[str, str]:
    value = error.get("input")
    # Only a value as its sender typed it is repeated: never a structure, nor an object's Python repr
    # (an uploaded file where text was expected would show "UploadFile(filename=…, headers=…)").
    if error["type"] in ("missing", "json_invalid") or not isinstance(value, SHOWN_TYPES):
        shown = ""
    else:
        shown = f" (valor: {_shown(value)})"
    return _where(tuple(error["loc"])), f"{_message(error)}{shown}"


NUL_MESSAGE = "contiene el carácter nulo (\\u0000), que ningún texto admite"


def has_nul(value: object) -> bool:
    """PostgreSQL cannot store text holding U+0000 (a DataError: a 500), and no field means one."""
    return isinstance(value, str) and "\x00" in value


class TextInput(BaseModel):
    """The base of every input model: no text field, at any depth, holds a NUL."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if has_nul(value) or (isinstance(value, tuple | list) and any(has_nul(v) for v in value)):
            raise ValueError(NUL_MESSAGE)
        return value


def repeated(codes: Sequence[str]) -> list[str]:
    """The codes written more than once, sorted: a catalog's keys must each be its own."""
    return sorted({code for code in codes if codes.count(code) > 1})


def read_catalog(path: Path, model: type[Catalog], codes: Callable[[Catalog], Sequence[str]], where: str) -> Catalog:
    """A shipped YAML catalog as `model` validates it, with its `codes` (listed at `where`) unique;
    any error names the file, the key and the fix."""
    try:
        catalog = model.model_validate(read_yaml(path))
    except ValidationError as exc:
        place, message = describe(exc)
        raise DefinitionError(f"{path}: {place}: {message}.") from exc
    twice = repeated(codes(catalog))
    if twice:
        raise DefinitionError(f"{path}: {where}: código repetido {twice}; cada código debe ser único.")
    return catalog
