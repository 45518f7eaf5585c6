"""Run notebooks with ipywidgets through papermill and measure how long each cell waited.

A lost wake-up of the kernel client shows as a cell that takes exactly the cell timeout and still
"completes" (see :mod:`informeel_lib.report.kernel_client`). Shared by the test and the benchmark.
"""

from pathlib import Path

import nbformat
import papermill as pm

from informeel_lib.report.batch import KERNEL_NAME, local_kernel_manager_class


def widget_notebook(path: Path, *, cells: int = 6, output_chars: int = 400_000) -> Path:
    """A minimal notebook: ``cells`` cells, each an ``interactive`` control with a large output."""
    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import ipywidgets as ipw\nfrom IPython.display import HTML, display\n"
        f"big = 'x' * {output_chars}\n\n\ndef show(keuze):\n    display(HTML(f'<h4>{{keuze}}</h4>' + big))")])
    book.cells += [nbformat.v4.new_code_cell(
        "display(ipw.interactive(show, keuze=ipw.Dropdown(options=list('abc'), value='b')))") for _ in range(cells)]
    book.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": KERNEL_NAME, "language": "python"}
    nbformat.write(book, str(path))
    return path


def cell_seconds(notebook: Path, out: Path, *, timeout: float, sliced: bool = True, km=None,
                 **parameters) -> list[float]:
    """Execute ``notebook`` once; the papermill duration of every code cell (seconds).

    ``km``: a started kernel manager to reuse (a warm kernel); by default a new kernel per run.
    """
    kwargs = {"kernel_manager_class": local_kernel_manager_class(asynchronous=True)} if sliced else {}
    if km is not None:
        kwargs = {"km": km}
    book = pm.execute_notebook(str(notebook), str(out), parameters=parameters, kernel_name=KERNEL_NAME,
                               progress_bar=False, log_output=False, execution_timeout=timeout,
                               cwd=str(out.parent), **kwargs)
    return [c.metadata.papermill.duration or 0.0 for c in book.cells if c.cell_type == "code"]
