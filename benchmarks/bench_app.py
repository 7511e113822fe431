"""What one redraw of the browser app costs, and a full run in the page.

Usage: python benchmarks/bench_app.py [--repeats N] [--replicates N] [--page]

Prints medians (and quartiles) of, for sanctions-2019 with N replicates (default 10):
- one quarter of the lockstep run (every replicate stepped once) and the tables up to it;
- each view drawn to PNG at the end of the horizon: adoption figure, world map, country history,
  decision terms (what a redraw of the Explore page costs: their sum);
- with --page, the wall time of Start to finished (the last quarter drawn) in headless Chromium
  at each redraw interval (1, 4 and 8 quarters), the server started once, beside
  ``techbloc run sanctions-2019 -n N`` end to end (a fresh process: start-up, imports, model,
  tables, plots) for the same replicates and horizon, and the ratio app / CLI (target: at most
  2).
Quote medians and ratios: these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from techbloc.app import pages
from techbloc.app import session as S

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _stats(xs: list[float]) -> str:
    q = statistics.quantiles(xs, n=4) if len(xs) > 1 else [xs[0]] * 3
    return f"median {statistics.median(xs) * 1e3:8.1f} ms  (IQR {q[0] * 1e3:.1f}-{q[2] * 1e3:.1f})"


def _time(f, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        out.append(time.perf_counter() - t0)
    return out


def bench_views(repeats: int, n: int) -> None:
    from techbloc.analysis.curves import country_figure
    from techbloc.analysis.decisions import decision_figure

    text = S.scenario_yaml("sanctions-2019", {}, seed=1, replications=n, end="2030Q4")
    ens = S.Ensemble(text, seed=1, replications=n)
    steps = _time(ens.step, 48)
    frames = []
    while ens.running:
        ens.step()
    for _ in range(repeats):
        ens._frames = None
        t0 = time.perf_counter()
        ens.frames()
        frames.append(time.perf_counter() - t0)
    print(f"sanctions-2019, {n} replicates")
    print(f"  one quarter, all replicates   {_stats(steps)}")
    print(f"  tables to 2030Q4              {_stats(frames)}")
    _, countries = ens.frames()
    terms = ens.decision_terms("DEU")
    views = {
        "adoption figure": lambda: pages.png(pages.current_figure(ens, "adoption")),
        "world map": lambda: pages.png(pages.map_figure(ens, "policy")[0], tight=False),
        "country history": lambda: pages.png(country_figure(countries, "DEU")[0]),
        "decision terms": lambda: pages.png(decision_figure(terms)[0]),
    }
    total = []
    for name, f in views.items():
        xs = _time(f, repeats)
        total.append(statistics.median(xs))
        print(f"  {name:28s}  {_stats(xs)}")
    print(f"  one redraw (sum of medians)   {sum(total) * 1e3:8.1f} ms")


def cli_seconds(n: int, repeats: int = 3) -> float:
    """Median wall seconds of ``techbloc run sanctions-2019 -n N`` in fresh processes."""
    import subprocess
    import tempfile

    from bench_model import techbloc_command

    cmd = techbloc_command()
    out = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as folder:
            t0 = time.perf_counter()
            subprocess.run([*cmd, "run", "sanctions-2019", "-n", str(n), "--out", folder],
                           check=True, capture_output=True)
            out.append(time.perf_counter() - t0)
    return statistics.median(out)


def bench_page(n: int) -> None:
    from techbloc.app.browser import app_server, chromium

    cli = cli_seconds(n)
    print(f"  CLI: techbloc run sanctions-2019 -n {n}, end to end: {cli:6.1f} s")
    with app_server(scenario="sanctions-2019") as url, chromium() as browser:
        for every in (1, 4, 8):
            page = browser.new_page(viewport={"width": 1600, "height": 1200})
            page.goto(url)
            page.wait_for_selector(".scenario-title", timeout=60_000)
            page.fill(".replications input", str(n))
            page.keyboard.press("Tab")
            slider = page.locator(".run-card .v-slider__thumb-container")
            slider.focus()
            for _ in range(8):
                page.keyboard.press("ArrowLeft")
            for _ in range(every - 1):
                page.keyboard.press("ArrowRight")
            page.wait_for_selector(f".run-card:has-text('every {every} quarter')")
            t0 = time.perf_counter()
            page.click(".btn-start")
            page.wait_for_selector(".run-status:has-text('finished')", timeout=300_000)
            page.wait_for_selector(".run-figure.fig-2030Q4", timeout=300_000)
            page.wait_for_selector(".world-map.map-2030Q4", timeout=300_000)
            took = time.perf_counter() - t0
            print(f"  page: 48 quarters, redraw every {every}: {took:6.1f} s "
                  f"= {took / cli:.2f} x the CLI")
            page.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--replicates", type=int, default=10)
    ap.add_argument("--page", action="store_true")
    args = ap.parse_args()
    bench_views(args.repeats, args.replicates)
    if args.page:
        bench_page(args.replicates)


if __name__ == "__main__":
    main()
