"""The roles a user may hold, and the local operator of the command line: said once, read by the
workflow definitions (`by:`), the access policy, the accounts and the faces."""

PLANEACION, CORPORACION, DEPARTAMENTO, DNP, ADMIN = "planeacion", "corporacion", "departamento", "dnp", "admin"
ROLES = (PLANEACION, CORPORACION, DEPARTAMENTO, DNP, ADMIN)
ENTITY_ROLES = (PLANEACION, CORPORACION, DEPARTAMENTO)
"""Roles that belong to one territorial entity (a department's users oversee its municipalities)."""

OPERADOR = "operador"
"""Whoever runs `kpt` on the machine without `--as`: it holds the database itself, so the policy
lets it act for any role; the audit records it as `cli:<system user>`. No user can hold it."""

OPERATOR_ACTOR, SYNTHETIC_ACTOR = "cli", "sintetico"
"""How the audit names who acted when no user did: `cli:<system user>` (the local operator) and
`sintetico:<role>` (the synthetic demo's office or council of each entity)."""

ROLE_LABELS = {
    PLANEACION: "Oficina de planeación", CORPORACION: "Concejo o asamblea", DEPARTAMENTO: "Departamento",
    DNP: "DNP", ADMIN: "Administración", OPERADOR: "Operador local",
}
