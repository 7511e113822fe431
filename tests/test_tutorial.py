"""docs/tutorial.ipynb runs from top to bottom in a fresh kernel, as a reader would run it.

The notebook is kept in git without outputs; executing it here (nbclient, the real Jupyter
kernel) is part of the README's test command, so a change that breaks the tutorial fails.
"""

from pathlib import Path

import nbclient
import nbformat

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "tutorial.ipynb"


def test_tutorial_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "the tutorial has code cells"
    for c in code:
        assert c.outputs == [] and c.execution_count is None, c.source[:60]


def test_tutorial_runs_and_draws_its_figures(tmp_path, monkeypatch):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    pngs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
            if "image/png" in o.get("data", {})]
    assert len(pngs) == 7  # compare, curves, policy, maps, heatmap, sensitivity, decision
    assert list(tmp_path.iterdir()) == [], "the tutorial wrote into its working folder"
