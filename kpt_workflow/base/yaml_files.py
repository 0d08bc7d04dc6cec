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
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)  # noqa: S506 (a SafeLoader)
    except FileNotFoundError as exc:
        raise DefinitionError(f"{path}: el archivo no existe.") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"línea {mark.line + 1}" if mark else "sintaxis"
        raise DefinitionError(f"{path}: {where}: YAML inválido ({getattr(exc, 'problem', exc)}).") from exc
