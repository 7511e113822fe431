"""One import package: ``techbloc`` alone on a user's path, whatever files sit beside them."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_works_from_a_folder_holding_sim_analysis_and_app_modules(tmp_path):
    for name in ("sim", "analysis", "app", "scenarios"):
        (tmp_path / f"{name}.py").write_text(f"raise SystemExit('the user\\'s {name}.py ran')\n")
    code = ("import techbloc as tb, techbloc.analysis as an, techbloc.sim.cli, techbloc.app\n"
            "assert callable(tb.run) and callable(tb.load) and callable(an.adoption_curves)\n"
            "assert 'sim' not in __import__('sys').modules\n"
            "print(tb.load_scenario('baseline').name)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "baseline"
    proc = subprocess.run([sys.executable, "-m", "techbloc", "--help"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "usage: techbloc" in proc.stdout, proc.stderr


def test_the_wheel_installs_techbloc_alone_with_its_data(tmp_path):
    # Built from a copy: setuptools builds in the source tree (build/, *.egg-info).
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".git", ".venv*", "build", "results", "*.egg-info", "__pycache__", ".*cache"))
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                           "-w", str(tmp_path), str(src)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    (wheel,) = tmp_path.glob("techbloc-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        top = z.read(next(n for n in names if n.endswith("top_level.txt"))).decode().split()
    assert top == ["techbloc"]
    assert {n.split("/")[0] for n in names} == {"techbloc", wheel.name.split("-")[0]
                                                 + "-" + wheel.name.split("-")[1] + ".dist-info"}
    for needed in ("techbloc/sim/data/countries.csv", "techbloc/scenarios/baseline.yaml",
                   "techbloc/scenarios/sweeps/pressure-vs-bri.yaml", "techbloc/app/upload.vue",
                   "techbloc/sim/mechanisms/policy.py", "techbloc/__main__.py"):
        assert needed in names, needed
