"""The notebooks are the source: their structure and behaviour (not their bytes), and papermill runs.

nbval runs every notebook as it is (see conftest.py); the runs here set the parameters a researcher
would change and check that each one is honoured.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill as pm
import pytest
import yaml

from informeel_lib.report.batch import KERNEL_NAME, local_kernel_manager_class, shared_cache_path
from informeel_lib.report.html import notebook_to_html
from informeel_lib.report.strip_outputs import dumps, strip
from tests.support.notebooks import ALL, EXPLORATION, ROOT, WITH_LOGIC, notebook_path, structure_problems
from tests.support.rendered import PREVIOUS, ROUND
from tests.support.widget_runs import cell_seconds, widget_notebook

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def kernel_installed():
    """The notebooks are pinned to the 'informeel' kernel that `make venv` installs; make sure it exists."""
    from jupyter_client.kernelspec import KernelSpecManager

    if KERNEL_NAME not in KernelSpecManager().find_kernel_specs():
        subprocess.run([sys.executable, "-m", "ipykernel", "install", "--sys-prefix", "--name", KERNEL_NAME],
                       check=True, capture_output=True)


@pytest.mark.parametrize("name", ALL)
def test_committed_notebook_follows_the_rules(name):
    """A parameters cell with the parameters, library calls only, one setup call, no outputs."""
    assert structure_problems(notebook_path(name), exploration=name in EXPLORATION,
                              allow_logic=name in WITH_LOGIC) == []
    text = notebook_path(name).read_text(encoding="utf-8")
    assert dumps(strip(nbformat.reads(text, as_version=4))) == text, "the git filter would change this file"


def test_no_generator_any_more():
    assert not (ROOT / "notebooks" / "_build.py").exists()


def test_rule_checker_catches_logic_and_outputs(tmp_path):
    """The structure check fails on what it forbids (it is not a test that cannot fail)."""
    book = nbformat.read(str(notebook_path("02_vragenlijstanalyse.ipynb")), as_version=4)
    book.cells.append(nbformat.v4.new_code_cell("if interactief:\n    x = [s for s in 'REFL']"))
    book.cells[2].outputs = [nbformat.v4.new_output("stream", text="hoi")]
    book.cells[2].execution_count = 3
    path = tmp_path / "x.ipynb"
    nbformat.write(book, str(path))
    problems = " ".join(structure_problems(path))
    assert "has outputs" in problems and "If" in problems and "ListComp" in problems


def _run(name, tmp_path, **params):
    """Execute with papermill as the batch does (local-socket kernel, a cell timeout instead of a hang)."""
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


def _renamed_codebook(tmp_path):
    """A copy of the package codebook with the first outcome scale renamed (a researcher's own codebook)."""
    from informeel_lib.codebook import DATA_DIR, DEFAULT_CODEBOOK

    raw = yaml.safe_load((DATA_DIR / DEFAULT_CODEBOOK).read_text(encoding="utf-8"))
    outcome = next(code for code, scale in raw["scales"].items() if scale.get("role") == "outcome")
    raw["scales"][outcome]["name"] = "Eigen leerschaal"
    path = tmp_path / "eigen_codeboek.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _numbers(text: str, word: str) -> list[int]:
    return [int(n) for n in re.findall(rf"<strong>{word} (\d+)</strong>", text)]


def test_01_tells_the_story_with_the_researchers_codebook(rendered_round, tmp_path):
    text = _text(_run("01_begripsverkenning.ipynb", tmp_path, data_map=str(rendered_round.data), interactief=False,
                      codebook=str(_renamed_codebook(tmp_path)), min_groep=6))
    assert "Eigen leerschaal" in text  # the concept table comes from the codebook parameter
    assert "geen vorm" in text and "aantallen onder 6" in text.lower()
    book = nbformat.read(str(notebook_path("01_begripsverkenning.ipynb")), as_version=4)
    story = " ".join(c.source for c in book.cells if c.cell_type == "markdown")
    for word in ("zelfgestuurd", "incidenteel", "tacit", "Lerende organisatie", "Werkplekleren",
                 "02_vragenlijstanalyse.ipynb"):
        assert word in story
    assert "Van begrippen naar analyse" in book.cells[-1].source  # the closing section leads to 02


def test_02_honours_round_organisation_minimum_and_codebook(rendered_round, tmp_path):
    book = _run("02_vragenlijstanalyse.ipynb", tmp_path, ronde=PREVIOUS, data_map=str(rendered_round.data),
                interactief=False, organisatie="zinn ", min_groep=7, codebook=str(_renamed_codebook(tmp_path)))
    text = _text(book)
    assert f"Ronde <b>{PREVIOUS}</b>, ZINN" in text
    assert f"Eigen leerschaal: ZINN, ronde {PREVIOUS}" in text  # widget output: title names the choice
    assert "minder dan 7 respondenten" in text and "alleen groepen met minstens 7 respondenten" in text
    assert "Gemiddelde score per team in ZINN" in text
    assert _numbers(text, "Tabel") == list(range(1, len(_numbers(text, "Tabel")) + 1))
    assert _numbers(text, "Figuur") == [1, 2, 3]
    assert "ci_laag" not in text and not re.search(r"\d\.\d{3}", re.sub(r'src="data:[^"]+"', "", text))
    # a shared export never shows widgets, even if a notebook ran interactively
    widget = nbformat.v4.new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2, "version_minor": 0},
        "text/plain": "interactive(children=(Dropdown(...),))"})
    book.cells[-1].outputs.append(widget)
    html = notebook_to_html(book, title="proef")
    assert "widget" not in html and "<script" not in html and "Dropdown" not in html


