"""The workflows a user may name (`kpt workflows`, GET /api/v1/workflows): read from the
definitions, the package's and those of KPT_DEFINITIONS_DIR, never listed in code."""

from kpt_workflow.lifecycle.engine import all_definitions, default_workflow, workflow


def list_workflows() -> list[dict[str, object]]:
    """Every version of every workflow: the default first, then by name; newest version first.
    `newest` marks the version new plans start under; `file` is the definition's file name."""
    default = default_workflow().definition.name
    definitions = sorted(all_definitions(), key=lambda d: (d.name != default, d.name, -d.version))
    return [{"name": d.name, "version": d.version, "title": d.title, "default": d.name == default,
             "newest": workflow(d.name).definition.version == d.version, "initial": d.initial,
             "file": workflow(d.name, d.version).source.name,
             "states": [{"name": s.name, "label": s.label, "terminal": s.terminal} for s in d.states]}
            for d in definitions]
