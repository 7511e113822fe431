"""Screenshot of the browser app's main view for README (docs/img/app.png).

Starts ``techbloc app``, runs sanctions-2019 to its end in headless Chromium, picks Germany in
the inspector and saves the page. Run from the repository root:

    .venv/bin/python tools/app_screenshot.py [--out docs/img/app.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from techbloc.app.browser import app_server, chromium

WAIT = 120_000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="docs/img/app.png")
    ap.add_argument("--width", type=int, default=1920)
    ap.add_argument("--height", type=int, default=1300)
    args = ap.parse_args()
    with app_server(scenario="sanctions-2019") as url, chromium() as browser:
        page = browser.new_page(viewport={"width": args.width, "height": args.height})
        page.goto(url)
        page.wait_for_selector(".scenario-title", timeout=WAIT)
        page.click(".btn-start")
        page.wait_for_selector(".run-status:has-text('finished')", timeout=WAIT)
        page.wait_for_selector(".run-figure.fig-2030Q4", timeout=WAIT)  # the last quarter drawn
        page.wait_for_selector("img[alt^='decision terms']", timeout=WAIT)
        page.wait_for_timeout(1500)
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
