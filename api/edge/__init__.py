"""What every request meets before the app: pure ASGI middlewares (no buffering, so streamed
responses stream), one module per concern. From the outside in:

    ProxyHeadersMiddleware  (uvicorn's; only with KPT_TRUST_PROXY_HEADERS) X-Forwarded-Proto -> scheme
    SecurityHeaders         only decorates what is sent, so every response carries the headers,
                            the refusals below and Starlette's rare 500 included
    BodyLimits              before anything reads the body, authenticates or touches the database
    NulInRequest            a NUL in the path or query, which no identifier holds (api/edge/nul.py)
    Compression             gzip for what compresses, streamed; weak ETags on what it compressed
    ... Starlette's ServerErrorMiddleware, SessionMiddleware ...
    CrossSiteWrites         inside the session middleware, whose session it reads (api/app.py)
"""

from fastapi import FastAPI
from starlette.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.edge.compression import Compression
from api.edge.headers import SecurityHeaders, docs_policies
from api.edge.limits import BodyLimits
from api.edge.nul import NulInRequest
from kpt_workflow.base.config import Settings


def outside(app: FastAPI, settings: Settings, stack: ASGIApp) -> ASGIApp:
    """`stack` (the app with Starlette's own middlewares) inside the edge."""
    limited = BodyLimits(NulInRequest(Compression(stack)), document_bytes=settings.max_document_bytes,
                         json_bytes=settings.max_json_bytes)
    guarded = SecurityHeaders(limited, https_always=settings.secure_cookies, policies=docs_policies(app))
    return ProxyHeadersMiddleware(guarded, trusted_hosts="*") if settings.trust_proxy_headers else guarded
