"""The streaming reader: line numbers (blank lines, quoted line breaks), encodings, compression, diagnosis."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from tariffsim.data.reader import InputFile, expand_inputs, read_batches, scan_text
from tariffsim.errors import DataError

from .conftest import write


def lines_of_rows(path: Path, column: str = "a") -> dict[str, int]:
    """Value of ``column`` → line it is on, through scan + read_batches."""
    scan = scan_text(InputFile(path))
    out: dict[str, int] = {}
    for batch, first in read_batches(scan, columns=[column], types={column: pa.string()}, block_size=64):
        lines = scan.line_of(np.arange(first, first + batch.num_rows))
        out.update(zip(batch.column(column).to_pylist(), lines.tolist(), strict=True))
    return out


def test_line_numbers_skip_blank_lines_and_follow_quoted_line_breaks(tmp_path):
    text = ('a,b\n'                   # 1 header
            'r1,x\n'                  # 2
            '\n'                      # 3 blank
            'r2,"two\nlines"\n'       # 4-5
            'r3,"with ""quotes"""\n'  # 6
            '\r\n'                    # 7 blank (CRLF)
            'r4,"three\n\nlines"\n'   # 8-10 (blank line inside the quotes)
            'r5,y')                   # 11, no final newline
    scan = scan_text(InputFile(write(tmp_path / "f.csv", text)))
    assert scan.lines == 11 and not scan.ends_with_newline and scan.multiline_values
    assert scan.records == 5
    assert lines_of_rows(tmp_path / "f.csv") == {"r1": 2, "r2": 4, "r3": 6, "r4": 8, "r5": 11}


def test_line_numbers_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr("tariffsim.data.reader.CHUNK", 7)  # chunk edges fall inside lines and quotes
    text = 'a,b\nr1,"x\ny"\n\nr2,z\n"r3",w\n'
    path = write(tmp_path / "f.csv", text)
    assert lines_of_rows(path) == {"r1": 2, "r2": 5, "r3": 6}


def test_header_and_delimiter_detection(tmp_path):
    scan = scan_text(InputFile(write(tmp_path / "p.txt", "hts8|mfn_ad_val_rate\n01012100|0\n")))
    assert scan.header == ["hts8", "mfn_ad_val_rate"] and scan.delimiter == "|"
    scan = scan_text(InputFile(write(tmp_path / "t.txt", "refYear\tcmdCode\n2017\t01\n")))
    assert scan.delimiter == "\t"
    scan = scan_text(InputFile(write(tmp_path / "bom.csv", "\ufeffa,b\n1,2\n")))
    assert scan.header == ["a", "b"]


def test_sha256_and_size(tmp_path):
    import hashlib

    data = "a,b\n1,2\n"
    scan = scan_text(InputFile(write(tmp_path / "f.csv", data)))
    assert scan.sha256 == hashlib.sha256(data.encode()).hexdigest() and scan.size == len(data)


def test_wrong_encoding_names_line_and_field(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("name,value\nAustria,1\nC\xf4te d'Ivoire,2\n".encode("latin-1"))
    with pytest.raises(DataError, match="not valid utf-8") as err:
        scan_text(InputFile(path))
    assert err.value.line == 3 and err.value.column == "field 1" and err.value.file == str(path)
    assert scan_text(InputFile(path), encoding="latin-1").header == ["name", "value"]


def test_utf16_and_binary_files_are_refused(tmp_path):
    path = tmp_path / "u16.csv"
    path.write_bytes("a,b\n1,2\n".encode("utf-16"))
    with pytest.raises(DataError, match="UTF-16"):
        scan_text(InputFile(path))
    path = tmp_path / "nul.csv"
    path.write_bytes(b"a,b\n1,2\n3\x00,4\n")
    with pytest.raises(DataError, match="NUL") as err:
        scan_text(InputFile(path))
    assert err.value.line == 3
    with pytest.raises(DataError, match="empty file"):
        scan_text(InputFile(write(tmp_path / "empty.csv", "")))


def test_gzip_and_truncated_gzip(tmp_path):
    data = ("a,b\n" + "".join(f"r{i},{i}\n" for i in range(2000))).encode()
    good = tmp_path / "f.csv.gz"
    good.write_bytes(gzip.compress(data))
    scan = scan_text(InputFile(good))
    assert scan.records == 2000 and InputFile(good).name == "f.csv"
    assert len(lines_of_rows(good)) == 2000
    bad = tmp_path / "cut.csv.gz"
    bad.write_bytes(gzip.compress(data)[:-40])
    with pytest.raises(DataError, match="truncated"):
        scan_text(InputFile(bad))


def test_zip_members(tmp_path):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("BACI_HS17_Y2017_V1.csv", "t,i\n2017,4\n")
        z.writestr("Readme.txt", "hello")
        z.writestr("folder/", "")
    inputs = expand_inputs([archive], r"\.csv$")
    assert [i.member for i in inputs] == ["BACI_HS17_Y2017_V1.csv"]
    assert inputs[0].display == f"{archive}!BACI_HS17_Y2017_V1.csv"
    assert scan_text(inputs[0]).header == ["t", "i"]
    batches = list(read_batches(scan_text(inputs[0]), columns=["i"], types={"i": pa.int64()}))
    assert batches[0][0].column("i").to_pylist() == [4]
    with pytest.raises(DataError, match="no data file"):
        expand_inputs([archive], r"\.parquet$")
    with pytest.raises(DataError, match="no such file"):
        expand_inputs([tmp_path / "missing.csv"])


def test_wrong_field_count_is_located(tmp_path):
    rows = "".join(f"{i},{i}\n" for i in range(500))
    path = write(tmp_path / "f.csv", "a,b\n" + rows + "7,8,9\n" + rows)
    scan = scan_text(InputFile(path))
    with pytest.raises(DataError, match="expected 2 fields") as err:
        for _ in read_batches(scan, columns=["a", "b"], types={"a": pa.int64(), "b": pa.int64()}, block_size=256):
            pass
    assert err.value.line == 502


def test_truncated_last_line_is_located(tmp_path):
    path = write(tmp_path / "f.csv", "t,i,j\n2017,4,8\n2017,4")
    scan = scan_text(InputFile(path))
    with pytest.raises(DataError, match="truncated") as err:
        list(read_batches(scan, columns=["t", "i", "j"], types={"t": pa.int64()}))
    assert err.value.line == 3


def test_bad_number_is_located_with_its_column(tmp_path):
    rows = "".join(f"{i},1.5\n" for i in range(300))
    path = write(tmp_path / "f.csv", "k,v\n" + rows + "300,abc\n")
    scan = scan_text(InputFile(path))
    with pytest.raises(DataError, match="'abc' is not a number") as err:
        list(read_batches(scan, columns=["k", "v"], types={"k": pa.int64(), "v": pa.float64()}, block_size=128))
    assert (err.value.line, err.value.column) == (302, "v")
