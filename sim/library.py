"""The shipped scenario library as Markdown (docs/scenarios.md), with the file rules it explains.

Kept apart from :mod:`sim.scenario` (which reads one file) so that the reader stays small: this
module reads every shipped scenario and writes the page ``techbloc scenarios --markdown`` prints.
"""

from __future__ import annotations

from techbloc.sim.overrides import MARKDOWN as OVERRIDES
from techbloc.sim.scenario import ENV_VAR, load_scenario, scenario_dir

#: How names are found and how events of one quarter combine (the rules of sim.scenario).
RULES = [
    "## Finding scenarios; events of one quarter", "",
    "- **Names are looked up** in the folders given with `--scenarios DIR` (Python: `search=`), "
    f"then those listed in `${ENV_VAR}` (separated by `:`, `;` on Windows), then `./scenarios` "
    "and the shipped scenarios; the first file named `NAME.yaml` wins. A folder given with "
    f"`--scenarios`, `search=` or `${ENV_VAR}` that does not exist (or is a file) is refused "
    "with an error naming it and where it was given: a misspelt folder would otherwise be passed "
    "over and another scenario of the same name run instead. An empty entry is skipped.",
    "- **Events of one quarter apply in file order**, a parent's before its child's. Within one "
    "file, two actions of the same quarter on the same thing are refused unless they agree: two "
    "`set`s of one parameter to different values, a `ramp` followed by a `set` or another `ramp` "
    "of it, two `country_policy` entries for one country, two `membership` changes of one "
    "country and organisation, two values of one `vendor` field, two `removal_order`s for one "
    "country. The error names both events (index and line) and the key: keep the value that "
    "should hold or date the events apart. A `set` followed by a `ramp` of the same parameter is "
    "accepted (the ramp starts from the set value). A child's event may override its parent's "
    "in the same quarter: that is how a child changes its parent's story (allied-split does "
    "so). The parent's action is then dropped from the resolved scenario, its other actions "
    "kept, so `techbloc show` prints a file that loads back to the same scenario.",
    "",
]


def library_markdown() -> str:
    """The shipped scenario library as Markdown (written to docs/scenarios.md)."""
    lines = ["# Scenarios", "",
             "Generated from `scenarios/*.yaml` by `techbloc scenarios --markdown`; do not edit by "
             "hand (a test fails when this file is stale). `techbloc show NAME` prints any of them "
             "fully resolved; `techbloc diff A B` compares two.", "", *OVERRIDES, *RULES]
    for path in sorted(scenario_dir().glob("*.yaml")):
        s = load_scenario(path)
        lines += [f"## {s.name}", "", f"**{s.title}**", ""]
        meta = f"Horizon {s.horizon[0]}-{s.horizon[1]}, seed {s.seed}, {s.replications} replicates"
        lines += [meta + (f"; extends `{s.extends}`." if s.extends else "."), "",
                  s.description, ""]
        # The parent's events (those the child replaces in their quarter lose an action).
        parents = {(e.at, e.name) for e in (load_scenario(s.extends).events if s.extends else ())}
        own = [e for e in s.events if (e.at, e.name) not in parents]
        if own:
            lines += ["| quarter | event | changes |", "|---|---|---|"]
            for e in own:
                d = e.to_dict()
                changes = "; ".join(f"{k}: {v}" for k, v in d.items() if k not in ("at", "name"))
                lines.append(f"| {e.at} | {e.name} | {changes} |")
            lines.append("")
    return "\n".join(lines)
