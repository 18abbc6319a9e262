"""``tariffsim data`` through a subprocess, as a user runs it."""

from __future__ import annotations

import hashlib
import subprocess
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tariffsim.cli.data import data_app
from tests.cli._inprocess import run_cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "data"
COMMANDS = ["import", "list", "show", "remove", "fetch", "world"]


def tariffsim(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env=env)


def test_data_help_lists_every_command():
    out = tariffsim("data", "--help")
    assert out.returncode == 0, out.stderr
    for command in COMMANDS:
        assert command in out.stdout
    registered = {c.name for c in data_app.registered_commands}
    assert registered == set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_data_command_has_help(command):
    # in-process (typer's runner) to keep the suite fast; the subprocess path is exercised above and below
    out = CliRunner().invoke(data_app, [command, "--help"])
    assert out.exit_code == 0, out.output
    assert "Usage" in out.output and "--data-dir" in out.output


def test_import_list_show_remove(tmp_path):
    data_dir = str(tmp_path / "catalog")
    baci = sorted(str(p) for p in (FIXTURES / "baci").glob("*.csv"))
    out = tariffsim("data", "import", "baci", *baci, "--data-dir", data_dir, "--quiet")
    assert out.returncode == 0, out.stderr
    assert "imported baci-2017" in out.stdout and "flows 32 rows" in out.stdout and "329.4 USD m" in out.stdout
    assert out.stderr == ""  # --quiet: no progress bars
    again = tariffsim("data", "import", "baci", *baci, "--data-dir", data_dir)
    assert again.returncode == 0 and "already imported" in again.stdout
    # the data directory can come from the environment too
    listed = tariffsim("data", "list", env={"TARIFFSIM_DATA_DIR": data_dir})
    assert listed.returncode == 0 and "baci-2017" in listed.stdout and "329.4" in listed.stdout
    shown = tariffsim("data", "show", "baci-2017", "--data-dir", data_dir, "--rows", "2")
    assert shown.returncode == 0
    assert "baci-2017/flows: 32 rows" in shown.stdout and "847130" in shown.stdout
    assert "country_codes_V202401b.csv" in shown.stdout
    removed = tariffsim("data", "remove", "baci-2017", "--data-dir", data_dir)
    assert removed.returncode == 0 and "removed baci-2017" in removed.stdout
    empty = tariffsim("data", "list", "--data-dir", data_dir)
    assert "no datasets" in empty.stdout


def test_progress_bars_without_quiet(tmp_path):
    out = tariffsim("data", "import", "usitc-tariffs", str(FIXTURES / "usitc" / "tariff_database_2017.csv"),
                    "--data-dir", str(tmp_path))
    assert out.returncode == 0 and "importing tariff_database_2017.csv" in out.stderr


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "BACI_HS17_Y2017_V1.csv"
    bad.write_text("t,i,j,k,v,q\n2017,156,842,847130,1.5,2\n2017,156,842,851712,-4,2\n")
    out = tariffsim("data", "import", "baci", str(bad), "--data-dir", str(tmp_path / "c"), "--quiet")
    assert out.returncode == 2
    assert out.stderr.strip() == f"error: {bad}:3 column 'v': negative value -4.0"
    missing = tariffsim("data", "show", "nothing", "--data-dir", str(tmp_path / "c"))
    assert missing.returncode == 2 and missing.stderr.startswith("error: no dataset 'nothing'")
    unknown = tariffsim("data", "import", "gtap", str(bad), "--data-dir", str(tmp_path / "c"))
    assert unknown.returncode == 2 and "unknown source 'gtap'" in unknown.stderr


def test_world_command_writes_a_world_folder(tmp_path):
    data_dir = str(tmp_path / "catalog")
    baci = sorted(str(p) for p in (FIXTURES / "baci").glob("*.csv"))
    assert tariffsim("data", "import", "baci", *baci, "--data-dir", data_dir, "-q").returncode == 0
    assert tariffsim("data", "import", "usitc-tariffs", str(FIXTURES / "usitc" / "tariff_database_2017.csv"),
                     "--data-dir", data_dir, "-q").returncode == 0
    out = tariffsim("data", "world", "2017", "--out", str(tmp_path / "w"), "--regions", "USA=USA;CHN=CHN;EU=FRA,DEU",
                    "--rest", "ROW", "--sectors", "hs20", "--domestic", "0.6", "--data-dir", data_dir)
    assert out.returncode == 0, out.stderr
    assert "4 countries × 20 sectors" in out.stdout
    assert {p.name for p in (tmp_path / "w").iterdir()} == {"flows.csv", "elasticity.csv", "world.json"}
    shown = tariffsim("world", "show", str(tmp_path / "w"))
    assert shown.returncode == 0 and "ROW" in shown.stdout
    bad = tariffsim("data", "world", "2017", "--out", str(tmp_path / "x"), "--regions", "EU", "--data-dir", data_dir)
    assert bad.returncode == 2 and "is not LABEL=ISO3" in bad.stderr


def test_world_command_on_a_cube_with_an_elasticity_set(tmp_path):
    data_dir = str(tmp_path / "catalog")
    for source, path in (("icio", FIXTURES / "icio" / "ICIO2017_flows_tariffs.csv"),
                         ("sector-elasticities", FIXTURES / "elasticities" / "elasticities_by_sector.csv")):
        assert tariffsim("data", "import", source, str(path), "--data-dir", data_dir, "-q").returncode == 0
    out = tariffsim("data", "world", "2017", "--flows", "icio", "--elasticity", "u4", "--out", str(tmp_path / "w"),
                    "--data-dir", data_dir)
    assert out.returncode == 0, out.stderr
    assert "3 countries × 28 sectors" in out.stdout and "set U4" in out.stdout
    elasticity = (tmp_path / "w" / "elasticity.csv").read_text().splitlines()
    assert len(elasticity) == 29 and all(line.endswith(",4.0") for line in elasticity[1:])  # U4: theta = 4
    bad = tariffsim("data", "world", "2017", "--flows", "icio", "--elasticity", "XYZ", "--out", str(tmp_path / "x"),
                    "--data-dir", data_dir)
    assert bad.returncode == 2 and "unknown elasticity set 'XYZ'" in bad.stderr


def test_fetch_from_a_local_server(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    body = (FIXTURES / "baci" / "BACI_HS17_Y2017_V202401b.csv").read_bytes()
    (served / "BACI_HS17_V1.csv").write_bytes(body)
    handler = partial(SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/BACI_HS17_V1.csv"
        digest = hashlib.sha256(body).hexdigest()
        out = tariffsim("data", "fetch", "baci", "--url", url, "--out", str(tmp_path / "dl"), "--sha256", digest,
                        "-q")
        assert out.returncode == 0, out.stderr
        assert "downloaded" in out.stdout and "checksum verified" in out.stdout
        assert (tmp_path / "dl" / "BACI_HS17_V1.csv").read_bytes() == body
        wrong = tariffsim("data", "fetch", "baci", "--url", url, "--out", str(tmp_path / "dl2"), "--sha256",
                          "0" * 64, "-q")
        assert wrong.returncode == 2 and "checksum mismatch" in wrong.stderr
        manual = tariffsim("data", "fetch", "comtrade")
        assert manual.returncode == 2 and "comtradeplus.un.org" in manual.stderr
    finally:
        httpd.shutdown()
        httpd.server_close()
