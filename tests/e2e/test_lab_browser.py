"""Notebook 02 in JupyterLab in a real browser: run all cells, no errors, the organisation dropdown redraws.

JupyterLab is started as `make lab` starts it (tests/support/lab.py) on a copy of
``notebooks/02_vragenlijstanalyse.ipynb`` whose parameters cell names the synthetic round (the
``rendered_round`` session fixture), and driven with Debian's ``/usr/bin/chromium`` through the
``playwright`` package (never ``playwright install``). On CI (``CI=true``) a missing browser fails.
Screenshots and the lab log are left in the test's ``tmp_path`` for debugging.
"""

import re
import time

import nbformat
import pytest

from informeel_lib.codebook import load_codebook
from informeel_lib.project import DEMO_NOTICE
from informeel_lib.report import widgets
from tests.support import browser as support_browser
from tests.support.lab import running_lab
from tests.support.notebooks import NOTEBOOKS

pytestmark = pytest.mark.slow

NAME = "02_vragenlijstanalyse.ipynb"
ORGANISATION = "ZINN"
KERNEL = "informeel (Python 3)"  # display name of the kernel `make venv` installs; the notebook pins it by name
# No autosave (every 120 s by default: on a slow machine it can start while the last cells still run and
# hold up the test's own save) and no question about Jupyter news over the notebook.
LAB_SETTINGS = {"@jupyterlab/docmanager-extension/plugin": {"autosave": False},
                "@jupyterlab/apputils-extension/notification": {"fetchNews": "false"}}
RUN_SECONDS = 240  # a generous limit for a loaded machine (77 s at load 17 on 2 cores)


class Phases:
    """Seconds since the start at each named step, for the report of a slow run."""

    def __init__(self):
        self.start, self.steps = time.monotonic(), []

    def __call__(self, step):
        self.steps.append((step, time.monotonic() - self.start))

    def __str__(self):
        return "; ".join(f"{step}: {t:.1f} s" for step, t in self.steps)


def researcher_copy(folder, *, data_map, round_name):
    """Notebook 02 with the parameters a researcher would set for this round, in ``folder``."""
    book = nbformat.read(str(NOTEBOOKS / NAME), as_version=4)
    params = next(c for c in book.cells if "parameters" in c.metadata.get("tags", []))
    for name, value in {"data_map": str(data_map), "ronde": round_name, "interactief": True}.items():
        params.source, count = re.subn(rf"^{name} = [^#\n]*?(\s*#|$)", f"{name} = {value!r}\\1", params.source,
                                       count=1, flags=re.M)
        assert count == 1, f"parameter {name} not found in the parameters cell of {NAME}"
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(book, str(folder / NAME))
    return book


def kernel_idle(page):
    """The status bar when the notebook's own kernel is started and idle: "informeel (Python 3) | Idle"."""
    return page.locator("#jp-main-statusbar", has_text=re.compile(rf"{re.escape(KERNEL)} \| Idle"))


