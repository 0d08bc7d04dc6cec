"""YAML data files (definitions, catalogs): strict parsing with errors that name file and line."""

from pathlib import Path

import yaml

from kpt_workflow.base.errors import DefinitionError


class _StrictLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a key written twice (safe_load silently keeps the last)."""


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode) -> dict[object, object]:
    keys = [loader.construct_object(key, deep=True) for key, _ in node.value]
    for (key_node, _), key in zip(node.value, keys):
        if keys.count(key) > 1:
            raise yaml.constructor.ConstructorError(None, None, f"la clave '{key}' está repetida", key_node.start_mark)
    return loader.construct_mapping(node, deep=True)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def read_yaml(path: Path) -> object:
    """Parse a YAML data file, naming the file and line of any syntax error or repeated key."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise DefinitionError(f"{path}: el archivo no existe.") from exc
    return parse_yaml(text, str(path))


def parse_yaml(text: str, source: str) -> object:
    """Parse YAML text (a file's, or one uploaded), naming `source` and the line of any error."""
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"línea {mark.line + 1}" if mark else "sintaxis"
        raise DefinitionError(f"{source}: {where}: YAML inválido ({getattr(exc, 'problem', exc)}).") from exc
