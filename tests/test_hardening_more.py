"""More bad input found by an adversarial pass: each case ends in one clear error, exit 2."""

from techbloc.sim.cli import main
from techbloc.sim.scenario import validate

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