def run_all_and_wait(page, n_code_cells, shots):
    """Run menu > Run All Cells; wait until every code cell has an execution count and the kernel is idle."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
    prompts = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt")
    idle = kernel_idle(page)
    started = time.monotonic()
    while time.monotonic() < started + RUN_SECONDS:
        texts = [t.strip() for t in prompts.all_text_contents()]  # innerText is empty off screen
        done = [t for t in texts if re.fullmatch(r"\[\d+\]:", t)]
        if len(done) == n_code_cells and idle.count() == 1:
            return
        if texts and "[*]:" not in texts and idle.count() == 1 and time.monotonic() > started + 10:
            break  # nothing queued or running any more, yet not every cell ran (an error stops Run All)
        time.sleep(0.25)
    page.screenshot(path=str(shots / "run-all.png"), full_page=True)
    pytest.fail(f"Run All Cells eindigde niet goed binnen {RUN_SECONDS} s; prompts: {texts}")


def saved_outputs(lab, page, shots):
    """File menu > Save Notebook, then read it back over the REST API: the outputs of every code cell.

    Read only after JupyterLab shows the save as done (the tab loses its unsaved mark): jupyter_server writes
    a notebook in place, and a GET during that write finds half a file, moves it aside as ``.invalid`` and
    restores the previous version (jupyter_server 2.x ``_read_notebook``).
    """
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^File$")).click()
    page.locator('.lm-Menu-item[data-command="docmanager:save"]').click()
    unsaved = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.jp-mod-dirty", has_text=NAME)
    try:
        unsaved.wait_for(state="detached", timeout=60_000)
    except Exception:
        page.screenshot(path=str(shots / "opslaan.png"))
        raise
    _, model = lab.get(f"/api/contents/{NAME}")
    cells = [c for c in model["content"]["cells"] if c["cell_type"] == "code"]
    assert all(c["execution_count"] for c in cells), "het notebook werd niet met uitvoer opgeslagen"
    return [c["outputs"] for c in cells]


def test_notebook_02_runs_in_jupyterlab_and_the_organisation_dropdown_redraws(rendered_round, tmp_path):
    sync_playwright = support_browser.require_browser()
    from playwright.sync_api import expect
    folder, shots = tmp_path / "notebooks", tmp_path
    book = researcher_copy(folder, data_map=rendered_round.data, round_name=rendered_round.round_name)
    n_code = sum(c.cell_type == "code" for c in book.cells)
    scale = load_codebook(None).scales[widgets.default_outcome()].name
    before = f"{scale}: {widgets.where(None, rendered_round.round_name)}"
    after = f"{scale}: {widgets.where(ORGANISATION, rendered_round.round_name)}"
    page_errors, clock = [], Phases()
    with running_lab(tmp_path, folder, settings=LAB_SETTINGS) as lab, sync_playwright() as pw:
        clock("lab gestart")
        browser = pw.chromium.launch(executable_path=support_browser.executable(), args=support_browser.ARGS,
                                     headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("pageerror", lambda exc: page_errors.append(str(exc)))
            page.goto(f"{lab.base}/lab/tree/{NAME}?token={lab.token}")
            # loaded, with the notebook's own kernel started and idle (status bar: "informeel (Python 3) | Idle")
            page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell").first.wait_for(timeout=60_000)
            kernel_idle(page).wait_for(timeout=60_000)
            page.screenshot(path=str(shots / "geopend.png"))
            clock("notebook geopend, kernel klaar")
            run_all_and_wait(page, n_code, shots)
            page.screenshot(path=str(shots / "uitgevoerd.png"), full_page=True)
            clock("alle cellen uitgevoerd")

            # no error output, in the page or in the saved notebook
            # no error output, in the page or in the saved notebook; the only text on stderr (a red box in
            # JupyterLab, as a traceback is) is the library's notice that the demo codebook is used
            stderr = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], '
                                  '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')
            shown = [t.strip() for t in stderr.all_text_contents()]
            assert set(shown) <= {DEMO_NOTICE}, f"foutuitvoer in het notebook: {shown}"
            outputs = saved_outputs(lab, page, shots)
            errors = [o for cell in outputs for o in cell if o["output_type"] == "error"
                      or (o["output_type"] == "stream" and o["name"] == "stderr" and o["text"].strip() != DEMO_NOTICE)]
            assert not errors, errors

            # the first organisation dropdown (the Likert widget): choosing ZINN redraws the titled output
            control = page.locator(".widget-interact").first
            title = control.locator("h4.keuze")
            title.wait_for(timeout=30_000)
            control.scroll_into_view_if_needed()
            expect(title).to_have_text(before)
            dropdown = control.locator(".widget-dropdown", has=page.locator("label", has_text="organisatie"))
            dropdown.locator("select").select_option(ORGANISATION)
            started = time.monotonic()
            expect(title).to_have_text(after, timeout=30_000)
            redraw = time.monotonic() - started
            clock("organisatie gekozen, titel bijgewerkt")
            page.screenshot(path=str(shots / f"{ORGANISATION}.png"), full_page=True)
            assert title.text_content() == after
            assert control.locator(".widget-output img").count() >= 1  # the chart was redrawn too
        finally:
            browser.close()
    print(clock)  # shown with -s or on failure: where the time goes
    assert not page_errors, page_errors
    assert redraw < 15, f"de grafiek verscheen pas na {redraw:.1f} s"
