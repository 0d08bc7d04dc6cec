"""Errors are values with a stable code and a Spanish message; one place maps them to HTTP."""


class KptError(Exception):
    """Base of every refusal the user should read: `code` is stable, `message` is Spanish."""

    code = "kpt_error"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(KptError):
    code = "not_found"


class PlanNotFound(NotFound):
    """The plan does not exist, or not for this actor: a page answers it with its 404, where it
    answers other refusals of a form with a notice on the plan."""


class InvalidInput(KptError):
    code = "invalid_input"


class ActsOutOfOrder(KptError):
    """An act dated before the act it answers (a concept before its radicado), whichever of the
    two was recorded first: one of the two dates is wrong, and only the user knows which."""

    code = "actos_fuera_de_orden"


class PlanNotAllowed(KptError):
    """The entity exists but makes no PDT of its own (áreas no municipalizadas, San Andrés island)."""

    code = "entity_without_pdt"


class PlanExists(KptError):
    code = "plan_exists"


class PlanVersionConflict(KptError):
    """The plan changed since the caller read it: nothing was written."""

    code = "plan_version_conflict"


class UnknownTrigger(KptError):
    code = "unknown_trigger"


class GuardFailed(KptError):
    """A step was refused; `details['checklist']` holds every rule outcome."""

    code = "guard_failed"


class DefinitionError(KptError):
    """A workflow definition file is invalid: the message names the file, the key and the fix."""

    code = "definition_invalid"


class AlreadyExists(KptError):
    code = "already_exists"


class Unauthorized(KptError):
    """No valid credentials were given."""

    code = "unauthorized"


class Forbidden(KptError):
    """The actor sees the object but its role may not do this to it."""

    code = "forbidden"


class IdempotencyKeyReused(KptError):
    """The same Idempotency-Key came with a different request."""

    code = "idempotency_key_reused"


class EmptyFile(InvalidInput):
    code = "empty_file"


class FileTooLarge(InvalidInput):
    code = "file_too_large"


class UnsupportedFile(InvalidInput):
    code = "unsupported_media_type"


class FormatNotAccepted(UnsupportedFile):
    """The file is a PDF, XLSX, DOCX or CSV, but not one its document type accepts."""

    code = "format_not_accepted"


class ArchiveRejected(InvalidInput):
    """An XLSX/DOCX refused for its archive: a zip bomb, too many entries, an unsafe part name."""

    code = "archive_rejected"


class UnknownTerritory(InvalidInput):
    """A row of a data file names a territory the DIVIPOLA registry does not hold."""

    code = "entidad_desconocida"


class DuplicateKey(InvalidInput):
    """A data file gives the same key twice (an indicator of a territory in a year; a product code)."""

    code = "clave_repetida"


class NotANumber(InvalidInput):
    """A value that must be a number is not one."""

    code = "valor_no_numerico"
