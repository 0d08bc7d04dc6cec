"""Security headers on every response: pages, API, errors, static files, the edge's own refusals.

The pages run no script and load nothing from elsewhere (charts are inline SVG), so their policy
allows only this origin. /docs loads Swagger UI from this origin too (api/docs.py) and starts it
with an inline script: it gets a policy of its own, naming that script's hash.
A header a route set itself is left as it is.
"""

import base64
import hashlib
import re

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.docs import DOCS_URL, docs_html

_NO_FRAMES = "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
PAGE_POLICY = f"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; {_NO_FRAMES}"
HSTS = "max-age=31536000"  # a year; subdomains are not ours to decide
ALWAYS = (
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"),
    ("cross-origin-opener-policy", "same-origin"),
)
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def inline_script_hashes(html: str) -> list[str]:
    """CSP sources ('sha256-…') for each inline <script> of a page."""
    return [f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
            for body in _INLINE_SCRIPT.findall(html)]


def docs_policies(app: FastAPI) -> dict[str, str]:
    """path -> policy for the interactive docs, built from the very page served there (api/docs.py):
    its scripts and styles from this origin only, its one inline script by hash; Swagger UI
    injects inline styles, hence 'unsafe-inline' for styles, there only."""
    return {DOCS_URL: f"default-src 'self'; script-src 'self' {' '.join(inline_script_hashes(docs_html(app)))}; "
                      f"style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; {_NO_FRAMES}"}


class SecurityHeaders:
    """`https_always`: the site is served over HTTPS only (KPT_SECURE_COOKIES): HSTS on every
    response. Otherwise a request that came over HTTPS (scheme https, set by uvicorn or, with
    KPT_TRUST_PROXY_HEADERS, from the proxy's X-Forwarded-Proto) gets HSTS and a Secure cookie."""

    def __init__(self, app: ASGIApp, *, https_always: bool, policies: dict[str, str]) -> None:
        self.app = app
        self.https_always = https_always
        self.policies = policies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = self.policies.get(scope["path"], PAGE_POLICY)
        https = self.https_always or scope["scheme"] == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS:
                    headers.setdefault(name, value)
                headers.setdefault("content-security-policy", policy)
                if https:
                    headers.setdefault("strict-transport-security", HSTS)
                    message["headers"] = [_secure_cookie(name, value) for name, value in message["headers"]]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _secure_cookie(name: bytes, value: bytes) -> tuple[bytes, bytes]:
    """A cookie set over HTTPS is marked Secure, so the browser never sends it over plain HTTP."""
    if name.lower() != b"set-cookie" or any(a.strip().lower() == b"secure" for a in value.split(b";")[1:]):
        return name, value
    return name, value + b"; secure"
