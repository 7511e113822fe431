"""More bad input found by an adversarial pass: each case ends in one clear error, exit 2."""

import pytest
from techbloc.sim.cli import main
from techbloc.sim.errors import SweepError
from techbloc.sim.scenario import validate
from techbloc.sim.sweeps import load_sweep

SHORT = "2019Q1:2019Q3"


def one_line_error(code, err, *fragments):
    assert code == 2, err
    assert "Traceback" not in err, err
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("techbloc: error: "), err
    for f in fragments:
        assert f in err, f"{f!r} not in {err!r}"


def run_main(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.err


# --------------------------------------------------------------------------- scenario files
def test_a_very_long_extends_chain_is_refused_naming_extends(tmp_path):
    (tmp_path / "d0.yaml").write_text("name: d0\nextends: baseline\n")
    for i in range(1, 1200):
        (tmp_path / f"d{i}.yaml").write_text(f"name: d{i}\nextends: d{i - 1}\n")
    errors = validate(tmp_path / "d1199.yaml")
    assert len(errors) == 1, errors
    text = str(errors[0])
    assert "'extends' chain longer than" in text and "nested too deeply" not in text, text
    assert errors[0].key == "extends" and errors[0].line == 2, text
    # a chain within the limit still loads
    assert validate(tmp_path / "d90.yaml") == []


# --------------------------------------------------------------------------- sweep files
GRID = """scenario: baseline
design: grid
horizon: "2019Q1:2019Q3"
parameters:
  us.ally_pressure: [0.0, 1.0]
replications: 1
"""


def test_one_parameter_on_two_axes_is_refused_at_its_line_before_any_folder(tmp_path, capsys):
    f = tmp_path / "both.yaml"
    f.write_text(GRID + "scale:\n  us.ally_pressure: [0.5, 1.0]\n")
    out = tmp_path / "out"
    code, err = run_main(capsys, "sweep", f, "--out", out)
    one_line_error(code, err, f"{f}:8:3: scale.us.ally_pressure: ", "parameters: and scale:")
    assert not out.exists(), "the folder was made before the file was found invalid"


@pytest.mark.parametrize("option", ["--set", "--scale"])
def test_set_or_scale_on_a_sweep_axis_is_refused_not_ignored(tmp_path, capsys, option):
    f = tmp_path / "grid.yaml"
    f.write_text(GRID)
    out = tmp_path / "out"
    code, err = run_main(capsys, "sweep", f, option, "us.ally_pressure=0.5", "--out", out)
    one_line_error(code, err, f"{f}:5:3: parameters.us.ally_pressure: ", option)
    assert not out.exists()
    with pytest.raises(SweepError, match="varied by this sweep"):
        load_sweep(f, **{option[2:]: {"us.ally_pressure": 0.5}})

