"""The ``techbloc`` command (the only module of sim that imports analysis).

Heavy modules (pandas, Mesa, matplotlib) are imported inside the commands, so ``techbloc --help``
answers at once. Errors of techbloc's own kinds print one line without a traceback and exit 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

EXIT_USAGE = 2


def _int_at_least(low: int, what: str):
    """An argparse type accepting integers >= ``low``, with a message naming ``what``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low:
            raise argparse.ArgumentTypeError(f"expected a {what}, got {text!r}")
        return value

    return parse


_positive_int = _int_at_least(1, "positive integer")
_seed = _int_at_least(0, "non-negative integer")


def _assignment(text: str) -> tuple[str, object]:
    import yaml

    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), yaml.safe_load(value)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="techbloc",
        description="Scenario simulator of tech-alliance dynamics: countries' Huawei policies "
                    "and operators' 5G vendor choices under sanctions and Belt & Road incentives.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run a scenario's replicates and write a run folder",
                         description="Run a named scenario (or a YAML file) and write "
                                     "manifest.json, model.parquet, countries.parquet and "
                                     "adoption.png into a run folder.")
    run.add_argument("scenario", metavar="NAME|PATH",
                     help="a shipped scenario (baseline, sanctions-2019) or a YAML file")
    run.add_argument("--replications", "-n", type=_positive_int, metavar="N",
                     help="number of replicates (default: the scenario's)")
    run.add_argument("--seed", type=_seed, metavar="S", help="base seed (default: the scenario's)")
    run.add_argument("--out", metavar="DIR",
                     help="run folder (default: results/<scenario>-<UTC timestamp>)")
    run.add_argument("--set", dest="overrides", type=_assignment, action="append", default=[],
                     metavar="KEY=VALUE", help="override a parameter, e.g. us.ally_pressure=0.8")
    run.add_argument("--no-plots", action="store_true", help="write tables only")

    params = sub.add_parser("params", help="print the parameter tree",
                            description="Print every parameter with default, unit, range and "
                                        "role; --markdown prints docs/parameters.md.")
    params.add_argument("--markdown", action="store_true", help="print as Markdown")

    sub.add_parser("scenarios", help="list the shipped scenarios",
                   description="List the shipped scenarios with their titles.")
    return parser


def cmd_run(args: argparse.Namespace) -> int:
    """Run a scenario and write its run folder."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from sim.experiment import run
    from sim.results import write_manifest
    from sim.scenario import load_scenario

    console = Console(stderr=True)
    scenario = load_scenario(args.scenario, set=dict(args.overrides))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = Path(args.out) if args.out else Path("results") / f"{scenario.name}-{stamp}"
    n = args.replications or scenario.replications
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(f"{scenario.name}", total=n)
        try:
            res = run(scenario, replications=n, seed=args.seed, out=out,
                      progress=lambda done, total: bar.update(task, completed=done))
        except BaseException as e:
            manifest = out / "manifest.json"
            if manifest.exists():  # leave no folder that looks complete
                import json

                m = json.loads(manifest.read_text())
                m["status"] = "failed" if not isinstance(e, KeyboardInterrupt) else "interrupted"
                m["error"] = f"{type(e).__name__}: {e}"
                write_manifest(out, m)
            raise
    if not args.no_plots:
        from analysis.curves import adoption_figure

        fig, _ = adoption_figure(res.model, res.countries, title=scenario.title or scenario.name)
        fig.savefig(out / "adoption.png", dpi=120)
    print(f"run folder: {out}")
    for line in res.summary():
        print(f"  {line}")
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    """Print the parameter tree."""
    from sim import params

    if args.markdown:
        sys.stdout.write(params.to_markdown())
        return 0
    for key, p in params.FLAT.items():
        rng = "true/false" if p.kind is bool else f"[{p.range[0]:g}, {p.range[1]:g}]"
        print(f"{key:38s} {p.default!s:>10} {rng:>14}  {p.role:11s} {p.unit}")
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    """List the shipped scenarios."""
    from sim.scenario import available, load_scenario

    for name in available():
        print(f"{name:24s} {load_scenario(name).title}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``techbloc`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    from sim.errors import TechblocError

    commands = {"run": cmd_run, "params": cmd_params, "scenarios": cmd_scenarios}
    try:
        return commands[args.command](args)
    except TechblocError as e:
        print(f"techbloc: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("techbloc: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
