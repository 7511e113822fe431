"""The body of ``techbloc plot``: a picture (or the country table) of a saved run or sweep.

:mod:`techbloc.sim.cli` parses the arguments and calls :func:`cmd_plot`; the pictures come from
:mod:`techbloc.analysis`. Every option is checked against the kind of picture before anything is
read or drawn: an option the kind does not use, or a combination that cannot be drawn, is a
one-line error naming the option.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from techbloc.sim.commands import status
from techbloc.sim.errors import TechblocError, did_you_mean


def plot_file(run_dir: str | Path, kind: str, *, metric: str | None = None,
              by: str | None = None, weight: str | None = None, value: str = "policy",
              date: str = "") -> Path:
    """The default file of ``techbloc plot``, named by its arguments.

    Named so it never replaces the
    run's own adoption.png or map.png, nor a picture drawn with other arguments.
    """
    parts = [kind]
    if kind == "curves" and by == "vendor":
        parts += ["by-vendor"]
    elif kind == "curves":
        parts += [metric or "china_share"] + ([f"by-{by}"] if by else []) + (
            [weight] if weight and weight != "sites" else [])
    elif kind == "policy":
        parts += [weight or "population"] + ([f"by-{by}"] if by else [])
    elif kind == "map":
        parts += [value, date]
    elif kind == "countries":
        return Path(run_dir) / f"countries-{date}.csv"
    return Path(run_dir) / ("-".join(parts) + ".png")


def _pictures() -> list[str]:
    """The file endings matplotlib can write a picture to (png, pdf, svg, ...)."""
    from matplotlib.backend_bases import FigureCanvasBase

    return list(FigureCanvasBase.get_supported_filetypes())


def _save(fig, out: Path) -> None:
    existed = out.exists()
    fig.savefig(out, dpi=120)
    print(f"wrote {out}" + (" (replaced the file of the same name)" if existed else ""))


#: The options each kind of ``techbloc plot`` reads; any other is refused, not ignored.
PLOT_OPTIONS = {"curves": ("metric", "by", "weight"), "policy": ("by", "weight"),
                "map": ("value", "date"), "countries": ("date",),
                "heatmap": ("x", "y", "metric")}


def cmd_plot(args: argparse.Namespace) -> int:
    """Draw a picture of a saved run or sweep."""
    from techbloc.sim.folders import output_file

    for option in ("x", "y", "metric", "by", "weight", "value", "date"):
        if getattr(args, option) is not None and option not in PLOT_OPTIONS[args.kind]:
            kinds = [k for k, used in PLOT_OPTIONS.items() if option in used]
            raise TechblocError(f"--kind {args.kind} does not use --{option} (it is for "
                                f"{' and '.join(kinds)})", key=f"--{option}")
    value = args.value or "policy"
    if args.kind == "heatmap":
        from techbloc.analysis.sensitivity import heatmap
        from techbloc.sim.folders import read_sweep

        if not (args.x and args.y):
            raise TechblocError("a heatmap needs --x and --y (parameters of the grid)",
                                key="--x/--y")
        if args.x == args.y:
            raise TechblocError(f"--x and --y are both {args.x}; a heatmap needs two different "
                                "parameters of the grid", key="--x/--y")
        res = read_sweep(args.run_dir)  # a run folder is refused, saying what it supports
        out = output_file(args.output, Path(args.run_dir) / "heatmap.png", _pictures())
        with status("drawing the heatmap"):
            fig, _ = heatmap(res, args.x, args.y, args.metric or "share_china_2030")
        _save(fig, out)
        return 0
    from techbloc.analysis import country_table, policy_curves, world_map
    from techbloc.analysis.load import load_run
    from techbloc.analysis.maps import policy_maps

    with status(f"reading {args.run_dir}"):
        res = load_run(args.run_dir)  # a sweep folder is refused, saying what it supports
    date = args.date or str(res.model["date"].iloc[-1])
    title = res.manifest.get("scenario", {}).get("title", "")
    weight = args.weight
    out = output_file(args.output, plot_file(
        args.run_dir, args.kind, metric=args.metric, by=args.by, weight=weight,
        value=value, date=date), ("csv",) if args.kind == "countries" else _pictures())
    if args.kind == "countries":
        table = country_table(res.countries, date)
        existed = out.exists()
        table.to_csv(out, index=False)
        print(table.head(10).to_string(index=False, float_format=lambda v: f"{v:.2f}"))
        print(f"... {len(table)} countries; wrote {out}"
              + (" (replaced the file of the same name)" if existed else ""))
        return 0
    with status(f"drawing {out.name}"):
        if args.kind == "curves":
            fig = _curves(res, args, title)
        elif args.kind == "policy":
            if args.by == "vendor":
                raise TechblocError("policy curves group by countries, not vendors", key="--by")
            if weight not in (None, "population", "gdp", "count"):
                raise TechblocError(f"policy curves weigh countries by population, gdp or "
                                    f"count, not {weight!r}", key="--weight")
            fig, _ = policy_curves(res.countries, by=args.by, title=title,
                                   weight=weight or "population")
        elif value == "policy":
            fig, _ = policy_maps(res.countries, date, title=title)
        else:
            fig, _ = world_map(res.countries, date, value, title=title)
    _save(fig, out)
    return 0


def _curves(res, args: argparse.Namespace, title: str):
    from techbloc.analysis import adoption_curves
    from techbloc.analysis.curves import curve_problem, model_metrics

    metric = args.metric or "china_share"
    problem = curve_problem(metric, args.by, args.weight, res.model)
    if problem:
        hint = (did_you_mean(metric, [*model_metrics(res.model), "device_share"])
                if problem[0] == "metric" else None)
        raise TechblocError(problem[1], key=f"--{problem[0]}", hint=hint)
    if metric == "device_share":
        df = res.devices
    elif metric == "enterprise_china_share" and args.by:
        df = res.countries
    elif args.by == "vendor" or metric != "china_share":
        df = res.model
    else:
        df = res.countries
    fig, _ = adoption_curves(df, metric=metric, by=args.by, weight=args.weight or "sites",
                             title=title)
    return fig
