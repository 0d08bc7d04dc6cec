"""What went wrong with the machine rather than the request — a database missing, locked or
read-only, a full disk, PostgreSQL down or refusing the credentials — as a KptError with a stable
code, a Spanish message and a hint. One function, for the CLI (`cli.failures`) and
the server (api/errors.py), so both say the same thing about the same failure."""

import errno
import resource
import shutil
import sqlite3
from pathlib import Path

from sqlalchemy import exc as sa

from kpt_workflow.base.errors import KptError


class OperationalFailure(KptError):
    """The operation could not run: nothing was recorded. `code` is one of FAILURES' keys."""

    def __init__(self, code: str, where: str | None, cause: str) -> None:
        message, hint = FAILURES[code]
        super().__init__(message.format(where=where or "de datos"), hint=hint, cause=cause)
        self.code = code


# code → (message, hint). `{where}`: the database's file or address.
FAILURES: dict[str, tuple[str, str]] = {
    "base_inexistente": ("La base {where} no existe o está vacía.",
                         "Créela con `kpt init` (o `kpt demo`); en PostgreSQL, cree antes la base vacía (createdb)."),
    "base_inaccesible": ("No se pudo abrir la base {where}: el archivo o su carpeta no existen o no se pueden leer.",
                         "Revise KPT_DATABASE_URL y los permisos de la carpeta; una base nueva se crea con `kpt init`."),
    "base_bloqueada": ("La base {where} está bloqueada: otro proceso la está escribiendo y no la soltó a tiempo.",
                       "Espere a que termine (una copia de respaldo, otro `kpt`) y repita; nada se registró."),
    "base_solo_lectura": ("La base {where} es de solo lectura: no se pudo escribir en ella.",
                          "Dé permiso de escritura al archivo y a su carpeta (SQLite crea allí sus archivos -wal y "
                          "-shm), o monte el disco en lectura y escritura; nada se registró."),
    "disco_lleno": ("No queda espacio en el disco (o se alcanzó el tamaño máximo de archivo permitido).",
                    "Libere espacio en el disco de la base y de la carpeta de datos y repita; nada se registró."),
    "error_de_disco": ("El disco devolvió un error de lectura o escritura.",
                       "Revise el disco (dmesg, SMART) y verifique la base con `kpt audit verify`; nada se registró."),
    "base_danada": ("La base {where} no es una base de SQLite legible o está dañada.",
                    "Restáurela desde una copia de respaldo y verifíquela con `kpt audit verify`."),
    "postgres_no_responde": ("PostgreSQL no responde en {where}.",
                             "Revise que el servidor esté en marcha y que la dirección y el puerto de "
                             "KPT_DATABASE_URL sean los correctos."),
    "postgres_rechaza_credenciales": ("PostgreSQL rechazó el usuario o la contraseña de {where}.",
                                      "Revise el usuario y la contraseña de KPT_DATABASE_URL (y que el rol exista)."),
    "disco_solo_lectura": ("El sistema de archivos está montado en solo lectura: no se pudo escribir.",
                           "Monte el disco de la base y de la carpeta de datos en lectura y escritura; nada se "
                           "registró."),
    "permiso_denegado": ("El sistema operativo negó el acceso a un archivo.",
                         "Revise los permisos del archivo y de su carpeta para el usuario que ejecuta kpt."),
    "error_de_archivo": ("Falló una operación de archivo.",
                         "Revise que la ruta exista y sea accesible; nada se registró."),
}

_SQLITE = {"SQLITE_BUSY": "base_bloqueada", "SQLITE_LOCKED": "base_bloqueada", "SQLITE_READONLY": "base_solo_lectura",
           "SQLITE_FULL": "disco_lleno", "SQLITE_IOERR": "error_de_disco", "SQLITE_CANTOPEN": "base_inaccesible",
           "SQLITE_NOTADB": "base_danada", "SQLITE_CORRUPT": "base_danada", "SQLITE_PERM": "base_solo_lectura"}
_ERRNO = {errno.ENOSPC: "disco_lleno", errno.EDQUOT: "disco_lleno", errno.EFBIG: "disco_lleno",
          errno.EROFS: "disco_solo_lectura", errno.EACCES: "permiso_denegado", errno.EPERM: "permiso_denegado",
          errno.EIO: "error_de_disco"}
