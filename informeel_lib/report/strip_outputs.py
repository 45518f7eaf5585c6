"""Strip outputs from a notebook: the git clean filter of this project (standard library only).

``make`` registers it for every ``*.ipynb`` (see ``.gitattributes``)::

    git config filter.notebook-uitvoer.clean "python3 informeel_lib/report/strip_outputs.py"

so a notebook that a researcher saved in JupyterLab, with all its outputs, goes into git as its
source only: no outputs, no execution counts, no widget state, no run metadata. The file on disk
keeps its outputs. The filter reads the notebook on stdin and writes the stripped notebook to
stdout, in nbformat's own layout (sorted keys, one-space indent, source as a list of lines), so
stripping is idempotent and a committed notebook strips to itself.

It uses only the standard library on purpose: git runs it with the system ``python3`` in any
checkout, before or without a virtual environment.
"""

from __future__ import annotations

import json
import sys

CELL_METADATA_DROPPED = ("execution", "collapsed", "scrolled", "jupyter", "ExecuteTime", "papermill")
NOTEBOOK_METADATA_DROPPED = ("widgets", "papermill", "toc", "varInspector")


def _lines(source):
    if isinstance(source, str):
        return source.splitlines(keepends=True)
    return source


def strip(notebook: dict) -> dict:
    """The notebook without outputs, execution counts, widget state and run metadata (a new dict).

    Tags (``parameters``), cell ids, the kernelspec and markdown attachments stay.
    """
    out = dict(notebook)
    out["cells"] = []
    for cell in notebook.get("cells", []):
        cell = dict(cell)
        cell["source"] = _lines(cell.get("source", []))
        cell["metadata"] = {k: v for k, v in cell.get("metadata", {}).items() if k not in CELL_METADATA_DROPPED}
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        out["cells"].append(cell)
    meta = {k: v for k, v in notebook.get("metadata", {}).items() if k not in NOTEBOOK_METADATA_DROPPED}
    if isinstance(meta.get("language_info"), dict):  # version numbers of the kernel that last ran it
        meta["language_info"] = {"name": meta["language_info"].get("name", "python")}
    out["metadata"] = meta
    return out


def dumps(notebook: dict) -> str:
    """Serialise as nbformat does (``nbformat.writes``): sorted keys, indent 1, UTF-8, final newline."""
    return json.dumps(notebook, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def main() -> int:
    """Filter stdin to stdout; text that is not a notebook passes unchanged (git must never lose it)."""
    text = sys.stdin.buffer.read().decode("utf-8")
    try:
        notebook = json.loads(text)
    except ValueError:
        sys.stdout.buffer.write(text.encode("utf-8"))
        return 0
    if not isinstance(notebook, dict) or "cells" not in notebook:
        sys.stdout.buffer.write(text.encode("utf-8"))
        return 0
    sys.stdout.buffer.write(dumps(strip(notebook)).encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
