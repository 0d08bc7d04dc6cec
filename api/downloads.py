"""A stored document sent as a download, its bytes proved first: the API's download and the public
page's share it."""

from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse

from api.deps import client_address
from api.runtime import Runtime
from api.uploads import content_disposition, file_chunks
from kpt_workflow.audit import blob_check, security_log
from kpt_workflow.storage.unit_of_work import UnitOfWork


def verified_download(rt: Runtime, request: Request, document: dict[str, Any], who: str, what: str,
                      fallback_name: str) -> StreamingResponse:
    """The bytes are checked against their SHA-256 and size before the first one is sent, and sent
    from the handle that was checked (see blob_check.open_verified); an altered or missing file is
    refused and the refusal goes to the security log under `who` (why there:
    kpt_workflow/audit/security_log.py)."""
    try:
        handle = blob_check.open_verified(rt.blobs, document["sha256"], document["size"], what)
    except (blob_check.DocumentAltered, blob_check.DocumentMissing) as refused:
        with UnitOfWork(rt.engine, write=True) as uow:
            security_log.record(uow.connection, refused.code, who, client_address=client_address(request),
                                detail=f"{what} (sha256 {document['sha256']})")
            uow.commit()
        raise
    # Always a download, typed as its bytes were proved at filing, and never sniffed by the browser.
    headers = {"Content-Disposition": content_disposition(document["filename"] or fallback_name),
               "X-Content-Type-Options": "nosniff", "Content-Length": str(document["size"])}
    return StreamingResponse(file_chunks(handle), media_type=document["media_type"] or "application/octet-stream",
                             headers=headers)

