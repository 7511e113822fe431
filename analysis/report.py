"""A run report: one self-contained HTML file (figures embedded as data URIs, no network needed)."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from techbloc.analysis.curves import adoption_figure, policy_curves
from techbloc.analysis.load import load_run
from techbloc.analysis.maps import policy_maps, world_map
from techbloc.analysis.tables import country_table
from techbloc.sim.folders import output_file

CSS = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}
h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.85em}
td,th{padding:.2em .6em;border-bottom:1px solid #eee;text-align:left} th{background:#f4f4f4}
td.num{text-align:right;font-variant-numeric:tabular-nums}
img{max-width:100%} .meta{color:#555;font-size:.9em} details{margin:.5em 0}
#countries th{cursor:pointer} #countries th:hover{background:#e4e4e4}
"""
#: Sorting (click a header; again to reverse) and filtering of the country table, inline so the
#: report needs no network.
SCRIPT = """
function sortBy(th, numeric) {
  const table = th.closest('table'), body = table.tBodies[0];
  const i = Array.from(th.parentNode.children).indexOf(th);
  const dir = th.dataset.dir === 'asc' ? -1 : 1; th.dataset.dir = dir > 0 ? 'asc' : 'desc';
  const key = r => { const t = r.children[i].textContent;
    return numeric ? (t === '\u2013' ? -1 : parseFloat(t)) : t.toLowerCase(); };
  Array.from(body.rows).sort((a, b) => (key(a) > key(b) ? 1 : key(a) < key(b) ? -1 : 0) * dir)
    .forEach(r => body.appendChild(r));
}
function filterRows(text) {
  const q = text.toLowerCase();
  for (const r of document.getElementById('countries').tBodies[0].rows)
    r.style.display = r.textContent.toLowerCase().includes(q) ? '' : 'none';
}
"""


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _figure(fig, alt: str) -> str:
    return f'<figure><img alt="{html.escape(alt)}" src="{_png(fig)}"></figure>'


def _table(rows: list[list], header: list[str], numeric: set[int] = frozenset(),
           table_id: str = "") -> str:
    head = "".join((f'<th onclick="sortBy(this, {int(i in numeric)})">' if table_id else "<th>")
                   + f"{html.escape(h)}</th>" for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(f'<td class="num">{html.escape(str(v))}</td>' if i in numeric
                         else f"<td>{html.escape(str(v))}</td>" for i, v in enumerate(r))
        + "</tr>" for r in rows)
    ident = f' id="{table_id}"' if table_id else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def build_report(run_dir: str | Path, date: str | None = None) -> str:
    """The report of a run folder as an HTML string.

    Args:
        run_dir: a run folder written by ``techbloc run``.
        date: the date of the map and country table (default: the horizon's end).
    """
    res = load_run(run_dir)  # a sweep folder is refused, saying what it supports
    m = res.manifest
    sc = m.get("scenario", {})
    date = date or str(res.model["date"].iloc[-1])
    title = sc.get("title") or sc.get("name", "run")
    parts = [f"<h1>{html.escape(title)}</h1>",
             f'<p class="meta">scenario <b>{html.escape(str(sc.get("name")))}</b>, '
             f'{m.get("replications")} replicates, base seed {m.get("base_seed")}, '
             f'horizon {html.escape(" - ".join(sc.get("horizon", [])))}</p>',
             f"<p>{html.escape(sc.get('description', ''))}</p>",
             "<h2>Summary</h2><ul>" + "".join(f"<li>{html.escape(s)}</li>"
                                              for s in res.summary()) + "</ul>",
             "<h2>China-bloc share of 5G sites</h2>",
             # Two panels a row: the page is about 1,100 px wide, so text stays at its size.
             _figure(adoption_figure(res.model, res.countries, title=title, cols=2)[0],
                     "adoption curves, world and regions"),
             "<h2>Huawei policy over time</h2>",
             _figure(policy_curves(res.countries)[0], "policy over time, population-weighted"),
             _figure(policy_curves(res.countries, weight="count")[0],
                     "countries by policy over time"),
             f"<h2>Map at {html.escape(date)}</h2>",
             _figure(policy_maps(res.countries, date)[0],
                     f"most frequent policy and P(not open) {date}"),
             _figure(world_map(res.countries, date, "china_share")[0], f"share map {date}")]
    table = country_table(res.countries, date)
    rows = [[r.iso3, r.name, r.region,
             "–" if r.china_share != r.china_share else f"{r.china_share:.2f}",
             f"{r.p_open:.2f}", f"{r.p_restrict:.2f}", f"{r.p_ban:.2f}"]
            for r in table.itertuples()]
    parts += [f"<h2>Countries at {html.escape(date)}</h2>",
              "<p>Median China-bloc share of 5G sites (– before 5G) and the share of replicates "
              "in each policy. Click a column's header to sort by it; type to filter.</p>",
              '<input id="filter" type="search" placeholder="filter countries, e.g. Europe" '
              'oninput="filterRows(this.value)" style="margin:.4em 0;padding:.3em;width:20em">',
              _table(rows, ["iso3", "country", "region", "China-bloc share", "P(open)",
                            "P(restrict)", "P(ban)"], numeric={3, 4, 5, 6},
                     table_id="countries")]
    params = sc.get("params", {})
    events = sc.get("events", [])
    parts += ["<h2>Resolved parameters</h2>",
              "<details><summary>"
              f"{len(params)} parameters, {len(events)} events</summary>",
              _table([[k, v] for k, v in params.items()], ["parameter", "value"], {1}),
              _table([[e.get("at"), e.get("name"),
                       "; ".join(f"{k}: {v}" for k, v in e.items() if k not in ("at", "name"))]
                      for e in events], ["quarter", "event", "changes"]),
              "</details>"]
    versions = m.get("versions", {})
    parts += ["<h2>Provenance</h2>",
              _table([["status", m.get("status")], ["started", m.get("started")],
                      ["finished", m.get("finished")], ["git commit", m.get("git_commit")],
                      ["platform", m.get("platform")],
                      *[[k, v] for k, v in versions.items()],
                      ["replicate seeds", ", ".join(str(r["seed"]) for r in
                                                    m.get("replicates", []))]],
                     ["", ""])]
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)} — techbloc report</title><style>{CSS}</style></head>"
            "<body>" + "\n".join(parts) + f"<script>{SCRIPT}</script></body></html>\n")


def write_report(run_dir: str | Path, out: str | Path | None = None,
                 date: str | None = None) -> Path:
    """Write ``report.html`` (or ``out``) for a run folder; returns its path.

    Raises:
        DataError: the folder is not a complete run (see :func:`techbloc.analysis.load.load_run`),
            or ``out`` is a folder or a name ending in something other than .html or .htm.
    """
    page = build_report(run_dir, date)  # what is wrong with the folder is said first
    path = output_file(out, Path(run_dir) / "report.html", ("html", "htm"))
    path.write_text(page, encoding="utf-8")
    return path
