"""The [uncertainty] and [sweep] tables: validation with located errors, and the round trip through to_toml."""

from __future__ import annotations

import pytest

from tariffsim.errors import ScenarioError
from tariffsim.scenario import parse_scenario, to_toml

HEAD = """[scenario]
name = "x"

[[action]]
label = "war"
imposer = "USA"
target = ["CHN"]
sectors = "all"
rate = "25%"
effective = 2018-07-06
"""

FULL = HEAD + """
[uncertainty]
design = "quadrature"
rule = "gauss"
order = 4
seed = 3

[[uncertainty.elasticity]]
sectors = ["MAC", "VEH"]
distribution = "normal"
sd = 1.5
common = true

[[uncertainty.elasticity]]
sectors = ["AGR"]
distribution = "uniform"
low = 0.5
high = 2.0
relative = true

[[uncertainty.action]]
label = "war"
key = "effective"
distribution = "uniform"
low = 2018-06-01
high = 2018-09-01

[[uncertainty.action]]
label = "war"
key = "rate"
sd = "5%"

[[uncertainty.coefficient]]
variables = ["rta", "ln_dist"]
mean = [0.5, -1.0]
covariance = [[0.01, 0.002], [0.002, 0.04]]
"""


@pytest.mark.parametrize("text", [FULL, HEAD + """
[sweep]
[[sweep.elasticity]]
sectors = ["MAC"]
values = [2.5, 5.0]

[[sweep.action]]
label = "war"
key = "until"
values = [2019-01-01, 2020-01-01]
""", HEAD + "\n[uncertainty]\ndraws = 50\n"])
def test_the_tables_survive_a_round_trip(text):
    spec = parse_scenario(text).spec
    assert parse_scenario(to_toml(spec)).spec == spec


@pytest.mark.parametrize(("table", "key", "words"), [
    ('[uncertainty]\n[[uncertainty.elasticity]]\ndistribution = "normal"\n', "uncertainty.elasticity.0",
     "normal law needs sd"),
    ('[uncertainty]\n[[uncertainty.elasticity]]\ndistribution = "lognormal"\nsd_log = 0.3\nlow = 1.0\n',
     "uncertainty.elasticity.0", "takes median, sd_log, not low"),
    ('[uncertainty]\n[[uncertainty.elasticity]]\ndistribution = "sets"\n', "uncertainty.elasticity.0",
     "give file"),
    ('[uncertainty]\n[[uncertainty.action]]\nlabel = "war"\nkey = "rate"\ndistribution = "uniform"\n'
     'low = "40%"\nhigh = 500\n', "uncertainty.action.0", "would be"),
    ('[uncertainty]\n[[uncertainty.action]]\nlabel = "war"\nkey = "effective"\nmean = 2.0\nsd = 3\n',
     "uncertainty.action.0", "is a date"),
    ('[uncertainty]\n[[uncertainty.coefficient]]\nvariables = ["rta"]\nmean = [0.5, 1.0]\ncovariance = [[1.0]]\n',
     "uncertainty.coefficient.0", "1 variables need 1 means"),
    ('[uncertainty]\ndesign = "sobol"\n', "uncertainty.design", "mc"),
    ('[uncertainty]\ndraws = 0\n', "uncertainty.draws", "greater than or equal to 1"),
    ('[uncertainty]\n[sweep]\n[[sweep.elasticity]]\nvalues = [2.0]\n', None, "not both"),
    ('[sweep]\n', "sweep", "at least one"),
    ('[sweep]\n[[sweep.elasticity]]\nvalues = [0.0, 2.0]\n', "sweep.elasticity.0.values", "positive"),
])
def test_mistakes_name_the_table_and_key(table, key, words):
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(HEAD + "\n" + table)
    assert words in str(caught.value)
    if key is not None:
        assert caught.value.key == key
