"""notebooks/explore.ipynb runs top to bottom in a clean kernel and shows the same ranking as the API.

The kernel is this interpreter: a kernel spec pointing at ``sys.executable`` is written into a temporary
folder put first on JUPYTER_PATH, so the test never picks up some other Python's ``python3`` kernel (a
system-wide Jupyter, another virtualenv) and works in a fresh venv with only ``pip install -e '.[test]'``.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest
from reportkit import SAMPLE_AS_OF, sample_inputs

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "explore.ipynb"
KERNEL = "reconnect-test-python"


def test_notebook_is_committed_without_outputs() -> None:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.fixture()
def kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A kernel spec for this very interpreter, found first on JUPYTER_PATH."""
    pytest.importorskip("ipykernel", reason="ipykernel is needed to run the notebook (pip install -e '.[test]')")
    from ipykernel.kernelspec import install

    prefix = tmp_path / "jupyter"
    install(kernel_name=KERNEL, display_name="reconnect tests", prefix=str(prefix))
    spec = prefix / "share" / "jupyter" / "kernels" / KERNEL / "kernel.json"
    argv = json.loads(spec.read_text(encoding="utf-8"))["argv"]
    assert argv[0] == sys.executable
    monkeypatch.setenv("JUPYTER_PATH", os.pathsep.join([str(prefix / "share" / "jupyter"),
                                                         os.environ.get("JUPYTER_PATH", "")]).rstrip(os.pathsep))
    return KERNEL


def test_notebook_runs_top_to_bottom(kernel: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    data = sample_inputs(tmp_path)
    if data is None:
        pytest.skip("no sample_data/ and no generator to make one")
    committed = Path(__file__).resolve().parents[1] / "sample_data"
    if data != committed:
        monkeypatch.setenv("RECONNECT_SAMPLE_DIR", str(data))

    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name=kernel, timeout=300, startup_timeout=180,
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()  # raises CellExecutionError on the first cell that fails

    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors == []
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code)

    # figures were displayed as images (the report's quadrant and the custom plot)
    images = [o for c in code for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 2

    # the key value: the notebook's ranking is the API's ranking on the same data
    printed = "".join(o.get("text", "") for c in code for o in c.outputs if o.get("output_type") == "stream")
    m = re.search(r"ranked=(\d+) top='(.*)'", printed)
    assert m, printed
    # the follow-through section: a second run compared with the first, and a plan of 3 a week for 4 weeks
    follow = re.search(r"changes=(\d+) planned=(\d+)", printed)
    assert follow and int(follow.group(2)) == 12, printed
    import analyzer

    res = analyzer.analyze(data, as_of=SAMPLE_AS_OF)
    assert int(m.group(1)) == res.ranked.height > 0
    assert m.group(2) == res.ranked["name"][0]
