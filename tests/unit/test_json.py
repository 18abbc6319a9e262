"""Run files on disk: float columns formatted ahead of ``to_csv`` are written as pandas writes them itself."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from tariffsim._json import formatted_floats


def test_formatted_floats_write_the_bytes_pandas_writes_with_float_format():
    values = np.array([1.0, -0.0, np.nan, np.inf, -np.inf, 1 / 3, 1e-300, 123456789012.345, -2.5e17, 5e-324])
    table = pd.DataFrame({
        "float": values,
        "float32": values.astype(np.float32),
        "int": np.arange(len(values)),
        "text": pd.array(["a", None, "b,c", "d", "e", "f", "g", "h", "i", "j"], dtype="string"),
        "category": pd.Categorical(["x", "y", None, "x", "y", "x", "y", "x", "y", "x"]),
        "flag": [True, False] * 5,
    }, index=range(10, 20))
    for float_format in ("%.10g", "%.6g"):
        expected, got = io.StringIO(), io.StringIO()
        table.to_csv(expected, index=False, float_format=float_format)
        formatted_floats(table, float_format).to_csv(got, index=False)
        assert got.getvalue() == expected.getvalue()
    assert formatted_floats(table, "%.10g")["float"].tolist()[:4] == ["1", "-0", "", "inf"]
