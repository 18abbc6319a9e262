"""Downloads: resume with HTTP Range, checksums, servers without range support; a local server on loopback."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tariffsim.data.fetch import REMOTE_SOURCES, download, fetch_source
from tariffsim.errors import DataError


class Server:
    """Serves ``files`` (path → bytes) on 127.0.0.1; can cut a response short or ignore ``Range``."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.cut_next: dict[str, int] = {}  # path -> bytes to send before dropping the connection
        self.ranges = True
        self.requests: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server.requests.append({"path": self.path, **dict(self.headers)})
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                start = 0
                wanted = self.headers.get("Range")
                if_range = self.headers.get("If-Range")
                if server.ranges and wanted and (if_range in (None, etag)):
                    start = int(wanted.split("=")[1].split("-")[0])
                    if start >= len(body):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(body)}")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(body) - start))
                self.send_header("ETag", etag)
                self.end_headers()
                cut = server.cut_next.pop(self.path, None)
                payload = body[start:] if cut is None else body[start:start + cut]
                self.wfile.write(payload)
                if cut is not None:
                    self.wfile.flush()
                    self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(fixtures) -> Iterator[Server]:
    srv = Server()
    data = (fixtures / "baci" / "BACI_HS17_Y2017_V202401b.csv").read_bytes() * 50
    srv.files["/baci/BACI_HS17_V1.zip"] = data
    srv.files["/baci/BACI_HS17_V1.zip.sha256"] = f"{hashlib.sha256(data).hexdigest()}  BACI_HS17_V1.zip\n".encode()
    srv.files["/plain.csv"] = b"a,b\n1,2\n"
    yield srv
    srv.close()


def test_resumes_an_interrupted_download_with_range(server, tmp_path):
    url = server.url + "/baci/BACI_HS17_V1.zip"
    body = server.files["/baci/BACI_HS17_V1.zip"]
    server.cut_next["/baci/BACI_HS17_V1.zip"] = 1000
    with pytest.raises(DataError, match="run the same command again to resume"):
        download(url, tmp_path / "BACI_HS17_V1.zip", timeout=5)
    part = tmp_path / "BACI_HS17_V1.zip.part"
    assert part.stat().st_size == 1000 and not (tmp_path / "BACI_HS17_V1.zip").exists()
    result = download(url, tmp_path / "BACI_HS17_V1.zip", timeout=5)
    assert result.resumed and result.verified  # checked against the server's BACI_HS17_V1.zip.sha256
    assert (tmp_path / "BACI_HS17_V1.zip").read_bytes() == body
    resume = [r for r in server.requests if r["path"] == "/baci/BACI_HS17_V1.zip"][-1]
    assert resume["Range"] == "bytes=1000-" and resume["If-Range"].startswith('"')
    assert not part.exists()
    assert (tmp_path / "BACI_HS17_V1.zip.sha256").read_text().split()[0] == hashlib.sha256(body).hexdigest()
    again = download(url, tmp_path / "BACI_HS17_V1.zip", timeout=5)
    assert again.cached


def test_a_server_without_range_support_restarts_the_download(server, tmp_path):
    server.ranges = False
    url = server.url + "/baci/BACI_HS17_V1.zip"
    server.cut_next["/baci/BACI_HS17_V1.zip"] = 500
    with pytest.raises(DataError, match=r"interrupted|stopped"):
        download(url, tmp_path / "f.zip", timeout=5)
    result = download(url, tmp_path / "f.zip", timeout=5)
    assert not result.resumed and (tmp_path / "f.zip").read_bytes() == server.files["/baci/BACI_HS17_V1.zip"]


def test_checksum_mismatch_deletes_the_download(server, tmp_path):
    with pytest.raises(DataError, match="checksum mismatch") as err:
        download(server.url + "/plain.csv", tmp_path / "plain.csv", sha256="0" * 64, timeout=5)
    assert err.value.file == str(tmp_path / "plain.csv")
    assert not list(tmp_path.iterdir())
    good = hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    result = download(server.url + "/plain.csv", tmp_path / "plain.csv", sha256=good, timeout=5)
    assert result.verified and result.sha256 == good


def test_without_a_published_checksum_the_digest_is_recorded(server, tmp_path):
    result = download(server.url + "/plain.csv", tmp_path / "plain.csv", timeout=5)
    assert not result.verified
    assert (tmp_path / "plain.csv.sha256").read_text().startswith(hashlib.sha256(b"a,b\n1,2\n").hexdigest())


def test_http_errors(server, tmp_path):
    with pytest.raises(DataError, match="HTTP 404"):
        download(server.url + "/missing.zip", tmp_path / "m.zip", timeout=5)
    with pytest.raises(DataError, match="cannot reach"):
        download("http://127.0.0.1:9/nothing", tmp_path / "n.zip", timeout=2)


def test_fetch_source_by_name(server, tmp_path):
    result = fetch_source("baci", tmp_path, url=server.url + "/baci/BACI_HS17_V1.zip")
    assert result.path == tmp_path / "BACI_HS17_V1.zip" and result.verified
    assert REMOTE_SOURCES["baci"].resolve(version="202401b") .endswith("BACI_HS17_V202401b.zip")
    with pytest.raises(DataError, match="give --year"):
        REMOTE_SOURCES["usitc-tariffs"].resolve()
    with pytest.raises(DataError, match="subscription key"):
        fetch_source("comtrade", tmp_path)
    with pytest.raises(DataError, match="unknown source"):
        fetch_source("gtap", tmp_path)
