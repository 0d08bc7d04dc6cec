"""How `kpt serve` runs uvicorn: the app's factory, the HTTP protocol of api/http_protocol.py and
the access log of api/access_log.py (bench/http.py serves its apps with the same options)."""

from typing import Any

from api.access_log import log_config
from api.http_protocol import HTTP_PROTOCOL

APP_FACTORY = "api.app:create_app"


def uvicorn_options() -> dict[str, Any]:
    """What `uvicorn.run` takes beside the app, its address and its workers."""
    return {"factory": True, "http": HTTP_PROTOCOL, "log_config": log_config()}