def test_03_honours_the_organisation_and_reuses_the_report_cache(rendered_round, tmp_path):
    import pandas as pd

    n_zinn = int((pd.read_parquet(rendered_round.data / f"{ROUND}.parquet")["organisation"] == "ZINN").sum())
    text = _text(_run("03_factormodel.ipynb", tmp_path, data_map=str(rendered_round.data), interactief=False,
                      organisatie="ZINN", pa_iteraties=5, aantal_factoren=3, rotatie="varimax"))
    assert f"ZINN, ronde {ROUND} (n = {n_zinn})" in text
    assert f"EFA met 3 factoren, rotatie varimax: ZINN, ronde {ROUND} (n = {n_zinn})" in text
    assert "Ladingen onder ,30" in text and "Meetinvariantie tussen rondes" in text
    network = _text(_run("03_factormodel.ipynb", tmp_path, data_map=str(rendered_round.data), interactief=False,
                         pa_iteraties=5, gedeeld_pad=str(shared_cache_path(rendered_round.data, ROUND))))
    assert "Fit van het meetmodel" in network and "Meetinvariantie tussen organisaties" in network
    assert _numbers(network, "Tabel") == [1, 2, 3, 4, 5]  # fit, ML/WLSMV fit and loadings, two invariance tables


def test_04_honours_organisation_outcome_and_predictors(rendered_round, tmp_path):
    from informeel_lib import load_codebook

    cb = load_codebook()
    predictors = [s for s, sc in cb.scales.items() if sc.role == "predictor"][:3]
    text = _text(_run("04_invloedsfactoren.ipynb", tmp_path, data_map=str(rendered_round.data), interactief=False,
                      organisatie="Treant", voorspellers=predictors))
    assert "Overeenstemming binnen teams in Treant" in text and "rwg(j)" in text
    outcome = next(sc.name for sc in cb.scales.values() if sc.role == "outcome")
    assert f"{outcome} verklaard door 3 factoren: Treant, ronde {ROUND}" in text
    assert "hangt het sterkst" in text
    assert f"Welke invloedsfactoren gaan samen met {outcome[:1].lower() + outcome[1:]}?" in text  # from the codebook


def test_05_uitkomsten(rendered_round, tmp_path):
    text = _text(_run("05_uitkomsten.ipynb", tmp_path, ronde=ROUND, data_map=str(rendered_round.data),
                      interactief=False, bootstrap_trekkingen=50))
    assert "Paden uit het codeboek" in text and "Uitkomsten: duurzame inzetbaarheid" in text
    assert "Gaat informeel leergedrag samen met duurzame inzetbaarheid" in text     # the question, from the codebook
    assert "Controlevariabelen: rol en dienstjaren" in text                        # in Dutch, not column codes
    assert "respondenten vulden" in text and "95%-BI" in text


def test_report_notebook_runs_on_its_own_for_one_organisation(rendered_round, tmp_path):
    """The report notebook outside the batch (any organisation spelling), reading the round's model cache."""
    text = _text(_run("rapport.ipynb", tmp_path, ronde=ROUND, data_map=str(rendered_round.data), organisatie="zinn ",
                      interactief=False, gedeeld_pad=str(shared_cache_path(rendered_round.data, ROUND))))
    assert "ZINN en het netwerk" in text and "<h2>Open antwoorden</h2>" in text


def test_02_with_widgets_through_papermill_does_not_hang(rendered_round, tmp_path):
    """interactief=True through papermill: no cell waits for its timeout (the lost wake-up of
    informeel_lib.report.kernel_client). One run of 02 here (the twenty runs of a minimal widget notebook below
    are what catches a one-in-eight hang); twenty runs of 02 in benchmarks/bench_notebook_widgets.py."""
    seconds = cell_seconds(notebook_path("02_vragenlijstanalyse.ipynb"), tmp_path / "02.ipynb",
                           timeout=240, data_map=str(rendered_round.data), interactief=True)
    assert max(seconds) < 120, seconds


