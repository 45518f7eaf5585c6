"""Every notebook runs with papermill on the synthetic network; committed notebooks carry no outputs."""

import subprocess
import sys
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from informeel_lib.report.batch import KERNEL_NAME, local_kernel_manager_class, shared_cache_path
from informeel_lib.report.html import notebook_to_html
from tests.support.rendered import ROUND

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
REPORT_NOTEBOOK = ROOT / "informeel_lib" / "report" / "rapport.ipynb"


def notebook_path(name: str) -> Path:
    """The exploration notebooks live in notebooks/, the report notebook is package data."""
    return REPORT_NOTEBOOK if name == "rapport.ipynb" else NOTEBOOKS / name
ALL = ["01_begripsverkenning.ipynb", "02_vragenlijstanalyse.ipynb", "03_factormodel.ipynb",
       "04_invloedsfactoren.ipynb", "05_uitkomsten.ipynb", "rapport.ipynb"]


@pytest.fixture(scope="module", autouse=True)
def kernel_installed():
    """The notebooks are pinned to the 'informeel' kernel that `make venv` installs; make sure it exists."""
    from jupyter_client.kernelspec import KernelSpecManager

    if KERNEL_NAME not in KernelSpecManager().find_kernel_specs():
        subprocess.run([sys.executable, "-m", "ipykernel", "install", "--sys-prefix", "--name", KERNEL_NAME],
                       check=True, capture_output=True)


@pytest.mark.parametrize("name", ALL)
def test_committed_notebook_is_clean_and_parameterised(name):
    book = nbformat.read(str(notebook_path(name)), as_version=4)
    nbformat.validate(book)
    assert book.metadata["kernelspec"]["name"] == KERNEL_NAME
    tagged = [c for c in book.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    params = pm.inspect_notebook(str(notebook_path(name)))
    assert {"ronde", "organisatie", "data_map", "min_groep", "interactief", "codebook"} <= set(params)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, name


def test_notebooks_match_their_generator(tmp_path):
    """notebooks/_build.py writes exactly the committed files (nobody edited one without the other)."""
    before = {n: notebook_path(n).read_bytes() for n in ALL}
    subprocess.run([sys.executable, str(NOTEBOOKS / "_build.py"), str(tmp_path)], check=True, capture_output=True)
    for n in ALL:
        assert (tmp_path / n).read_bytes() == before[n], f"{n} wijkt af van notebooks/_build.py"


def _run(name, tmp_path, **params):
    """Execute with papermill as the batch does: a local-socket kernel (no TCP port shared by accident
    with a kernel of the other test worker, which once left a run waiting forever), and a cell
    timeout so a stuck kernel fails the test instead of hanging the suite."""
    out = tmp_path / name
    return pm.execute_notebook(str(notebook_path(name)), str(out), parameters=params, kernel_name=KERNEL_NAME,
                               cwd=str(tmp_path), progress_bar=False, log_output=False, execution_timeout=240,
                               kernel_manager_class=local_kernel_manager_class(asynchronous=True))


def _text(book) -> str:
    parts = []
    for cell in book.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                pytest.fail(f"{out['ename']}: {out['evalue']}")
            data = out.get("data", {})
            parts.append(str(data.get("text/html", "")) + str(data.get("text/plain", "")) + str(out.get("text", "")))
    return "\n".join(parts)


def test_01_begripsverkenning(rendered_round, tmp_path):
    text = _text(_run("01_begripsverkenning.ipynb", tmp_path, ronde=ROUND, data_map=str(rendered_round.data),
                      interactief=False))
    for scale in ("Reflectie op het werk", "Informeel leergedrag", "Binding aan de organisatie"):
        assert scale in text
    assert "reflecteren op het werk en betekenis geven aan de ervaring" in text  # influence factor from codebook
    assert "zelfgestuurd" in text and "tacit" in text and "Zorggroep Meander" in text and "2021-11" in text


def test_02_vragenlijstanalyse_static_and_interactive(rendered_round, tmp_path):
    book = _run("02_vragenlijstanalyse.ipynb", tmp_path, ronde=ROUND, data_map=str(rendered_round.data),
                interactief=False, organisatie="Treant")
    text = _text(book)
    assert "Respondenten per organisatie en ronde" in text and "Betrouwbaarheid per schaal" in text
    assert "Gemiddelde score per team in Treant" in text and "data:image/png" in text
    # a shared export never shows widgets, even if a notebook ran interactively
    widget = nbformat.v4.new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2, "version_minor": 0},
        "text/plain": "interactive(children=(Dropdown(...),))"})
    book.cells[-1].outputs.append(widget)
    html = notebook_to_html(book, title="proef")
    assert "widget" not in html and "<script" not in html and "Dropdown" not in html


