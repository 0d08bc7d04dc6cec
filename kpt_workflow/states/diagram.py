"""Mermaid text of a workflow, generated from its definition (never drawn by hand)."""

from kpt_workflow.states.schema import DefinitionSpec


def mermaid(definition: DefinitionSpec) -> str:
    lines = ["stateDiagram-v2", f"    %% {definition.title}: definición '{definition.name}' versión {definition.version}"]
    lines += [f'    state "{s.label}" as {s.name}' for s in definition.states]
    lines.append(f"    [*] --> {definition.initial}")
    for t in definition.transitions:
        lines.append(f"    {t.source} --> {t.dest}: {t.trigger} [{', '.join(t.rules)}]")
    lines += [f"    {s.name} --> [*]" for s in definition.states if s.terminal]
    side = [s.name for s in definition.states if s.side]
    if side:  # off the main path (`side: true`): drawn apart, dashed
        lines += ["    classDef side stroke-dasharray: 5 5", f"    class {','.join(side)} side"]
    return "\n".join(lines) + "\n"
