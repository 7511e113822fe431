"""End-to-end: ``techbloc app`` served in a subprocess, driven in the machine's headless Chromium.

One page session walks the main path (pick a scenario, move a slider, step, run, watch the curve
and the map move, click the map, export), then the exported YAML is run through the CLI and its
tables must equal the ones downloaded from the page. Further tests: a bad upload shows its error
with the line; the compare and Mesa routes run.
"""

from __future__ import annotations

import re
import subprocess

import pandas as pd
import pytest
import yaml
from techbloc.app.browser import app_server, chromium, chromium_path, techbloc_command

WAIT = 60_000  # ms: generous on a busy 2-core machine; a pass takes far less


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    try:
        chromium_path()
    except RuntimeError as e:
        pytest.fail(str(e))  # CI installs chromium; a missing browser is a failure, not a skip
    log = tmp_path_factory.mktemp("server") / "app.log"
    with app_server(scenario="sanctions-2019", log=log) as address:
        yield address


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser, url):
    context = browser.new_context(viewport={"width": 1600, "height": 1400}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(WAIT)  # clicks and fills too, not only the explicit waits
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(url)
    pg.wait_for_selector(".scenario-title", timeout=WAIT)
    yield pg
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def select(page, container: str, item: str) -> None:
    """Open the Vuetify select inside ``container`` and choose ``item``."""
    page.click(f"{container} .v-select__slot")
    page.locator(".menuable__content__active .v-list-item__title", has_text=item).first.click()


def download(page, label: str, path) -> None:
    with page.expect_download(timeout=WAIT) as dl:
        page.get_by_role("button", name=label).click()
    dl.value.save_as(path)


def test_explore_run_and_export_reproduce_through_the_cli(page, tmp_path):
    # Pick a scenario: title and description follow.
    select(page, ".scenario-card", "baseline")
    page.wait_for_selector(".scenario-title:has-text('The 2019 world with no new US')",
                           timeout=WAIT)
    # Move a slider with the keyboard: ally pressure 0 -> 0.6 (step 0.01).
    thumb = page.locator(".lever-us-ally_pressure .v-slider__thumb-container")
    thumb.focus()
    for _ in range(60):
        page.keyboard.press("ArrowRight")
    page.wait_for_selector(".lever-us-ally_pressure .lever-value:text-is('0.6')", timeout=WAIT)
    # A short run: 3 replicates to 2020Q4, seed 11.
    page.fill(".replications input", "3")
    page.fill(".seed input", "11")
    page.keyboard.press("Tab")
    select(page, ".run-card .run-to", "2020Q4")
    page.click(".btn-step")
    page.wait_for_selector(".run-status:has-text('2019Q1: 1 of 8 quarters, 3 replicates')",
                           timeout=WAIT)
    page.click(".btn-step")
    page.wait_for_selector(".run-figure.fig-2019Q2", timeout=WAIT)
    page.wait_for_selector(".world-map.map-2019Q2", timeout=WAIT)
    first_map = page.locator(".world-map img").get_attribute("src")
    page.click(".btn-start")
    page.wait_for_selector(".run-status:has-text('2020Q4: 8 of 8 quarters, 3 replicates, "
                           "finished')", timeout=WAIT)
    # The curve, the map and the headline were redrawn for the last quarter (the figure's and
    # the map's class name the quarter of the tables they were drawn from).
    page.wait_for_selector(".run-figure.fig-2020Q4", timeout=WAIT)
    page.wait_for_selector(".world-map.map-2020Q4", timeout=WAIT)
    page.wait_for_selector(".stats:has-text('quarter: 2020Q4')", timeout=WAIT)
    assert page.locator(".world-map img").get_attribute("src") != first_map
    # Click Brazil on the map: the inspector follows with its decision terms.
    box = page.locator(".world-map img").bounding_box()
    page.mouse.click(box["x"] + 0.33 * box["width"], box["y"] + 0.66 * box["height"])
    page.wait_for_selector(".country-select:has-text('Brazil (BRA)')", timeout=WAIT)
    page.wait_for_selector("img[alt='decision terms of BRA']", timeout=WAIT)
    assert page.locator(".operators tr").count() >= 2, "Brazil's operators are listed"

    # Export the settings and the tables, run the YAML through the CLI, compare.
    download(page, "Scenario YAML (runs the same with techbloc run)", tmp_path / "app.yaml")
    download(page, "model.parquet", tmp_path / "model.parquet")
    download(page, "countries.parquet", tmp_path / "countries.parquet")
    doc = yaml.safe_load((tmp_path / "app.yaml").read_text())
    assert doc["extends"] == "baseline" and doc["params"]["us.ally_pressure"] == 0.6
    assert (doc["seed"], doc["replications"], doc["horizon"]["end"]) == (11, 3, "2020Q4")
    out = tmp_path / "cli"
    subprocess.run([*techbloc_command(), "run", str(tmp_path / "app.yaml"), "--seed", "11",
                    "--replications", "3", "--out", str(out), "--no-plots"], check=True,
                   capture_output=True)
    for table in ("model", "countries"):
        app_df = pd.read_parquet(tmp_path / f"{table}.parquet")
        cli_df = pd.read_parquet(out / f"{table}.parquet")
        pd.testing.assert_frame_equal(app_df, cli_df, check_exact=True, obj=table)
    assert len(app_df) == 3 * 8 * app_df["iso3"].nunique()


def test_page_redraws_during_a_run_and_pause_stops_it(page):
    # A run long enough to watch (the model steps a quarter of 50 replicates in about 10 ms):
    # 50 replicates to 2060Q4, redrawn every quarter the drawing budget allows.
    page.fill(".replications input", "50")
    page.keyboard.press("Tab")
    page.click(".run-card .run-to .v-select__slot")  # the last quarter: at the list's end
    menu = page.locator(".menuable__content__active")
    item = menu.locator(".v-list-item__title", has_text="2060Q4")
    for _ in range(20):  # the menu renders its items as it scrolls
        if item.count():
            break
        menu.evaluate("m => { m.scrollTop = m.scrollHeight; }")
        page.wait_for_timeout(200)
    item.first.click()
    page.wait_for_selector(".run-card .run-to:has-text('2060Q4')", timeout=WAIT)
    slider = page.locator(".run-card .v-slider__thumb-container")  # redraw every quarter
    slider.focus()
    for _ in range(8):
        page.keyboard.press("ArrowLeft")
    page.wait_for_selector(".run-card:has-text('every 1 quarter')", timeout=WAIT)
    page.click(".btn-start")
    # While the run goes on, the page shows it: the status says running with quarters done, and
    # the figure has been redrawn at a quarter before the end (no more "only once finished").
    page.wait_for_function(
        """() => {
            const t = document.querySelector('.run-status')?.innerText || '';
            const m = t.match(/: (\\d+) of 168 quarters/);
            const fig = document.querySelector('.run-figure');
            return t.includes('running') && m !== null && Number(m[1]) >= 1 && fig !== null
                && !fig.classList.contains('fig-2060Q4');
        }""", timeout=WAIT)
    page.click(".btn-pause")  # handled while the server is stepping and drawing
    page.wait_for_selector(".run-status:has-text('paused')", timeout=WAIT)
    status = page.inner_text(".run-status")
    done = int(status.split(": ")[1].split(" of ")[0])
    assert 1 <= done < 168, status
    # Pause waits for the quarter in progress, so the status is final at once.
    page.wait_for_timeout(1500)
    assert page.inner_text(".run-status") == status, "no quarter runs after Pause"
    page.click(".btn-step")
    page.wait_for_selector(f".run-status:has-text('{done + 1} of 168 quarters')", timeout=WAIT)


def test_bad_upload_shows_the_error_with_its_line(page, tmp_path):
    bad = tmp_path / "my-future.yaml"
    bad.write_text("name: my-future\nextends: sanctions-2019\nparams:\n"
                   "  us: {export_control: 0.5}\n")
    page.set_input_files(".techbloc-upload-input", str(bad))
    error = page.locator(".upload-error").first
    error.wait_for(timeout=WAIT)
    text = error.inner_text()
    assert "my-future.yaml:4" in text and "did you mean 'export_controls'" in text, text
    # Nothing changed: the named scenario is still the one shown.
    assert "US entity listing" in page.inner_text(".scenario-title")
    good = tmp_path / "good.yaml"
    good.write_text("name: good\ntitle: An uploaded future\nextends: baseline\n"
                    "params: {china.retaliation: 0.3}\n")
    page.set_input_files(".techbloc-upload-input", str(good))
    page.wait_for_selector(".scenario-title:has-text('An uploaded future')", timeout=WAIT)
    page.wait_for_selector(".lever-china-retaliation .lever-value:text-is('0.3')", timeout=WAIT)


def test_compare_route_shows_both_runs_and_their_difference(page):
    page.click(".nav-compare")
    page.wait_for_selector(".compare-card", timeout=WAIT)
    select(page, ".compare-a", "decoupling")
    select(page, ".compare-b", "sanctions-2019")
    page.fill(".compare-card .v-text-field:has-text('Replicates') input", "2")
    page.keyboard.press("Tab")
    page.click(".btn-compare")
    page.wait_for_selector("img.compare-diff", timeout=WAIT)
    assert page.locator("img.compare-map-a").count() == 1
    assert "A = decoupling, B = sanctions-2019" in page.inner_text(".compare-title")
    assert page.locator(".compare-table tr").count() > 4
    # The app's style sheet reaches the page (a Style made beside the layout was dropped): the
    # tables' header cells get its grey, not the browser's transparent default.
    grey = page.evaluate("() => getComputedStyle(document.querySelector('.op-table th'))"
                         ".backgroundColor")
    assert grey == "rgb(236, 239, 241)", grey


def test_mesa_route_steps_one_replicate(page):
    page.click(".nav-mesa")
    page.get_by_role("button", name="Step").wait_for(timeout=WAIT)
    # Mesa 3.3 shows "Step: n", Mesa 3.5 "Time: n".
    page.get_by_text(re.compile(r"^(Step|Time): 0(\.0)?$")).wait_for(timeout=WAIT)
    page.get_by_role("button", name="Step").click()
    page.get_by_text(re.compile(r"^(Step|Time): 1(\.0)?$")).wait_for(timeout=WAIT)
    page.wait_for_selector("text=US export controls", timeout=WAIT)