def test_02_widget_cells_build_controls_that_redraw(rendered_round, monkeypatch):
    """The interactive cells (interactief=True, as in JupyterLab) run without a kernel: ipywidgets builds
    the organisation/round/scale controls and calls the library callback for every choice.

    (Executing them through papermill/nbclient once left the kernel idle and the client waiting
    forever, so the interactive path is exercised here in-process; the static path runs above.)"""
    import ipywidgets as ipw

    from informeel_lib.report import sections as rs, widgets as w

    book = nbformat.read(str(NOTEBOOKS / "02_vragenlijstanalyse.ipynb"), as_version=4)
    cells = [c.source for c in book.cells if c.cell_type == "code" and "if interactief:" in c.source]
    assert len(cells) >= 1
    built, shown = [], []
    real_interact = ipw.interact

    def recording_interact(*args, **kwargs):
        fn = real_interact(*args, **kwargs)
        built.append(fn.widget)
        return fn

    monkeypatch.setattr(ipw, "interact", recording_interact)
    monkeypatch.setattr(w, "show", shown.append)
    from informeel_lib import load_codebook

    cb = load_codebook()
    data = rs.load_all_rounds(str(rendered_round.data), cb)
    for source in cells:
        exec(source, {"interactief": True, "data": data, "w": w, "min_groep": 5, "cb": cb})
    assert len(built) == len(cells) and len(shown) == len(cells)
    controls = {c.description for c in built[0].children if isinstance(c, ipw.Dropdown)}
    assert controls == {"organisatie", "ronde", "schaal"}
    before = len(shown)
    organisation = next(c for c in built[0].children if getattr(c, "description", "") == "organisatie")
    organisation.value = organisation.options[-1]     # a new choice redraws through the callback
    assert len(shown) == before + 1 and shown[-1] is not None


def test_03_factormodel_reuses_the_report_cache(rendered_round, tmp_path):
    cache = shared_cache_path(rendered_round.data, ROUND)
    text = _text(_run("03_factormodel.ipynb", tmp_path, ronde=ROUND, data_map=str(rendered_round.data),
                      interactief=False, pa_iteraties=5, gedeeld_pad=str(cache)))
    assert "KMO = ," in text and "Parallelle analyse:" in text
    assert "Fit van het meetmodel" in text and "Meetinvariantie tussen rondes" in text
    assert "Meetinvariantie tussen organisaties" in text and "Screeplot" in text


def test_04_invloedsfactoren(rendered_round, tmp_path):
    text = _text(_run("04_invloedsfactoren.ipynb", tmp_path, ronde=ROUND, data_map=str(rendered_round.data),
                      interactief=False))
    assert "Overeenstemming binnen teams" in text and "rwg(j)" in text
    assert "hangt het sterkst" in text and "Effecten op informeel leergedrag" in text


def test_05_uitkomsten(rendered_round, tmp_path):
    text = _text(_run("05_uitkomsten.ipynb", tmp_path, ronde=ROUND, data_map=str(rendered_round.data),
                      interactief=False, bootstrap_trekkingen=50))
    assert "Paden uit het codeboek" in text and "Uitkomsten: duurzame inzetbaarheid" in text
    assert "respondenten vulden" in text and "95%-BI" in text


def test_report_notebook_runs_on_its_own_for_one_organisation(rendered_round, tmp_path):
    """The report notebook outside the batch (any organisation spelling), reading the round's model cache."""
    text = _text(_run("rapport.ipynb", tmp_path, ronde=ROUND, data_map=str(rendered_round.data), organisatie="zinn ",
                      interactief=False, gedeeld_pad=str(shared_cache_path(rendered_round.data, ROUND))))
    assert "ZINN en het netwerk" in text and "<h2>Open antwoorden</h2>" in text
