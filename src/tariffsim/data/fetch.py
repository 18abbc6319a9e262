"""Downloads with resume (HTTP ``Range``) and a SHA-256 check, for sources that are online.

A download goes to ``FILE.part`` next to its target, with ``FILE.part.json``
recording the URL and the server's validator (``ETag`` or ``Last-Modified``). An
interrupted download is resumed by asking for the missing bytes with ``Range`` and
``If-Range``; a server that answers with the whole file (no range support, or the
file changed) restarts it. When complete the file's SHA-256 is checked against
the expected one (given, or published by the server as ``URL.sha256``), the file
is moved into place and its digest written to ``FILE.sha256``. A mismatch deletes
the partial file and raises :class:`~tariffsim.errors.DataError`.

Only :data:`REMOTE_SOURCES` are known by name; any URL can be fetched with
:func:`download`. Sources that need an account or come as documents (UN Comtrade,
Census API, USTR annexes, PIIE workbooks) are listed in :data:`MANUAL_SOURCES`
with where to get them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
import urllib.response
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.client import HTTPException
from pathlib import Path

from tariffsim.data.progress import progress_reporter
from tariffsim.errors import DataError

__all__ = ["RemoteSource", "REMOTE_SOURCES", "MANUAL_SOURCES", "Download", "download", "fetch_source"]

CHUNK = 1 << 20
USER_AGENT = "tariffsim (https://github.com/tariffsim; data fetch)"


@dataclass(frozen=True)
class RemoteSource:
    """A source that can be downloaded by name.

    Attributes
    ----------
    name
        CLI name (same as the importer's).
    url
        URL template; ``{placeholders}`` are filled from ``defaults`` and options.
    page
        The publisher's page (licence, versions, documentation).
    defaults
        Default values of the template's placeholders.
    sha256
        Known digests by file name (the publishers do not publish any for these;
        give ``--sha256`` to pin one).
    """

    name: str
    title: str
    url: str
    page: str
    defaults: Mapping[str, str] = field(default_factory=dict)
    sha256: Mapping[str, str] = field(default_factory=dict)

    def resolve(self, **values: str | int | None) -> str:
        """The URL with placeholders filled (``DataError`` naming any that is missing)."""
        filled = {**self.defaults, **{k: str(v) for k, v in values.items() if v is not None}}
        needed = re.findall(r"{(\w+)}", self.url)
        missing = [n for n in needed if n not in filled]
        if missing:
            raise DataError(f"{self.name}: give --{missing[0]} (the URL needs {', '.join(missing)})")
        return self.url.format(**filled)


REMOTE_SOURCES: dict[str, RemoteSource] = {
    "baci": RemoteSource(
        "baci", "CEPII BACI", "https://www.cepii.fr/DATA_DOWNLOAD/baci/data/BACI_{revision}_V{version}.zip",
        "https://www.cepii.fr/CEPII/en/bdd_modele/bdd_modele_item.asp?id=37",
        defaults={"revision": "HS17", "version": "202401b"}),
    "itpde": RemoteSource(
        "itpde", "USITC ITPD-E", "https://www.usitc.gov/data/gravity/itpd_e/ITPD_E_R{release}.zip",
        "https://www.usitc.gov/data/gravity/itpde.htm", defaults={"release": "02"}),
    "usitc-tariffs": RemoteSource(
        "usitc-tariffs", "USITC tariff database",
        "https://www.usitc.gov/tariff_affairs/documents/tariff_data/tariff_data_{year}.zip",
        "https://www.usitc.gov/tariff_affairs/tariff_databases"),
}
"""Sources that ``tariffsim data fetch`` can download by name (URLs as published in 2024:
releases move, so ``--url`` overrides)."""

MANUAL_SOURCES: dict[str, str] = {
    "comtrade": "UN Comtrade bulk files need a subscription key: https://comtradeplus.un.org (bulk download)",
    "census": "US Census International Trade API (JSON): https://www.census.gov/data/developers/data-sets/"
              "international-trade.html; save the series as CSV in the layout of docs/data.md",
    "ustr-301": "USTR Section 301 annexes are Federal Register PDFs: https://ustr.gov/issue-areas/enforcement/"
                "section-301-investigations; USITC's China tariffs table: https://hts.usitc.gov",
    "piie-tariffs": "PIIE workbook (Bown, Jung and Zhang 2019): https://www.piie.com/research/piie-charts/"
                    "us-china-trade-war-tariffs-date-chart; save its sheets as CSV",
}


@dataclass(frozen=True)
class Download:
    """A finished download: where, how big, its SHA-256, and whether it was resumed or already there."""

    path: Path
    size: int
    sha256: str
    resumed: bool = False
    cached: bool = False
    verified: bool = False


def _open(url: str, headers: Mapping[str, str], timeout: float) -> urllib.response.addinfourl:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **headers})
    response: urllib.response.addinfourl = urllib.request.urlopen(request, timeout=timeout)
    return response


def _published_digest(url: str, timeout: float) -> str | None:
    try:
        with _open(url + ".sha256", {}, timeout) as response:
            text = response.read(4096).decode("ascii", errors="replace")
    except (urllib.error.URLError, HTTPException, OSError, ValueError):
        return None
    m = re.match(r"\s*([0-9a-fA-F]{64})\b", text)
    return m.group(1).lower() if m else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK * 4):
            digest.update(chunk)
    return digest.hexdigest()


def download(url: str, dest: str | Path, *, sha256: str | None = None, progress: bool = False,
             timeout: float = 60.0, force: bool = False) -> Download:
    """Download ``url`` to ``dest``, resuming a partial download and checking SHA-256.

    Parameters
    ----------
    url
        ``http``, ``https`` or ``file`` URL.
    dest
        Target file (its folder is created).
    sha256
        Expected digest; ``None`` tries ``URL.sha256`` on the server, else only records it.
    progress
        Show a progress bar on stderr.
    timeout
        Seconds to wait for the server on each read.
    force
        Download again even when ``dest`` exists.

    Raises
    ------
    DataError
        On network errors (the partial file is kept: run again to resume), HTTP
        errors, or a checksum mismatch (the partial file is deleted).
    """
    target = Path(dest)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    meta_path = target.with_name(target.name + ".part.json")
    expected = sha256.lower() if sha256 else None
    if target.exists() and not force:
        digest = _sha256(target)
        if expected is None or digest == expected:
            return Download(target, target.stat().st_size, digest, cached=True, verified=expected is not None)
    if expected is None:
        expected = _published_digest(url, timeout)
    meta = _read_meta(meta_path)
    start = part.stat().st_size if part.exists() and meta.get("url") == url else 0
    if start == 0 and part.exists():
        part.unlink()
    headers: dict[str, str] = {}
    if start:
        headers["Range"] = f"bytes={start}-"
        validator = meta.get("etag") or meta.get("last_modified")
        if validator:
            headers["If-Range"] = str(validator)
    resumed = False
    try:
        response = _open(url, headers, timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and start:
            total = _total_from_range(exc.headers.get("Content-Range", ""))
            if total == start:
                return _finish(part, meta_path, target, expected, url, resumed=True)
            part.unlink(missing_ok=True)
            meta_path.unlink(missing_ok=True)
            raise DataError(f"the server rejected the resume request (HTTP 416) for {url}; "
                            "the partial file was deleted: run again to restart") from None
        raise DataError(f"HTTP {exc.code} {exc.reason} for {url}") from None
    except (urllib.error.URLError, HTTPException, OSError) as exc:
        raise DataError(f"cannot reach {url} ({getattr(exc, 'reason', exc)})") from None
    with response:
        status = getattr(response, "status", 200)
        if status == 206 and start:
            first = _first_from_range(response.headers.get("Content-Range", ""))
            if first != start:
                raise DataError(f"the server resumed at byte {first}, not {start}: delete {part} and run again")
            mode, resumed = "ab", True
        else:
            mode, start = "wb", 0
        length = response.headers.get("Content-Length")
        total = start + int(length) if length is not None else None
        meta = {"url": url, "etag": response.headers.get("ETag"),
                "last_modified": response.headers.get("Last-Modified"), "total": total}
        meta_path.write_text(json.dumps(meta), encoding="utf-8")
        with progress_reporter(progress) as reporter, open(part, mode) as out:
            task = reporter.task(f"downloading {target.name}", total, "bytes")
            reporter.advance(task, start)
            try:
                while chunk := response.read(CHUNK):
                    out.write(chunk)
                    reporter.advance(task, len(chunk))
            except (HTTPException, OSError, TimeoutError) as exc:
                out.flush()
                raise DataError(f"download of {url} interrupted after {part.stat().st_size:,} bytes ({exc}); "
                                "run the same command again to resume") from None
    size = part.stat().st_size
    if total is not None and size < total:
        raise DataError(f"download of {url} stopped at {size:,} of {total:,} bytes; run the same command again "
                        "to resume")
    return _finish(part, meta_path, target, expected, url, resumed=resumed)


def _finish(part: Path, meta_path: Path, target: Path, expected: str | None, url: str, *,
            resumed: bool) -> Download:
    digest = _sha256(part)
    if expected is not None and digest != expected:
        part.unlink(missing_ok=True)
        meta_path.unlink(missing_ok=True)
        raise DataError(f"checksum mismatch for {url}: SHA-256 {digest}, expected {expected}; the download was "
                        "deleted (run again to download it afresh)", file=str(target))
    size = part.stat().st_size
    os.replace(part, target)
    meta_path.unlink(missing_ok=True)
    target.with_name(target.name + ".sha256").write_text(f"{digest}  {target.name}\n", encoding="utf-8")
    return Download(target, size, digest, resumed=resumed, verified=expected is not None)


def _read_meta(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _first_from_range(header: str) -> int | None:
    m = re.match(r"bytes (\d+)-\d+/(\d+|\*)", header.strip())
    return int(m.group(1)) if m else None


def _total_from_range(header: str) -> int | None:
    m = re.match(r"bytes (?:\*|\d+-\d+)/(\d+)", header.strip())
    return int(m.group(1)) if m else None


def fetch_source(source: str, folder: str | Path, *, url: str | None = None, sha256: str | None = None,
                 progress: bool = False, force: bool = False, **values: str | int | None) -> Download:
    """Download a known source (or ``url``) into ``folder``.

    Parameters
    ----------
    source
        A key of :data:`REMOTE_SOURCES` (others raise, saying where to get them).
    folder
        Where the file goes (named as on the server).
    url
        Overrides the source's URL.
    sha256
        Expected digest (else the known one for the file, if any, else ``URL.sha256``).
    values
        Template values (``year``, ``version``, ``revision``, ``release``).
    """
    if source not in REMOTE_SOURCES and url is None:
        hint = MANUAL_SOURCES.get(source)
        if hint:
            raise DataError(f"{source} cannot be fetched automatically. {hint}")
        raise DataError(f"unknown source '{source}'; fetchable: {', '.join(REMOTE_SOURCES)} (or pass --url)")
    remote = REMOTE_SOURCES.get(source)
    target_url = url or (remote.resolve(**values) if remote else "")
    name = Path(urllib.parse.urlparse(target_url).path).name or f"{source}.download"
    known = remote.sha256.get(name) if remote else None
    return download(target_url, Path(folder) / name, sha256=sha256 or known, progress=progress, force=force)
