"""The package's static files (the pages' stylesheet, Swagger UI for /docs) under versioned URLs.

Cache-Control, chosen for slow links: a page names each file with its content's hash
(`/static/kpt.css?v=3f2a…`, `static_url`), and a request carrying the current hash is answered
`public, max-age=31536000, immutable`: the browser keeps the file a year and asks nothing on the
next page, not even a revalidation (a round trip that costs a phone on a rural link more than the
CSS itself). A release that changes a file changes its URL, so nobody keeps a stale copy. A request
without the current hash (an old bookmark, a hand-typed URL) gets `no-cache`: the browser may keep
the file but revalidates it each time with its ETag (a 304 when unchanged), so it is never stale.
"""

import hashlib
import os
from functools import cache
from urllib.parse import parse_qs

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from templates import TEMPLATES_DIR

STATIC_DIR = TEMPLATES_DIR / "static"
PREFIX = "/static"
KEPT = "public, max-age=31536000, immutable"
REVALIDATED = "no-cache"


def version(path: str) -> str:
    """The first 12 hex digits of the file's SHA-256 (re-read when its size or mtime changes)."""
    found = os.stat(STATIC_DIR / path)
    return _digest(path, found.st_size, found.st_mtime_ns)


@cache
def _digest(path: str, size: int, mtime_ns: int) -> str:
    return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:12]


def static_url(path: str) -> str:
    """Where a page links a static file: its path with its version (the templates' `static_url`)."""
    return f"{PREFIX}/{path}?v={version(path)}"


class VersionedStatic(StaticFiles):
    """StaticFiles (ETag, Last-Modified, 304s, ranges) plus the Cache-Control the URL earns."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v", [""])[0]
            response.headers["Cache-Control"] = KEPT if asked == version(path) else REVALIDATED
        return response