def test_widget_cells_never_wait_for_the_timeout(tmp_path):
    """Twenty papermill runs of a minimal widget notebook (four interactive cells with a large output each, one
    warm kernel):
    with jupyter_client's default client about one such cell in eight waited for the full timeout."""
    import asyncio

    notebook = widget_notebook(tmp_path / "widgets.ipynb", cells=4)
    km = local_kernel_manager_class(asynchronous=True)(kernel_name=KERNEL_NAME)
    asyncio.run(km.start_kernel(cwd=str(tmp_path)))  # one warm kernel for the twenty runs
    try:
        waits = [s for _ in range(20) for s in cell_seconds(notebook, tmp_path / "out.ipynb", timeout=20, km=km)]
    finally:
        asyncio.run(km.shutdown_kernel(now=True))
    assert len(waits) == 20 * 5 and max(waits) < 10, sorted(waits)[-5:]


def test_the_papermill_command_with_engine_informeel_uses_the_report_kernels(tmp_path):
    """`papermill --engine informeel` (the README's way to run a notebook yourself): the batch's kernel manager
    (local sockets, the client that cannot miss a widget cell's reply), not jupyter_client's default (TCP)."""
    notebook = widget_notebook(tmp_path / "widgets.ipynb", cells=2)
    book = nbformat.read(str(notebook), as_version=4)
    book.cells.append(nbformat.v4.new_code_cell(
        "import json\nfrom ipykernel import get_connection_info\n"
        "print(json.loads(get_connection_info())['transport'])"))
    nbformat.write(book, str(notebook))
    out = tmp_path / "uit.ipynb"
    proc = subprocess.run([str(Path(sys.executable).parent / "papermill"), "--engine", "informeel",
                           "--execution-timeout", "60", str(notebook), str(out)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    done = nbformat.read(str(out), as_version=4)
    assert done.cells[-1].outputs[0]["text"].strip() == "ipc"
    assert all(c.metadata.papermill.duration < 30 for c in done.cells if c.cell_type == "code")


def test_a_notebook_saved_in_jupyterlab_goes_into_git_without_outputs(rendered_round, tmp_path, monkeypatch):
    """Edit a notebook, run it, save it with outputs as JupyterLab does; the git filter that `make` sets up
    stores it stripped, and the stripped notebook still passes the rules and runs."""
    from nbclient import NotebookClient

    from informeel_lib.report.notebook import DATA_ENV

    repo = tmp_path / "repo"
    for rel in ("Makefile", ".gitattributes", "informeel_lib/report/strip_outputs.py",
                "notebooks/01_begripsverkenning.ipynb"):
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, repo / rel)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["make", "-s", "-C", str(repo), "git-filter"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "start"], check=True)

    path = repo / "notebooks" / "01_begripsverkenning.ipynb"
    book = nbformat.read(str(path), as_version=4)
    book.cells[0].source = book.cells[0].source.replace("# 1. Begripsverkenning", "# 1. Begripsverkenning (eigen)")
    book.cells.insert(-1, nbformat.v4.new_code_cell("nb.concepts()"))
    # run it as it is (data_map = None: the kernel finds the data through the environment) and save it
    # as JupyterLab does: outputs, execution counts, language and widget metadata
    monkeypatch.setenv(DATA_ENV, str(rendered_round.data))
    NotebookClient(book, timeout=240, kernel_name=KERNEL_NAME, resources={"metadata": {"path": str(tmp_path)}},
                   kernel_manager_class=local_kernel_manager_class(asynchronous=True)).execute()
    nbformat.write(book, str(path))
    assert sum(bool(c.get("outputs")) for c in nbformat.read(str(path), as_version=4).cells) >= 4

    subprocess.run([*git, "add", "notebooks"], check=True)
    status = subprocess.run([*git, "status", "--porcelain"], check=True, capture_output=True, text=True).stdout
    assert "01_begripsverkenning.ipynb" in status  # the edit itself is staged
    staged = subprocess.run([*git, "show", ":notebooks/01_begripsverkenning.ipynb"], check=True,
                            capture_output=True, text=True).stdout
    stored = tmp_path / "stored.ipynb"
    stored.write_text(staged, encoding="utf-8")
    book = nbformat.reads(staged, as_version=4)
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in book.cells if c.cell_type == "code")
    assert "widgets" not in book.metadata and "(eigen)" in book.cells[0].source
    assert structure_problems(stored) == []
    text = _text(pm.execute_notebook(str(stored), str(tmp_path / "again.ipynb"), parameters={"interactief": False},
                                     kernel_name=KERNEL_NAME, cwd=str(tmp_path), progress_bar=False,
                                     execution_timeout=240,
                                     kernel_manager_class=local_kernel_manager_class(asynchronous=True)))
    assert text.count("Schalen, begrippen en invloedsfactoren") == 2  # the researcher's added cell ran
