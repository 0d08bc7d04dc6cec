"""gzip on what compresses (a big page, JSON, a streamed CSV download) without breaking what must
not change (an already compressed download keeps its bytes and its Content-Length; ETags become
weak and still validate); static files under versioned URLs are kept a year, others revalidated."""

import gzip
import re

from api.static_files import KEPT, REVALIDATED, static_url
from kpt_workflow.services.sample import PDF

API = "/api/v1"
GZIP, IDENTITY = {"Accept-Encoding": "gzip"}, {"Accept-Encoding": "identity"}
CSV = "".join(f"{n};programa {n};{n * 1000}\n" for n in range(300)).encode()


def test_a_big_page_is_sent_gzipped_and_reads_the_same(office_page, plan_in_council):
    compressed = office_page.get(f"/planes/{plan_in_council}", headers=GZIP)
    plain = office_page.get(f"/planes/{plan_in_council}", headers=IDENTITY)
    assert compressed.headers["content-encoding"] == "gzip" and "Accept-Encoding" in compressed.headers["vary"]
    assert int(compressed.headers["content-length"]) < len(plain.content) / 3 and "content-encoding" not in plain.headers
    assert _without_tokens(compressed.text) == _without_tokens(plain.text) and len(plain.content) > 20_000


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", html)


def test_a_pdf_download_streams_untouched_with_its_length(client, as_user, plan_in_council):
    answer = client.get(f"{API}/plans/{plan_in_council}/documents/programa_gobierno/versions/1/content",
                        headers={**as_user("planeacion"), **GZIP})
    assert answer.status_code == 200 and "content-encoding" not in answer.headers
    assert answer.headers["content-length"] == str(len(PDF)) and answer.content == PDF


def test_a_streamed_csv_download_is_compressed_chunk_by_chunk_and_arrives_whole(client, as_user, new_plan, file_doc):
    plan_id = new_plan("05001")
    file_doc(plan_id, "formato_empalme_01", content=CSV, filename="formato.csv")
    path = f"{API}/plans/{plan_id}/documents/formato_empalme_01/versions/1/content"
    with client.stream("GET", path, headers={**as_user("planeacion"), **GZIP}) as answer:
        raw = b"".join(answer.iter_raw())
        assert answer.headers["content-encoding"] == "gzip" and "content-length" not in answer.headers
    assert gzip.decompress(raw) == CSV and len(raw) < len(CSV) / 3
    plain = client.get(path, headers={**as_user("planeacion"), **IDENTITY})
    assert plain.headers["content-length"] == str(len(CSV)) and plain.content == CSV


def test_a_compressed_answer_carries_a_weak_etag_that_still_validates(client, as_user, new_plan):
    plan_id = new_plan("05001")
    status = client.get(f"{API}/plans/{plan_id}", headers={**as_user("planeacion"), **GZIP})
    assert status.headers["content-encoding"] == "gzip" and status.headers["etag"] == f'W/"{status.json()["version"]}"'
    assert client.get(f"{API}/plans/{plan_id}", headers={**as_user("planeacion"), **IDENTITY}).headers["etag"] == '"1"'
    step = {"trigger": "iniciar_construccion", "fecha": "2024-01-20"}
    stale = client.post(f"{API}/plans/{plan_id}/transitions", json=step,
                        headers={**as_user("planeacion"), "If-Match": 'W/"7"'})
    assert stale.status_code == 409 and stale.json()["code"] == "plan_version_conflict"
    current = client.post(f"{API}/plans/{plan_id}/transitions", json=step,
                          headers={**as_user("planeacion"), "If-Match": status.headers["etag"]})
    assert current.json()["code"] == "guard_failed"  # the version matched: the rules judged the step
    css = client.get(static_url("kpt.css"), headers=GZIP)
    assert css.headers["etag"].startswith("W/")
    again = client.get(static_url("kpt.css"), headers={**GZIP, "If-None-Match": css.headers["etag"]})
    assert again.status_code == 304 and again.headers["cache-control"] == KEPT


def test_static_files_are_kept_a_year_under_their_version_and_revalidated_otherwise(client):
    versioned = static_url("kpt.css")
    assert re.fullmatch(r"/static/kpt\.css\?v=[0-9a-f]{12}", versioned)
    assert client.get(versioned).headers["cache-control"] == KEPT
    assert client.get("/static/kpt.css").headers["cache-control"] == REVALIDATED
    assert client.get("/static/kpt.css?v=000000000000").headers["cache-control"] == REVALIDATED
    assert versioned in client.get("/login").text  # what the pages link is the version kept a year


def test_an_answer_sent_plain_says_it_varies_with_the_encoding_asked(client, as_user, plan_in_council):
    """A cache that kept the plain answer must not hand it to a client that takes gzip, and back;
    a file that never compresses does not vary."""
    status = client.get(f"{API}/plans/{plan_in_council}", headers={**as_user("planeacion"), **IDENTITY})
    assert "content-encoding" not in status.headers and "Accept-Encoding" in status.headers["vary"]
    pdf = client.get(f"{API}/plans/{plan_in_council}/documents/programa_gobierno/versions/1/content",
                     headers={**as_user("planeacion"), **IDENTITY})
    assert pdf.content == PDF and "Accept-Encoding" not in pdf.headers.get("vary", "")
