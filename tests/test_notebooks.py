"""The notebooks in notebooks/ run from top to bottom on a small warehouse.

The warehouse is built once per module without Prefect or the HTTP portal: the generated demo corpus
(3 counties x 4 agencies x 2020-2023, across the 2019/2021 format break) plus one report that breaks
rules 1 and 3, extracted in process and published per document's county; one of its figures is then
corrected by a reviewer's decision, so the review sections have something to show. Each notebook is
executed with nbclient on a kernel of this interpreter (a kernelspec installed into a temp dir).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

from warehouse.corrections import add_correction  # noqa: E402
from warehouse.publish import publish_records, republish  # noqa: E402
from xxgk.extraction import extract_path  # noqa: E402
from xxgk.generate import make_figures, render, with_broken_rules  # noqa: E402
from xxgk.generate.corpus import write_demo_corpus  # noqa: E402
from xxgk.generate.spec import ReportSpec  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
FLAGGED_AGENCY = "夏县财政局"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("nbdata")
    corpus = data / "corpus"
    entries = write_demo_corpus(corpus, n_agencies=4, years=(2020, 2021, 2022, 2023))
    printed = make_figures(7, "2021")
    broken, changed = with_broken_rules(printed, [1, 3], seed=7)
    spec = ReportSpec(FLAGGED_AGENCY, 2023, "2021", broken, seed=7, region_code="140828")
    (corpus / "140828-90-2023.html").write_bytes(render(spec, "html"))
    entries.append({"file": "140828-90-2023.html", "region_code": "140828"})

    records = [extract_path(corpus / e["file"]) for e in entries]
    documents = {r["sha256"]: {"region_code": e["region_code"], "path": e["file"]} for r, e in zip(records, entries)}
    publish_records(data, records, documents=documents)
    assert records[-1]["status"] == "flagged"

    key = changed[1][0]  # a figure raised to break rule 1: the reviewer puts the printed-correct one back
    add_correction(data, {"action": "figure", "sha256": records[-1]["sha256"], "key": key,
                          "value": printed[key], "note": "typo in the source"})
    republish(data)
    return data


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """A python3 kernelspec for this interpreter, found first on JUPYTER_PATH (whatever else is installed)."""
    from ipykernel.kernelspec import install

    prefix = tmp_path_factory.mktemp("kernel")
    install(prefix=str(prefix), kernel_name="python3")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))
        mp.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        from jupyter_client.kernelspec import KernelSpecManager

        assert KernelSpecManager().get_kernel_spec("python3").argv[0] == sys.executable
        yield


def _execute(path: Path, data: Path, cwd: Path, monkeypatch):
    monkeypatch.setenv("XXGK_DATA", str(data))
    monkeypatch.setenv("XXGK_COUNTY", "140828")  # county_report: the county with the flagged report
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=120,
                                     resources={"metadata": {"path": str(cwd)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    return nb


def _outputs(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


def test_there_are_notebooks():
    assert any(p.name == "trend_review.ipynb" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: clear the outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, data_dir, kernel_env, tmp_path, monkeypatch):
    nb = _execute(path, data_dir, tmp_path, monkeypatch)
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.output_type == "error"]
    stderr = "".join(o.get("text", "") for o in outputs if o.output_type == "stream" and o.name == "stderr")
    assert "Glyph" not in stderr and "Traceback" not in stderr, stderr[:2000]
    html = "\n".join(o.data.get("text/html", "") for o in outputs if o.output_type in ("display_data", "execute_result"))
    assert FLAGGED_AGENCY in html

    if path.name == "trend_review.ipynb":
        images = [o for o in outputs if o.output_type == "display_data" and "image/png" in o.data]
        assert len(images) >= 5
        # the flagged-reports table names the report and the rules it breaks; the corrected figure is listed
        flagged = [h for h in html.split("</table>") if "broken_rules" in h]
        assert flagged and FLAGGED_AGENCY in flagged[0] and "rule1, rule3" in flagged[0]
        assert "typo in the source" in html
    if path.name == "county_report.ipynb":
        assert "三、收到和处理政府信息公开申请情况" in html
