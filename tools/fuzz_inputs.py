"""Feed techbloc bad input and faults, and count how it answers (issue 19).

Every case is one input: a command line, a Python call or a fault (a corrupted folder, a killed
parent, a full disk). Each ends in exactly one class:

- ``clean``: refused with a short error (no traceback), as expected;
- ``ok``: accepted, as expected, and the result checked;
- ``traceback``: a Python traceback reached the user (or an exception escaped ``main()``);
- ``wrong``: exit 0 where a refusal was expected, or a check of the result failed (corrupted
  folder, a file written outside ``results/``, a secret echoed, a wrong table used);
- ``orphan``: processes left running after their sweep's parent was killed (counted per process).

Usage::

    python tools/fuzz_inputs.py [--only PREFIX] [--json FILE]

Run it with the interpreter of the techbloc install to test (``.venv/bin/python``). It works in a
temporary folder and removes it; it needs a few minutes on two cores (the runs are short).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

CLI = [sys.executable, "-m", "techbloc"]
SHORT = "2019Q1:2020Q4"
SECRET = "s3cr3t-token-ABC"
RESULTS: list[dict] = []


def record(name: str, outcome: str, detail: str = "") -> None:
    RESULTS.append({"case": name, "outcome": outcome, "detail": detail[-300:]})
    print(f"{outcome:9s} {name}" + (f"   [{detail.strip().splitlines()[-1][:120]}]"
                                     if detail.strip() and outcome != "ok" else ""), flush=True)


def classify(name, code, err, expect, check=None):
    """Classify one finished input from its exit code and stderr."""
    if "Traceback (most recent call last)" in err:
        return record(name, "traceback", err)
    if expect == "any":  # either answer is right; only a traceback is not
        return record(name, "clean" if code else "ok", err)
    if expect == "error":
        if code == 0:
            return record(name, "wrong", "exit 0 where a refusal was expected")
        problem = check() if check else None
        return record(name, "wrong" if problem else "clean", problem or err)
    if code != 0:
        return record(name, "wrong", f"exit {code}: {err}")
    problem = check() if check else None
    return record(name, "wrong" if problem else "ok", problem or "")


def _memory_limit() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (6 * 2**30, 6 * 2**30))


def cli(name, *args, expect="error", check=None, cwd=None, timeout=300, memlimit=False):
    """Run ``techbloc ARGS`` in a subprocess (optionally limited to 6 GB of address space)."""
    try:
        p = subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                           timeout=timeout, preexec_fn=_memory_limit if memlimit else None)
    except subprocess.TimeoutExpired:
        return record(name, "traceback", f"no answer within {timeout} s")
    return classify(name, p.returncode, p.stderr + p.stdout[-2000:], expect, check)


def call_main(name, *args, expect="error", check=None, patch=None):
    """Run ``techbloc.sim.cli.main(ARGS)`` in this process (optionally with a patch applied)."""
    from techbloc.sim.cli import main

    err, out = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.ExitStack() as stack:
        if patch:
            stack.enter_context(patch())
        stack.enter_context(contextlib.redirect_stderr(err))
        stack.enter_context(contextlib.redirect_stdout(out))
        try:
            code = main([str(a) for a in args])
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        except BaseException:  # noqa: BLE001 - escaping main() is what we count
            err.write(traceback.format_exc())
            code = 1
    classify(name, code, err.getvalue(), expect, check)


def api(name, fn, expect="error", check=None):
    """Call a Python API function: a TechblocError is clean, any other exception a traceback."""
    from techbloc.sim.errors import TechblocError

    try:
        fn()
    except TechblocError as e:
        if expect in ("error", "any"):
            problem = check(str(e)) if check else None
            return record(name, "wrong" if problem else "clean", problem or str(e))
        return record(name, "wrong", f"refused: {e}")
    except Exception:  # noqa: BLE001 - any other exception type is a traceback to the user
        return record(name, "traceback", traceback.format_exc())
    if expect == "error":
        return record(name, "wrong", "accepted where a refusal was expected")
    if expect == "any":
        return record(name, "ok")
    problem = check(None) if check else None
    return record(name, "wrong" if problem else "ok", problem or "")


# --------------------------------------------------------------------------- scenario files
BAD_YAML = {
    "merge-key-params": "b: &b {us.ally_pressure: 0.5}\nparams: {<<: *b}\n",
    "merge-key-top": "base: &b {seed: 3}\n<<: *b\n",
    "tag-bool-maybe": "params: {us.ally_pressure: !!bool maybe}\n",
    "tag-timestamp-quarter": "events:\n- {at: !!timestamp 2020Q1, set: {us.ally_pressure: 0.5}}\n",
    "tag-int-key": "params: {!!int x: 1}\n",
    "tag-float-abc": "params: {us.ally_pressure: !!float abc}\n",
    "tag-binary": "title: !!binary aGVsbG8=\n",
    "tag-set": "params: !!set {a, b}\n",
    "tag-omap": "params: !!omap [{us.ally_pressure: 0.5}]\n",
    "tag-python-object": "seed: !!python/object:os.system ls\n",
    "tag-local": "seed: !custom 3\n",
    "complex-key-list": "params: {[1, 2]: 0.5}\n",
    "complex-key-map": "? {a: 1}\n: 2\n",
    "null-key": "params: {~: 0.5}\n",
    "bool-key": "params: {true: 0.5}\n",
    "int-key": "params: {1: 0.5}\n",
    "float-1e308": "params: {us.ally_pressure: 1e308}\n",
    "float-1e999": "params: {us.ally_pressure: 1e999}\n",
    "float-inf": "params: {us.ally_pressure: .inf}\n",
    "float-nan": "params: {us.ally_pressure: .nan}\n",
    "seed-float": "seed: 1.5e3\n",
    "seed-hex-huge": "seed: 0xFFFFFFFFFFFFFFFFFF\n",
    "bad-date": "events:\n- {at: 2019-13-01, set: {us.ally_pressure: 0.5}}\n",
    "date-object": "events:\n- {at: 2020-02-30, set: {us.ally_pressure: 0.5}}\n",
    "alias-key": "x: &k us.ally_pressure\nparams: {*k : 0.5}\n",
    "alias-bomb": "a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                  "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                  "e: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n",
    "two-documents": "seed: 1\n---\nseed: 2\n",
    "not-mapping": "- 1\n- 2\n",
    "nul-byte": "seed: 1\x00\n",
    "horizon-tag": "horizon: {start: 2019Q1, end: !!int 2030}\n",
    "events-merge": "e: &e {at: 2020Q1}\nevents:\n- {<<: *e, set: {us.ally_pressure: 0.5}}\n",
    "extends-int": "extends: 3\n",
    "name-list": "name: [a, b]\n",
}
GOOD_YAML = {
    "anchor-on-value": "params:\n  us.ally_pressure: &p 0.6\n  us.export_controls: *p\n",
    "quoted-key": "params: {'us.ally_pressure': 0.5}\n",
    "float-exp-ok": "params: {us.ally_pressure: 5.0e-1}\n",
    # a tag equal to the one the value has anyway changes nothing: accepted
    "tag-str-on-key": "params: {!!str us.ally_pressure: 0.5}\n",
    "tag-on-mapping": "params: !!map {us.ally_pressure: 0.5}\n",
}


def scenario_cases(tmp: Path) -> None:
    d = tmp / "yaml"
    d.mkdir()
    for label, text in {**BAD_YAML, **GOOD_YAML}.items():
        f = d / f"{label}.yaml"
        f.write_text(text, encoding="utf-8")
        expect = "ok" if label in GOOD_YAML else "error"
        call_main(f"yaml/{label}/validate", "validate", f, expect=expect)
        call_main(f"yaml/{label}/show", "show", f, expect=expect)

        def load(f=f):
            from techbloc.sim.scenario import load_scenario

            load_scenario(f)
        api(f"yaml/{label}/load_scenario", load, expect=expect)
    # a --scenarios folder holding one bad file among good ones
    mixed = tmp / "mixed"
    mixed.mkdir()
    (mixed / "good.yaml").write_text("extends: baseline\n")
    (mixed / "bad.yaml").write_text(BAD_YAML["tag-bool-maybe"])
    (mixed / "bad2.yaml").write_text(BAD_YAML["merge-key-params"])
    call_main("yaml/scenarios-dir-with-bad-file/scenarios", "--scenarios", mixed, "scenarios",
              expect="ok")
    call_main("yaml/scenarios-dir-with-bad-file/show-good", "--scenarios", mixed, "show", "good",
              expect="ok")


def extends_cases(tmp: Path) -> None:
    secret_dir = tmp / "private"
    secret_dir.mkdir()
    (secret_dir / "config.yaml").write_text(f"seed: {SECRET}\ntoken: {SECRET}\n")
    up = tmp / "upl" / "a" / "b"
    up.mkdir(parents=True)
    targets = {"absolute": str(secret_dir / "config.yaml"),
               "dotdot": "../../../private/config", "dotdot-yaml": "../../../private/config.yaml",
               "absolute-no-suffix": str(secret_dir / "config")}

    def no_secret(msg):
        if msg and (SECRET in msg or str(secret_dir) in msg):
            return "error echoes the other file's content or path"
        return None

    for label, target in targets.items():
        f = up / f"ext-{label}.yaml"
        f.write_text(f"extends: {target}\n")

        def load(f=f):
            from techbloc.sim.scenario import load_scenario

            load_scenario(f)
        api(f"extends/{label}/load_scenario", load, check=no_secret)

        def upload(target=target):
            from techbloc.app import session

            u = session.check_upload("mine.yaml", f"extends: {target}\n")
            msg = " ".join(u.errors)
            if not u.errors:
                return "upload extending a file outside the library was accepted"
            if SECRET in msg or str(secret_dir) in msg or tempfile.gettempdir() in msg:
                return f"upload error echoes content or a server path: {msg[:200]}"
            return None
        app_case(f"extends/{label}/app-upload", upload)


def app_case(name, fn):
    try:
        problem = fn()
    except Exception:  # noqa: BLE001
        return record(name, "traceback", traceback.format_exc())
    record(name, "wrong" if problem else "clean", problem or "")


def app_cases(tmp: Path) -> None:
    from techbloc.app import session

    tmpdir = Path(tempfile.gettempdir())
    before = set(tmpdir.glob("techbloc-app-*"))

    def big():
        u = session.check_upload("big.yaml", "# " + "x" * (20 * 2**20) + "\n")
        if not u.errors:
            return "a 20 MB upload was accepted without a message"
        return None
    app_case("app/upload-20MB", big)

    def binary():
        u = session.check_upload("bin.yaml", b"\xff\xfe\x00garbage")
        return None if u.errors else "binary upload accepted"
    app_case("app/upload-binary", binary)

    def tagged():
        u = session.check_upload("t.yaml", BAD_YAML["tag-bool-maybe"])
        return None if u.errors else "tagged upload accepted"
    app_case("app/upload-tag", tagged)

    for i in range(3):
        session.check_upload(f"ok{i}.yaml", "extends: baseline\n")
        with contextlib.suppress(Exception):
            session.load_text("extends: baseline\n", f"ok{i}.yaml")
    left = set(tmpdir.glob("techbloc-app-*")) - before
    record("app/temporary-folders-left", "wrong" if left else "clean",
           f"{len(left)} techbloc-app-* folders left behind" if left else "")
    for p in left:
        shutil.rmtree(p, ignore_errors=True)


def name_cases(tmp: Path) -> None:
    for label, name in (("dotdot", "../../escaped-x"), ("absolute", str(tmp / "abs-escaped")),
                        ("slashes", "a/b/c"), ("dot", ".."), ("empty", "''")):
        work = tmp / f"name-{label}"
        (work / "inner" / "deeper").mkdir(parents=True)
        cwd = work / "inner" / "deeper"
        f = cwd / "s.yaml"
        f.write_text(f"name: {name}\nextends: baseline\n")

        def check(cwd=cwd, work=work):
            made = [p for p in work.rglob("*") if p.is_dir() and "results" not in p.parts
                    and p != work / "inner" and p != cwd]
            made += [p for p in tmp.glob("abs-escaped*")]
            inside = [p for p in (cwd / "results").glob("*")] if (cwd / "results").exists() else []
            if made:
                return f"run folder outside results/: {made[0]}"
            if len(inside) != 1:
                return f"expected one run folder in results/, found {len(inside)}"
            return None
        cli(f"name/{label}/run", "run", f, "-n", "1", "--horizon", SHORT, "--no-plots",
            cwd=cwd, expect="ok", check=check)


# --------------------------------------------------------------------------- data files
def data_cases(tmp: Path) -> None:
    from techbloc.sim import world as W

    src = Path(W.DATA)
    edits = [
        ("countries.csv", "gdp_usd", "inf"), ("countries.csv", "gdp_usd", "-inf"),
        ("countries.csv", "gdp_usd", "1e999"), ("countries.csv", "gdp_usd", "nan"),
        ("countries.csv", "population", "inf"), ("countries.csv", "lat", "inf"),
        ("countries.csv", "gdp_usd", "1e308"),
        ("operators.csv", "market_share", "inf"), ("operators.csv", "china_4g_share", "inf"),
        ("devices.csv", "asp_usd", "inf"), ("devices.csv", "asp_usd", "nan"),
        ("devices.csv", "consumer_revenue_2019_usd", "inf"),
        ("handset_markets.csv", "units_2019", "inf"), ("handset_markets.csv", "units_2019", "-5"),
    ]
    import csv

    for i, (fname, col, value) in enumerate(edits):
        d = tmp / f"data{i}"
        shutil.copytree(src, d)
        path = d / fname
        rows = list(csv.reader(path.open(encoding="utf-8")))
        j = rows[0].index(col)
        rows[1][j] = value
        with path.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)

        def load(d=d, fname=fname):
            from techbloc.sim.world import load_world

            load_world(d)

        def located(msg, fname=fname, col=col):
            if not msg or fname not in msg or ":2:" not in msg or col not in msg:
                return f"error does not name file:line and column: {msg}"
            return None
        api(f"data/{fname}:{col}={value}", load, check=located)
    # a YAML value 1e308 in vendors.yaml
    d = tmp / "data-vendors"
    shutil.copytree(src, d)
    text = (d / "vendors.yaml").read_text()
    (d / "vendors.yaml").write_text(text.replace("price:", "price: .inf #", 1))

    def load_v():
        from techbloc.sim.world import load_world

        load_world(d)
    api("data/vendors.yaml:price=.inf", load_v)


# --------------------------------------------------------------------------- run folders
def run_folder_cases(tmp: Path) -> Path:
    good = tmp / "good-run"
    cli("run/make-good-folder", "run", "baseline", "-n", "2", "--seed", "1", "--horizon", SHORT,
        "--out", good, expect="ok")
    other = tmp / "good-run-2"
    cli("run/make-second-folder", "run", "sanctions-2019", "-n", "2", "--seed", "1", "--horizon",
        SHORT, "--out", other, "--no-plots", expect="ok")

    def variant(label, fn):
        d = tmp / f"run-{label}"
        shutil.copytree(good, d)
        fn(d)
        return d

    def garbage(f):
        f.write_bytes(b"PAR1" + os.urandom(300) + b"PAR1")

    def truncate(f):
        data = f.read_bytes()
        f.write_bytes(data[: len(data) // 2])

    def manifest(d, text):
        (d / "manifest.json").write_text(text)

    def set_manifest(d, **kw):
        m = json.loads((d / "manifest.json").read_text())
        m.update(kw)
        (d / "manifest.json").write_text(json.dumps(m))

    variants = {
        "model-garbage": lambda d: garbage(d / "model.parquet"),
        "model-truncated": lambda d: truncate(d / "model.parquet"),
        "countries-truncated": lambda d: truncate(d / "countries.parquet"),
        "devices-garbage": lambda d: garbage(d / "devices.parquet"),
        "model-is-devices": lambda d: shutil.copy(d / "devices.parquet", d / "model.parquet"),
        "model-is-countries": lambda d: shutil.copy(d / "countries.parquet", d / "model.parquet"),
        "model-from-other-run": lambda d: shutil.copy(other / "model.parquet",
                                                      d / "model.parquet"),
        "model-missing": lambda d: (d / "model.parquet").unlink(),
        "model-empty-file": lambda d: (d / "model.parquet").write_bytes(b""),
        "model-is-dir": lambda d: ((d / "model.parquet").unlink(),
                                   (d / "model.parquet").mkdir()),
        "manifest-not-json": lambda d: manifest(d, "{not json"),
        "manifest-list": lambda d: manifest(d, "[1, 2]"),
        "manifest-empty": lambda d: manifest(d, ""),
        "manifest-missing": lambda d: (d / "manifest.json").unlink(),
        "manifest-running": lambda d: set_manifest(d, status="running"),
        "manifest-scenario-list": lambda d: set_manifest(d, scenario=[1]),
        "manifest-binary": lambda d: (d / "manifest.json").write_bytes(b"\xff\xfe\x00"),
    }
    dirs = {label: variant(label, fn) for label, fn in variants.items()}
    dirs["empty-dir"] = tmp / "run-empty"
    dirs["empty-dir"].mkdir()
    dirs["a-file"] = tmp / "run-a-file"
    dirs["a-file"].write_text("x")
    dirs["missing"] = tmp / "run-missing"
    for label, d in dirs.items():
        for kind in ("curves", "map", "countries"):
            call_main(f"folder/{label}/plot-{kind}", "plot", d, "--kind", kind, "-o",
                      tmp / f"o-{label}-{kind}.png")
        call_main(f"folder/{label}/report", "report", d, "-o", tmp / f"o-{label}.html")
        call_main(f"folder/{label}/compare-from", "compare", "--from", d, other, "--out",
                  tmp / f"cmp-{label}")

        def load(d=d):
            import techbloc as tb

            tb.load(d)
        api(f"folder/{label}/tb.load", load)
    return good


def concurrency_cases(tmp: Path, trials: int = 3) -> None:
    from techbloc.sim.results import load_results

    for t in range(trials):
        out = tmp / f"same-{t}"
        procs = [subprocess.Popen([*CLI, "run", "baseline", "-n", "2", "--seed", str(s),
                                   "--horizon", SHORT, "--no-plots", "--out", str(out)],
                                  stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                 for s in (1, 2)]
        results = [p.communicate(timeout=600) + (p.returncode,) for p in procs]
        errs = "".join(r[1] for r in results)
        if "Traceback" in errs:
            record(f"concurrent/run-same-out-{t}", "traceback", errs)
            continue
        try:
            res = load_results(out)
        except Exception as e:  # noqa: BLE001
            record(f"concurrent/run-same-out-{t}", "wrong", f"folder unreadable after both: {e}")
            continue
        seeds = {r["seed"] for r in res.manifest["replicates"]}
        tables = set(res.model["seed"]) | set(res.countries["seed"]) | set(res.devices["seed"])
        ok_codes = sorted(r[2] for r in results)
        if tables != seeds:
            record(f"concurrent/run-same-out-{t}", "wrong",
                   f"manifest seeds {sorted(seeds)} but table seeds {sorted(tables)}")
        elif ok_codes == [0, 0]:
            record(f"concurrent/run-same-out-{t}", "wrong",
                   "both runs claimed the same folder (one silently replaced the other)")
        else:
            record(f"concurrent/run-same-out-{t}", "clean", errs)
    # a folder that holds a finished run is refused (unless --overwrite)
    out = tmp / "same-0"
    cli("concurrent/rerun-into-finished-folder", "run", "baseline", "-n", "1", "--horizon",
        SHORT, "--no-plots", "--out", out)


# --------------------------------------------------------------------------- CLI paths
def _raise_on(target: str, code: int):
    """A patch making ``target`` (``module.attr`` or ``module.Class.attr``) raise OSError(code)."""
    import importlib
    from unittest import mock

    parts = target.split(".")
    for i in range(len(parts) - 1, 0, -1):
        try:
            owner = importlib.import_module(".".join(parts[:i]))
            break
        except ImportError:
            continue
    for name in parts[i:-1]:
        owner = getattr(owner, name)

    def boom(*a, **k):
        where = next((str(x) for x in (*a, *k.values()) if isinstance(x, str | Path)), "?")
        raise OSError(code, os.strerror(code), where)
    return lambda: mock.patch.object(owner, parts[-1], boom)


def enospc(target: str):
    """A patch making the named writer raise ENOSPC (disk full)."""
    return _raise_on(target, errno.ENOSPC)


def path_cases(tmp: Path, good: Path, sweep_file: Path) -> None:
    afile = tmp / "a-file"
    afile.write_text("x")
    run = ("run", "baseline", "-n", "1", "--horizon", SHORT, "--no-plots")
    call_main("paths/run-out-proc", *run, "--out", "/proc/x/y")
    call_main("paths/run-out-existing-file", *run, "--out", afile)
    call_main("paths/run-out-under-file", *run, "--out", afile / "sub")
    call_main("paths/run-out-sys", *run, "--out", "/sys/techbloc-x")
    call_main("paths/run-enospc-parquet", *run, "--out", tmp / "full-1",
              patch=enospc("pandas.DataFrame.to_parquet"))
    call_main("paths/run-enospc-pyarrow", *run, "--out", tmp / "full-2",
              patch=enospc("pyarrow.parquet.write_table"))
    call_main("paths/run-eacces", *run, "--out", tmp / "perm",
              patch=_raise_on("pathlib.Path.mkdir", errno.EACCES))
    call_main("paths/sweep-enospc-manifest", "sweep", sweep_file, "-w", "1", "--out",
              tmp / "sweep-full", patch=_raise_on("pathlib.Path.write_text", errno.ENOSPC))
    call_main("paths/plot-o-proc", "plot", good, "-o", "/proc/x.png")
    call_main("paths/plot-o-missing-dir", "plot", good, "-o", tmp / "nope" / "x.png")
    call_main("paths/plot-o-dir", "plot", good, "-o", tmp)
    call_main("paths/plot-countries-o-proc", "plot", good, "--kind", "countries", "-o",
              "/proc/x.csv")
    call_main("paths/report-o-proc", "report", good, "-o", "/proc/x.html")
    call_main("paths/compare-out-file", "compare", "--from", good, good, "--out", afile)
    for label, setting in (("bracket", "us.ally_pressure=["), ("brace", "us.ally_pressure={"),
                           ("tag", "us.ally_pressure=!!bool maybe"),
                           ("python-tag", "us.ally_pressure=!!python/object:os.system x"),
                           ("1e308", "us.ally_pressure=1e308"), ("inf", "us.ally_pressure=.inf"),
                           ("nan", "us.ally_pressure=.nan"), ("list", "us.ally_pressure=[1]"),
                           ("no-key", "=3"), ("int-key", "1=0.5"), ("tab", "us.ally_pressure=\t")):
        call_main(f"cli/set-{label}/show", "show", "baseline", "--set", setting)
    t0 = time.time()
    call_main("cli/compare-baseline-not-compared", "compare", "baseline", "sanctions-2019",
              "--baseline", "decoupling", "-n", "1", "--horizon", SHORT, "--out", tmp / "c1",
              check=lambda: "ran the scenarios before refusing" if time.time() - t0 > 20 else None)
    call_main("cli/compare-baseline-not-in-from", "compare", "--from", good, good, "--baseline",
              "nope", "--out", tmp / "c2")
    call_main("cli/compare-one", "compare", "baseline", "-n", "1", "--out", tmp / "c3")
    call_main("cli/horizon-bad", "show", "baseline", "--horizon", "2030")
    call_main("cli/horizon-list", "show", "baseline", "--horizon", "2019Q1:2020Q1:2021Q1")
    call_main("cli/scenario-dir", "show", tmp)
    call_main("cli/scenario-devnull", "show", "/dev/null")
    call_main("cli/validate-missing", "validate", tmp / "nope.yaml")
    call_main("cli/validate-dir", "validate", tmp)
    call_main("cli/scenarios-dir-missing", "--scenarios", tmp / "nope", "show", "nope")
    call_main("cli/sweep-file-missing", "sweep", tmp / "nope.yaml")
    call_main("cli/sweep-file-dir", "sweep", tmp)
    call_main("cli/sweep-resume-missing", "sweep", sweep_file, "--resume", tmp / "nope")
    call_main("cli/sweep-resume-run-folder", "sweep", sweep_file, "--resume", good)



def _quick(limit: float = 20.0):
    """A check that the refusal came before any long work (within ``limit`` seconds)."""
    t0 = time.time()
    return lambda: (f"refused only after {time.time() - t0:.0f} s of work"
                    if time.time() - t0 > limit else None)


@contextlib.contextmanager
def _env(name: str, value: str):
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def round3_cases(tmp: Path, good: Path) -> None:
    """Bad input of round 3 (tests/test_hardening_round3.py): each refused before any work."""
    clash = tmp / "clash.yaml"
    clash.write_text("name: clash\nextends: sanctions-2019\nevents:\n"
                     "  - {at: 2021Q1, name: a, set: {us.ally_pressure: 0.3}}\n"
                     "  - {at: 2021-02-15, name: b, set: {us.ally_pressure: 0.7}}\n")
    call_main("round3/clash-validate", "validate", clash)
    call_main("round3/clash-run", "run", clash, "-n", "1", "--out", tmp / "r3a", check=_quick())
    call_main("round3/env-folder-missing", "show", "baseline",
              patch=lambda: _env("TECHBLOC_SCENARIOS", str(tmp / "nope")))
    call_main("round3/set-after-horizon", "show", "baseline", "--set",
              "us.ally_pressure=0.5@2031Q1")
    call_main("round3/set-no-value", "show", "baseline", "--set", "us.ally_pressure=@2022Q1")
    call_main("round3/scale-quarter", "show", "baseline", "--scale", "us.ally_pressure=2@2022Q1")
    for label, extra in (("enterprise-by-vendor", ["--metric", "enterprise_china_share", "--by",
                                                   "vendor"]),
                         ("device-by-bri", ["--metric", "device_share", "--by", "bri"]),
                         ("metric-date", ["--metric", "date"]),
                         ("world-total-by-region", ["--metric", "own_os_share", "--by",
                                                    "region"])):
        call_main(f"round3/plot-{label}", "plot", good, "--kind", "curves", *extra, "-o",
                  tmp / "r3.png")
    call_main("round3/compare-name-twice", "compare", "baseline", "--from", good, "--out",
              tmp / "r3c", check=_quick())
    call_main("round3/calibrate-generations-alone", "calibrate", "--generations", "3", "--out",
              tmp / "r3cal", check=_quick())
    call_main("round3/calibrate-history", "calibrate", "--countries", "--scenario", "history",
              "--out", tmp / "r3cal2", check=_quick())
    call_main("round3/hindcast-history", "hindcast", "--scenario", "history", "--out",
              tmp / "r3h", check=_quick())
    call_main("round3/hindcast-cv-fit-alone", "hindcast", "--cv-fit", "legacy", "--out",
              tmp / "r3h2", check=_quick())
    call_main("round3/run-n-20000", "run", "baseline", "-n", "20000")
    call_main("round3/reversibility-itself", "reversibility", "baseline", "-n", "1", "--out",
              tmp / "r3rv", check=_quick())
    cli("round3/app-port-99999", "app", "--port", "99999", timeout=60)


def round4_cases(tmp: Path, sweep_file: Path) -> None:
    """Bad input and damaged folders of round 4 (tests/test_hardening_round4.py)."""
    cli("round4/tipping-points-1e9", "tipping", "baseline", "--lever", "us.ally_pressure",
        "--points", "1000000000", "--out", tmp / "r4t", timeout=60, memlimit=True)
    call_main("round4/tipping-switch", "tipping", "baseline", "--lever",
              "mechanisms.equipment_market", "--out", tmp / "r4t2", check=_quick())
    for label, text in (("country-policy-as-map", "extends: baseline\nevents:\n"
                         "- {at: 2020Q1, country_policy: {CAN: ban}}\n"),
                        ("tab-indent", "extends: baseline\nparams:\n\tus.ally_pressure: 0.5\n")):
        f = tmp / f"r4-{label}.yaml"
        f.write_text(text)
        call_main(f"round4/{label}", "validate", f,
                  check=lambda: None)  # one located error (the tests check its words)
    good = tmp / "r4-sweep"
    cli("round4/sweep-make", "sweep", sweep_file, "-w", "1", "--out", good, expect="ok")
    other = tmp / "r4-other.yaml"
    other.write_text(sweep_file.read_text().replace("[0.2, 0.8]", "[0.3, 0.6, 0.9]"))
    cli("round4/sweep-make-other", "sweep", other, "-w", "1", "--out", tmp / "r4-o", expect="ok")
    summary = (good / "summary.parquet").read_bytes()

    def damaged(label, damage, expect):
        d = tmp / f"r4-{label}"
        shutil.copytree(good, d)
        damage(d)

        def same():  # a refusal leaves the table; a repair ends with the same one
            import pandas as pd

            if not (d / "summary.parquet").exists():
                return "summary.parquet missing"
            a, b = pd.read_parquet(d / "summary.parquet"), pd.read_parquet(good / "summary.parquet")
            return None if a.equals(b) else f"summary differs: {len(a)} rows, not {len(b)}"
        cli(f"round4/sweep-{label}/resume", "sweep", sweep_file, "--resume", d, "-w", "1",
            expect=expect, check=same)
    runs = tmp / "r4-o" / "runs"
    damaged("foreign-run", lambda d: shutil.copy(runs / "p000001-r0000.parquet", d / "runs"),
            "error")
    damaged("run-outside-design", lambda d: shutil.copy(runs / "p000005-r0000.parquet",
                                                        d / "runs"), "error")
    damaged("renamed-copy", lambda d: shutil.copy(d / "runs" / "p000000-r0000.parquet",
                                                  d / "runs" / "p000000-r0000 (2).parquet"),
            "error")
    damaged("truncated-run", lambda d: (d / "runs" / "p000001-r0000.parquet").write_bytes(
        b"PAR1"), "ok")
    damaged("no-manifest", lambda d: (d / "manifest.json").unlink(), "ok")
    damaged("stray-files", lambda d: ((d / "notes.txt").write_text("x"),
                                      (d / "runs" / "readme.md").write_text("x")), "ok")
    assert (good / "summary.parquet").read_bytes() == summary
    # SIGTERM mid-sweep: the manifest says interrupted, the resume ends with the whole table
    slow = tmp / "r4-slow.yaml"
    slow.write_text("scenario: baseline\ndesign: grid\nhorizon: 2019Q1:2024Q4\n"
                    "replications: 30\nparameters:\n  us.ally_pressure: [0.2, 0.4, 0.6, 0.8]\n")
    d = tmp / "r4-term"
    p = subprocess.Popen([*CLI, "sweep", str(slow), "-w", "1", "--out", str(d)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while len(list((d / "runs").glob("*.parquet"))) < 5 and time.time() < deadline:
        time.sleep(0.05)
    p.send_signal(signal.SIGTERM)
    err = p.communicate(timeout=120)[1]
    status = json.loads((d / "manifest.json").read_text()).get("status")
    classify("round4/sweep-sigterm", 0 if status == "interrupted" else 1, err, "ok")
    cli("round4/sweep-sigterm/resume", "sweep", slow, "--resume", d, "-w", "1", expect="ok")
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        cli("round4/app-port-in-use", "app", "--port", busy.getsockname()[1], timeout=60)

    def upload(name, text):
        from techbloc.app import session

        def check():
            u = session.check_upload(name, text)
            return None if u.errors or u.scenario is not None else "no answer"
        return check
    cli("round4/sweep-workers-100000", "sweep", sweep_file, "-w", "100000", "--out",
        tmp / "r4-w", timeout=120, memlimit=True)
    dup = tmp / "r4-dup.yaml"
    dup.write_text(sweep_file.read_text().replace("[0.2, 0.8]", "[0.2, 0.8, 0.20]"))
    call_main("round4/sweep-grid-value-twice", "validate", dup)
    # the base scenario edited between the start and the resume of its sweep
    base = tmp / "r4base.yaml"
    base.write_text("name: r4base\nextends: baseline\nparams:\n  china.bri_discount: 0.05\n")
    edited = tmp / "r4-edited.yaml"
    edited.write_text(sweep_file.read_text().replace("scenario: baseline", "scenario: r4base"))
    d = tmp / "r4-edited"
    cli("round4/sweep-edited-base/make", "sweep", edited, "-w", "1", "--out", d, expect="ok")
    (d / "runs" / "p000000-r0000.parquet").unlink()
    base.write_text(base.read_text().replace("0.05", "0.25"))
    cli("round4/sweep-edited-base/resume", "sweep", edited, "--resume", d, "-w", "1")
    for command in (["tipping", "baseline", "--lever", "us.ally_pressure", "--points", "3"],
                    ["reversibility", "sanctions-2019"], ["hindcast"],
                    ["compare", "baseline", "sanctions-2019"]):
        call_main(f"round4/{command[0]}-out-is-a-sweep", *command, "-n", "1", "--out", good,
                  check=_quick())
    app_case("round4/upload-name-300", upload("x" * 300, "extends: baseline\n"))
    app_case("round4/upload-surrogate", upload("s.yaml", "title: \ud800\n"))


def api_cases() -> None:
    import techbloc as tb

    calls = {
        "set-int-key": lambda: tb.load_scenario("baseline", set={1: 0.5}),
        "set-list": lambda: tb.load_scenario("baseline", set=["us.ally_pressure", 0.5]),
        "set-str": lambda: tb.load_scenario("baseline", set="us.ally_pressure=0.5"),
        "set-value-str": lambda: tb.load_scenario("baseline", set={"us.ally_pressure": "x"}),
        "set-value-nan": lambda: tb.load_scenario("baseline", set={"us.ally_pressure":
                                                                   float("nan")}),
        "set-value-inf": lambda: tb.load_scenario("baseline", set={"us.ally_pressure":
                                                                   float("inf")}),
        "horizon-int": lambda: tb.load_scenario("baseline", horizon=2030),
        "horizon-tuple-ints": lambda: tb.load_scenario("baseline", horizon=(2019, 2030)),
        "horizon-none-pair": lambda: tb.load_scenario("baseline", horizon=(None, None)),
        "scenario-int": lambda: tb.load_scenario(123),
        "scenario-none": lambda: tb.load_scenario(None),
        "run-replications-str": lambda: tb.run("baseline", replications="2"),
        "run-seed-float": lambda: tb.run("baseline", seed=1.5, replications=1),
        "run-set-int-key": lambda: tb.run("baseline", set={1: 0.5}, replications=1),
        "run-horizon-int": lambda: tb.run("baseline", horizon=2030, replications=1),
        "run-search-str": lambda: tb.run("nope", search=5, replications=1),
        "load-missing": lambda: tb.load("/nonexistent/x"),
        "load-int": lambda: tb.load(5),
        "sweep-missing": lambda: tb.sweep("/nonexistent/x.yaml"),
        "sweep-workers-0": lambda: tb.sweep("/nonexistent/x.yaml", workers=0),
    }
    for label, fn in calls.items():
        api(f"api/{label}", fn)


# --------------------------------------------------------------------------- sweeps
def make_sweep_file(tmp: Path) -> Path:
    f = tmp / "sw.yaml"
    f.write_text("scenario: baseline\ndesign: grid\nhorizon: 2019Q1:2020Q4\nreplications: 1\n"
                 "parameters:\n  us.ally_pressure: [0.2, 0.8]\n  us.export_controls: [0.1, 0.9]\n")
    return f


def sweep_cases(tmp: Path, sweep_file: Path) -> None:
    good = tmp / "sweep-good"
    cli("sweep/make-good", "sweep", sweep_file, "-w", "1", "--out", good, expect="ok")
    cli("sweep/heatmap-ok", "plot", good, "--kind", "heatmap", "--x", "us.ally_pressure",
        "--y", "us.export_controls", "--metric", "share_china_end", "-o", tmp / "hm.png",
        expect="ok")
    for kind in ("curves", "map", "policy", "countries"):
        call_main(f"sweep/plot-{kind}-on-sweep", "plot", good, "--kind", kind, "-o",
                  tmp / f"sw-{kind}.png", expect="any")
    call_main("sweep/report-on-sweep", "report", good, "-o", tmp / "sw.html", expect="any")
    call_main("sweep/sensitivity-on-grid", "sensitivity", good, expect="any")

    def variant(label, fn):
        d = tmp / f"sweep-{label}"
        shutil.copytree(good, d)
        fn(d)
        return d
    runs = sorted((good / "runs").glob("*.parquet"))
    variants = {
        "summary-garbage": lambda d: (d / "summary.parquet").write_bytes(b"PAR1xxxxPAR1"),
        "summary-missing": lambda d: (d / "summary.parquet").unlink(),
        "manifest-not-json": lambda d: (d / "manifest.json").write_text("{"),
        "manifest-list": lambda d: (d / "manifest.json").write_text("[]"),
        "manifest-no-sweep-key": lambda d: (d / "manifest.json").write_text(
            json.dumps({"techbloc_sweep": 1})),
        "manifest-sweep-list": lambda d: (d / "manifest.json").write_text(
            json.dumps({"techbloc_sweep": 1, "sweep": [1], "status": "complete"})),
        "run-garbage": lambda d: (d / "runs" / runs[0].name).write_bytes(b"PAR1zzPAR1"),
        "runs-dir-file": lambda d: (shutil.rmtree(d / "runs"), (d / "runs").write_text("x")),
        "summary-is-run": lambda d: shutil.copy(runs[0], d / "summary.parquet"),
    }
    for label, fn in variants.items():
        d = variant(label, fn)
        call_main(f"sweepfolder/{label}/heatmap", "plot", d, "--kind", "heatmap", "--x",
                  "us.ally_pressure", "--y", "us.export_controls", "--metric",
                  "share_china_end", "-o", tmp / "x.png",
                  expect="error" if label not in ("run-garbage", "runs-dir-file") else "any")
        call_main(f"sweepfolder/{label}/sensitivity", "sensitivity", d, "--metric",
                  "share_china_end", expect="error" if label not in ("run-garbage",
                                                                    "runs-dir-file") else "any")

        def load(d=d):
            import techbloc as tb

            tb.load(d)
        api(f"sweepfolder/{label}/tb.load", load,
            expect="error" if label not in ("run-garbage", "runs-dir-file") else "any")
        # last: a resume may repair the folder
        call_main(f"sweepfolder/{label}/resume", "sweep", sweep_file, "--resume", d,
                  expect="any")
    # design size caps (in a subprocess with a memory limit: main may die of MemoryError)
    big = tmp / "big-grid.yaml"
    params = ["us.ally_pressure", "us.export_controls", "china.bri_discount",
              "china.cooperation"]
    big.write_text("scenario: baseline\ndesign: grid\nparameters:\n" + "".join(
        f"  {p}: [{', '.join(str(0.001 * i + 0.01) for i in range(100))}]\n" for p in params))
    lhs = tmp / "big-lhs.yaml"
    lhs.write_text("scenario: baseline\ndesign: lhs\nsamples: 10000000\nparameters:\n"
                   "  us.ally_pressure: {low: 0.1, high: 0.9}\n")
    for label, f in (("grid-100^4", big), ("lhs-10^7", lhs)):
        cli(f"sweep/design-cap-{label}", "sweep", f, "-w", "1", "--out", tmp / f"cap-{label}",
            timeout=120, memlimit=True)


def orphan_cases(tmp: Path, sweep_file: Path) -> None:
    import psutil

    slow = tmp / "slow.yaml"
    slow.write_text("scenario: baseline\ndesign: grid\nreplications: 4\nparameters:\n"
                    "  us.ally_pressure: [0.1, 0.3, 0.5, 0.7, 0.9]\n")
    for backend in ("local", "dask"):
        p = subprocess.Popen([*CLI, "sweep", str(slow), "-w", "2", "--backend", backend,
                              "--out", str(tmp / f"orphan-{backend}")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        kids: set[int] = set()
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                kids |= {c.pid for c in psutil.Process(p.pid).children(recursive=True)}
            except psutil.NoSuchProcess:
                break
            if len(list((tmp / f"orphan-{backend}" / "runs").glob("*.parquet"))) >= 1:
                break
            time.sleep(0.5)
        with contextlib.suppress(psutil.NoSuchProcess):
            kids |= {c.pid for c in psutil.Process(p.pid).children(recursive=True)}
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        time.sleep(15)
        alive = [k for k in kids if psutil.pid_exists(k)
                 and psutil.Process(k).status() != psutil.STATUS_ZOMBIE]
        for k in alive:
            record(f"orphan/sweep-{backend}/pid-{k}", "orphan",
                   " ".join(psutil.Process(k).cmdline())[:150])
            with contextlib.suppress(psutil.NoSuchProcess):
                psutil.Process(k).kill()
        if not alive:
            record(f"orphan/sweep-{backend}", "clean", f"{len(kids)} children, none left")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run only the groups whose name starts so")
    parser.add_argument("--json", help="write every case and outcome to this file")
    args = parser.parse_args()
    os.environ.setdefault("MPLBACKEND", "Agg")
    tmp = Path(tempfile.mkdtemp(prefix="techbloc-fuzz-"))
    start = time.time()
    try:
        sweep_file = make_sweep_file(tmp)
        groups = [("yaml", lambda: scenario_cases(tmp)), ("extends", lambda: extends_cases(tmp)),
                  ("app", lambda: app_cases(tmp)), ("name", lambda: name_cases(tmp)),
                  ("data", lambda: data_cases(tmp)), ("api", api_cases),
                  ("folder", lambda: run_folder_cases(tmp)),
                  ("concurrent", lambda: concurrency_cases(tmp)),
                  ("paths", lambda: path_cases(tmp, _good(tmp), sweep_file)),
                  ("sweep", lambda: sweep_cases(tmp, sweep_file)),
                  ("round3", lambda: round3_cases(tmp, _good(tmp))),
                  ("round4", lambda: round4_cases(tmp, sweep_file)),
                  ("orphan", lambda: orphan_cases(tmp, sweep_file))]
        for name, fn in groups:
            if name.startswith(args.only) or not args.only:
                fn()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    counts = Counter(r["outcome"] for r in RESULTS)
    print(f"\n{len(RESULTS)} inputs in {time.time() - start:.0f} s: "
          + ", ".join(f"{k} {counts.get(k, 0)}" for k in ("clean", "ok", "traceback", "wrong",
                                                          "orphan")))
    if args.json:
        Path(args.json).write_text(json.dumps({"counts": counts, "cases": RESULTS}, indent=1))
    return 1 if counts.get("traceback") or counts.get("wrong") or counts.get("orphan") else 0


def _good(tmp: Path) -> Path:
    good = tmp / "good-run"
    if not (good / "manifest.json").exists():
        subprocess.run([*CLI, "run", "baseline", "-n", "2", "--seed", "1", "--horizon", SHORT,
                        "--out", str(good)], capture_output=True, check=False)
    return good


if __name__ == "__main__":
    sys.exit(main())