# PostgreSQL's SQLSTATEs, then the texts of libpq's connection failures (which carry none).
_PG_STATES = {"28P01": "postgres_rechaza_credenciales", "28000": "postgres_rechaza_credenciales",
              "3D000": "base_inexistente", "53100": "disco_lleno", "25006": "base_solo_lectura",
              "57P01": "postgres_no_responde", "57P03": "postgres_no_responde"}
_PG_TEXTS = ((("password authentication failed",), "postgres_rechaza_credenciales"),
             (("no password supplied",), "postgres_rechaza_credenciales"),
             (("role \"", "does not exist"), "postgres_rechaza_credenciales"),
             (("database \"", "does not exist"), "base_inexistente"))


def _sqlite_code(error: sqlite3.Error) -> str | None:
    name = getattr(error, "sqlite_errorname", "") or ""
    for prefix, code in _SQLITE.items():
        if name == prefix or name.startswith(prefix + "_"):
            return code
    return None


def _postgres_code(error: BaseException) -> str | None:
    """Only psycopg's OperationalError (connection and server state): its other errors are bugs."""
    state = getattr(error, "sqlstate", None)
    if state in _PG_STATES:
        return _PG_STATES[state]
    if type(error).__name__ != "OperationalError" and not (state or "").startswith("08"):
        return None
    text = str(error)
    for fragments, code in _PG_TEXTS:
        if all(fragment in text for fragment in fragments):
            return code
    return "postgres_no_responde" if state is None or state.startswith("08") else None


def failure_code(error: BaseException) -> str | None:
    """The stable code of an operational failure, or None when `error` is not one (a bug)."""
    if isinstance(error, sa.DBAPIError) and error.orig is not None:
        return failure_code(error.orig) or ("postgres_no_responde" if error.connection_invalidated else None)
    if isinstance(error, sqlite3.Error):
        return _sqlite_code(error)
    if type(error).__module__.startswith("psycopg"):
        return _postgres_code(error)
    if isinstance(error, OSError):
        return _ERRNO.get(error.errno or 0, "error_de_archivo")
    return None


MIN_FREE_BYTES = 16 * 2**20  # below this, a failed write is put down to the full disk


def _no_room(where: str | None) -> bool:
    """Whether files cannot grow here: a file size limit (ulimit -f) or a nearly full disk. SQLite
    reports a write refused for either as a plain I/O error (SQLITE_IOERR_WRITE, _SHMSIZE), only
    ENOSPC as SQLITE_FULL."""
    if resource.getrlimit(resource.RLIMIT_FSIZE)[0] != resource.RLIM_INFINITY:
        return True
    folder = Path(where).parent if where else Path.cwd()
    try:
        return shutil.disk_usage(folder if folder.is_dir() else Path.cwd()).free < MIN_FREE_BYTES
    except OSError:
        return False


def operational_failure(error: BaseException, where: str | None = None) -> OperationalFailure | None:
    """`error` as the failure a user reads, or None when it is no operational failure. `where`:
    the database's file or address, to name it and to look at its disk."""
    code = failure_code(error)
    if code is None:
        return None
    if code == "error_de_disco" and _no_room(where):
        code = "disco_lleno"
    cause = getattr(error, "orig", None) or error
    return OperationalFailure(code, where, _first_line(cause))


_OS_WORDS = {errno.ENOENT: "no existe", errno.EACCES: "permiso denegado", errno.EPERM: "operación no permitida",
             errno.ENOSPC: "no queda espacio en el disco", errno.EDQUOT: "cuota de disco agotada",
             errno.EROFS: "sistema de archivos de solo lectura", errno.EFBIG: "archivo demasiado grande",
             errno.EIO: "error de entrada/salida", errno.EISDIR: "es una carpeta", errno.ENOTDIR: "no es una carpeta"}


def _first_line(error: BaseException) -> str:
    """The cause in one line: an OS error in Spanish with its file; a driver's first line as it is."""
    if isinstance(error, OSError) and error.errno is not None:
        what = _OS_WORDS.get(error.errno, errno.errorcode.get(error.errno, str(error.errno)))
        return f"{error.filename}: {what}" if error.filename else what
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
