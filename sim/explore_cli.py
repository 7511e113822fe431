"""The exploratory-modelling commands of ``techbloc``: discover, tipping, reversibility.

Kept apart from :mod:`sim.cli` (which only registers them): argument parsing here, the runs in
:mod:`sim.explore`, the analysis in :mod:`analysis.discovery`, the pictures in
:mod:`analysis.explore_plots`. Nothing heavy is imported until a command runs.
"""

from __future__ import annotations

import argparse
import math
import sys
import warnings
from pathlib import Path

from techbloc.sim.commands import (  # light at import
    int_at_least,
    positive_int,
    replicate_count,
    seed_value,
)


def print_notes() -> None:
    """Show notes (OverrideNote, SweepNote warnings) as ``techbloc: note: ...`` lines."""
    previous = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if category.__name__ in ("OverrideNote", "SweepNote"):
            for part in str(message).splitlines():
                print(f"techbloc: note: {part}", file=sys.stderr)
        else:
            previous(message, category, filename, lineno, file, line)

    warnings.showwarning = show




def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _years(text: str) -> tuple[int, int]:
    a, sep, b = text.partition(":")
    try:
        lo, hi = int(a), int(b or a)
    except ValueError:
        lo = hi = None
    if lo is None or not 2019 <= lo <= hi <= 2060:
        raise argparse.ArgumentTypeError(f"expected FIRST:LAST years like 2021:2030, got {text!r}")
    return lo, hi


def add_commands(sub) -> None:
    """Register discover, tipping and reversibility on the ``techbloc`` subparsers."""
    d = sub.add_parser(
        "discover", help="which levers and coefficients lead to an outcome (PRIM, CART)",
        description="Scenario discovery on a finished sweep (any design): classify its runs by "
                    "an outcome (--below or --above a value of --metric), find PRIM's box of "
                    "parameter ranges where that outcome concentrates (peeling trajectory, "
                    "coverage, density, quasi-p-values) and a depth-limited CART tree of the same "
                    "classification; writes discover.csv and discover.png into the sweep folder. "
                    "Failed runs are listed and left out.")
    d.add_argument("sweep_dir", metavar="SWEEP_DIR")
    d.add_argument("--metric", required=True, help="an outcome summary of the sweep, e.g. "
                   "share_china_europe_central_asia_2030 or n_ban_2030")
    side = d.add_mutually_exclusive_group(required=True)
    side.add_argument("--below", type=_share, metavar="X", help="the outcome: metric < X")
    side.add_argument("--above", type=_share, metavar="X", help="the outcome: metric > X")
    d.add_argument("--threshold", type=_share, default=0.8, metavar="D",
                   help="PRIM: the box chosen is the one of highest coverage whose density "
                        "reaches D (default 0.8)")
    d.add_argument("--depth", type=positive_int, default=3, metavar="N",
                   help="CART: maximum depth of the tree (default 3)")

    t = sub.add_parser(
        "tipping", help="the lever value at which a metric crosses a target",
        description="Find the value of a lever (held, or --scale: a multiplier of the "
                    "scenario's own trajectory) at which an outcome crosses --target (a grid, "
                    "then bisection), or the grid step where the response is steepest without "
                    "a target; every value runs with the same replicate seeds (common random "
                    "numbers). "
                    "Reports the value with an interval across replicates, the countries that "
                    "switch policy at a jump, and writes tipping.csv and tipping.png.")
    t.add_argument("scenario", metavar="NAME|PATH")
    t.add_argument("--lever", required=True, help="a parameter, e.g. us.ally_pressure")
    t.add_argument("--metric", default="n_not_open_2030",
                   help="an outcome (default n_not_open_2030; see the error for the list)")
    t.add_argument("--target", type=_share, metavar="Y",
                   help="the value to cross (default: the steepest point of the response)")
    t.add_argument("--scale", dest="as_scale", action="store_true",
                   help="vary a multiplier of the scenario's trajectory of the lever (0-2 by "
                        "default) instead of holding it")
    t.add_argument("--range", dest="bounds", type=_span, metavar="LO:HI",
                   help="lever values searched (default: the parameter's range)")
    t.add_argument("--points", type=_grid_points, default=9, metavar="N",
                   help="points of the first grid, 3 to 101 (default 9)")
    t.add_argument("--replications", "-n", type=replicate_count, default=6, metavar="N")
    t.add_argument("--seed", type=seed_value, metavar="S",
                   help="base seed (default: the scenario's)")
    t.add_argument("--out", metavar="DIR", help="output folder (default results/tipping-...)")

    r = sub.add_parser(
        "reversibility", help="how much of the split reverses if the measures are lifted",
        description="Run the scenario with its measures lifted (the chosen levers back to the "
                    "counterfactual's values, forced policies released) at the start of each "
                    "year, with the same seeds, and report the share of the gap to the "
                    "no-measures counterfactual recovered by the horizon, per metric and region, "
                    "with bands across replicates; writes reversibility.csv and .png.")
    r.add_argument("scenario", metavar="NAME|PATH")
    r.add_argument("--lift", type=_years, default=(2021, 2030), metavar="FIRST:LAST",
                   help="years in which the measures are lifted (default 2021:2030)")
    r.add_argument("--levers", default="us.*", metavar="PATTERN",
                   help="levers lifted, shell pattern or comma list (default us.*)")
    r.add_argument("--metric", nargs="+", default=["share_china"], metavar="M",
                   help="share_china (by region too), n_not_open, n_ban, world_split")
    r.add_argument("--counterfactual", default="baseline", metavar="NAME",
                   help="the no-measures scenario (default baseline)")
    r.add_argument("--horizon", default="2019Q1:2035Q4", metavar="START:END",
                   help="horizon of every run (default 2019Q1:2035Q4)")
    r.add_argument("--replications", "-n", type=replicate_count, default=6, metavar="N")
    r.add_argument("--seed", type=seed_value, metavar="S")
    r.add_argument("--out", metavar="DIR", help="output folder (default results/reversibility-...)")


