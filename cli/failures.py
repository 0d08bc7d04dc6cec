"""The CLI's last line of defence: an exception no command turned into a refusal becomes a Spanish
message with a code and a hint (kpt_workflow.storage.failures), never a traceback."""

from sqlalchemy import make_url

from kpt_workflow.base.config import Settings
from kpt_workflow.base.errors import KptError
from kpt_workflow.storage.failures import operational_failure


class InternalError(KptError):
    """A defect of kpt-workflow, not of the data or the machine: reported with its type and text."""

    code = "error_interno"


def _database() -> str | None:
    """The database the command used, as the messages name it (never with its password)."""
    try:
        url = make_url(Settings().database_url)
    except Exception:  # settings that do not even parse: the failure at hand says more
        return None
    return url.database if url.get_backend_name() == "sqlite" else url.render_as_string(hide_password=True)


def as_refusal(error: Exception) -> KptError:
    """`error` as the KptError the user reads."""
    failure = operational_failure(error, _database())
    if failure is not None:
        return failure
    return InternalError(f"Falla inesperada de kpt-workflow ({type(error).__name__}: {str(error)[:300]}).",
                         hint="Es un defecto del programa: repórtelo con este mensaje y el comando que lo produjo.")
