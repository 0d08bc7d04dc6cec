"""The edge's own answers, shaped as api/errors.py shapes the app's: JSON {"code", "detail"}."""

from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send


async def refuse(scope: Scope, receive: Receive, send: Send, status: int, code: str, detail: str,
                 headers: dict[str, str] | None = None) -> None:
    """Sent from outside the app, where its exception handlers cannot help."""
    await JSONResponse({"code": code, "detail": detail}, status_code=status, headers=headers)(scope, receive, send)
