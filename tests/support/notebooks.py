"""Structure rules of the researchers' notebooks, shared by the notebook tests and the git-filter test."""

import ast
from pathlib import Path

import nbformat
import papermill as pm

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
REPORT_NOTEBOOK = ROOT / "informeel_lib" / "report" / "rapport.ipynb"
EXPLORATION = ["01_begripsverkenning.ipynb", "02_vragenlijstanalyse.ipynb", "03_factormodel.ipynb",
               "04_invloedsfactoren.ipynb", "05_uitkomsten.ipynb"]
WITH_LOGIC = {"05_uitkomsten.ipynb", "rapport.ipynb"}
"""Notebooks whose cells still hold loops and conditions of their own (05 came with issue 15; the report
notebook is package data the batch runs, not a researcher's notebook)."""
ALL = [*EXPLORATION, "rapport.ipynb"]
COMMON_PARAMETERS = {"ronde", "organisatie", "data_map", "min_groep", "interactief"}
EXPLORATION_PARAMETERS = COMMON_PARAMETERS | {"codebook"}
DEMO_SCALE_CODES = ("REFL", "EXPR", "LEID", "ZICHT", "VEIL", "FOUT", "AUTO", "COMP", "IWL", "DUUR", "BIND")

# What a notebook cell may contain: imports, names bound to calls or constants, calls, f-strings.
ALLOWED_NODES = (
    ast.Module, ast.Import, ast.ImportFrom, ast.alias, ast.Assign, ast.Expr, ast.Call, ast.keyword,
    ast.Attribute, ast.Name, ast.Load, ast.Store, ast.Constant, ast.JoinedStr, ast.FormattedValue,
    ast.List, ast.Tuple, ast.Dict,
)


def notebook_path(name: str) -> Path:
    """The exploration notebooks live in notebooks/, the report notebook is package data."""
    return REPORT_NOTEBOOK if name == "rapport.ipynb" else NOTEBOOKS / name


def logic_in(source: str) -> list[str]:
    """AST node types in a cell that go beyond library calls (control flow, operators, comprehensions...)."""
    return sorted({type(node).__name__ for node in ast.walk(ast.parse(source))
                   if not isinstance(node, ALLOWED_NODES)})


def structure_problems(path: Path, *, exploration: bool = True, allow_logic: bool = False) -> list[str]:
    """Everything that breaks the notebook rules (empty list: the notebook is fine).

    Rules: valid nbformat; pinned to the 'informeel' kernel; exactly one cell tagged ``parameters``
    holding only constant assignments of the expected parameters; no outputs or execution counts;
    code cells are library calls only; no demo scale codes; in an exploration notebook the first
    code cell after the parameters is the one setup call ``il.notebook_setup(...)`` with every parameter.
    """
    problems = []
    book = nbformat.read(str(path), as_version=4)
    nbformat.validate(book)
    if book.metadata.get("kernelspec", {}).get("name") != "informeel":
        problems.append("kernel is not 'informeel'")
    tagged = [i for i, c in enumerate(book.cells) if "parameters" in c.metadata.get("tags", [])]
    if len(tagged) != 1:
        return problems + [f"{len(tagged)} parameter cells"]
    params = book.cells[tagged[0]]
    names = set(pm.inspect_notebook(str(path)))
    expected = EXPLORATION_PARAMETERS if exploration else COMMON_PARAMETERS
    if not expected <= names:
        problems.append(f"parameters missing: {sorted(expected - names)}")
    for node in ast.parse(params.source).body:
        if not (isinstance(node, ast.Assign) and isinstance(node.value, (ast.Constant, ast.List, ast.Tuple))):
            problems.append(f"parameter cell has more than constants: {ast.unparse(node)}")
    code = [c for c in book.cells if c.cell_type == "code"]
    for cell in code:
        if cell.get("outputs") or cell.get("execution_count") is not None:
            problems.append(f"cell {cell.get('id')} has outputs")
        if cell is not params and not allow_logic and (extra := logic_in(cell.source)):
            problems.append(f"cell {cell.get('id')} has logic beyond library calls: {extra}")
        for scale in DEMO_SCALE_CODES:
            if f'"{scale}"' in cell.source or f"'{scale}'" in cell.source:
                problems.append(f"cell {cell.get('id')} names the demo scale {scale}")
    if exploration:
        after = code[code.index(params) + 1]
        calls = [n for n in ast.walk(ast.parse(after.source)) if isinstance(n, ast.Call)
                 and ast.unparse(n.func) == "il.notebook_setup"]
        if len(calls) != 1:
            problems.append("the setup cell does not call il.notebook_setup once")
        elif not EXPLORATION_PARAMETERS <= {k.arg for k in calls[0].keywords}:
            problems.append("il.notebook_setup does not receive every parameter")
    return problems
