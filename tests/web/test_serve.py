"""`tariffsim serve` as a user starts it: a subprocess on a free loopback port, the token printed, the app
answering with the bundled World and scenarios; a port in use is one line and exit 2."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tariffsim.cli import main


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_app(data_dir: Path, *args: str) -> tuple[subprocess.Popen[str], str, str]:
    """`tariffsim serve` in a subprocess; returns it, the address it printed (with its token) and what it printed
    up to the address."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "tariffsim", "serve", "--no-browser", "--port", str(port),
                                "--data-dir", str(data_dir), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert process.stdout is not None
    url, printed = "", ""
    end = time.monotonic() + 60
    while time.monotonic() < end and not url:
        line = process.stdout.readline()
        printed += line
        if "tariffsim app: " in line:
            url = line.split("tariffsim app: ", 1)[1].strip()
        elif not line and process.poll() is not None:
            break
    assert url, f"serve printed no address: {process.stderr.read() if process.stderr else ''}"
    for _ in range(100):  # listening before the address is printed; the app answers once imported
        try:
            urllib.request.urlopen(url.split("?")[0] + "openapi.json", timeout=5)
        except urllib.error.HTTPError:
            break
        except OSError:
            time.sleep(0.1)
    return process, url, printed


def test_serve_prints_the_token_and_serves_the_app(tmp_path):
    process, url, _ = start_app(tmp_path)
    try:
        assert url.startswith("http://127.0.0.1:") and "?token=" in url
        token = url.split("?token=")[1]
        assert len(token) >= 40
        base = url.split("?")[0]
        try:
            urllib.request.urlopen(base, timeout=10)
            raise AssertionError("no token: must be refused")
        except urllib.error.HTTPError as exc:
            assert exc.code == 401
        request = urllib.request.Request(base, headers={"Authorization": f"Bearer {token}",
                                                        "Accept": "text/html"})
        page = urllib.request.urlopen(request, timeout=30).read().decode()
        assert "demo-2017" in page and "us-china-2018-2019" in page
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_a_port_in_use_is_one_line(tmp_path, capsys):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        capsys.readouterr()
        assert main(["serve", "--no-browser", "--port", str(sock.getsockname()[1]), "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot listen" in err[0]


def test_no_token_and_other_hosts_warn(monkeypatch, capsys, tmp_path):
    import uvicorn

    from tariffsim.cli.serve import _hosts, _loopback

    served = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: served.append(sockets))
    assert main(["serve", "--no-browser", "--no-token", "--port", str(free_port()), "--data-dir", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "warning: --no-token" in printed and "?token=" not in printed and served
    for sock in served[0]:
        sock.close()
    assert _loopback("127.0.0.1") and _loopback("::1") and _loopback("localhost") and not _loopback("0.0.0.0")
    assert _hosts("0.0.0.0") == () and "192.168.1.5" in _hosts("192.168.1.5") and "localhost" in _hosts("127.0.0.1")


def test_wrong_options_are_one_line(capsys):
    for args in (["serve", "--port", "70000"], ["serve", "--jobs", "0"], ["serve", "--executor", "gpu"],
                 ["serve", "--host", " "], ["serve", "--lists", "/no/such/folder"]):
        capsys.readouterr()
        assert main(args) == 2, args
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: "), (args, err)