#: sim.explore.MAX_POINTS (not imported: this module stays light; a test checks they agree).
_grid_points = int_at_least(3, "number of grid points, an integer from 3 to 101", 101)


def _span(text: str) -> tuple[float, float]:
    a, sep, b = text.partition(":")
    try:
        lo, hi = float(a), float(b)
    except ValueError:
        lo = hi = None
    if not sep or lo is None or not lo < hi:
        raise argparse.ArgumentTypeError(f"expected LO:HI with LO < HI, got {text!r}")
    return lo, hi


def _out(args, kind: str) -> Path:
    from techbloc.sim.folders import new_results_folder

    return Path(args.out) if args.out else new_results_folder(kind)


def cmd_discover(args: argparse.Namespace) -> int:
    """PRIM and CART on a finished sweep."""
    from techbloc.analysis.discovery import discover

    res = discover(args.sweep_dir, args.metric, below=args.below, above=args.above,
                   threshold=args.threshold, depth=args.depth)
    for line in res.report():
        print(line)
    return 0


def cmd_tipping(args: argparse.Namespace) -> int:
    """Bracketing search for a lever's tipping point."""
    from techbloc.analysis.explore_plots import tipping_figure
    from techbloc.sim.explore import tipping

    res = tipping(args.scenario, args.lever, args.metric, target=args.target,
                  scale=args.as_scale, bounds=args.bounds, points=args.points,
                  replications=args.replications, seed=args.seed, search=args.search,
                  out=_out(args, "tipping"), progress=_progress)
    tipping_figure(res).savefig(res.path / "tipping.png", dpi=120)
    for line in res.report():
        print(line)
    return 0


def cmd_reversibility(args: argparse.Namespace) -> int:
    """Lift the measures in each year and measure how much of the gap closes."""
    from techbloc.analysis.explore_plots import reversibility_figure
    from techbloc.sim.explore import reversibility

    res = reversibility(args.scenario, lift=args.lift, levers=args.levers, metrics=args.metric,
                        counterfactual=args.counterfactual, horizon=args.horizon,
                        replications=args.replications, seed=args.seed, search=args.search,
                        out=_out(args, "reversibility"), progress=_progress)
    reversibility_figure(res).savefig(res.path / "reversibility.png", dpi=120)
    for line in res.report():
        print(line)
    return 0


def _progress(message: str) -> None:
    print(f"techbloc: {message}", file=sys.stderr)


COMMANDS = {"discover": cmd_discover, "tipping": cmd_tipping, "reversibility": cmd_reversibility}
