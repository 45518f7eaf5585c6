"""The codebook drives everything: no scale or item code of the demo questionnaire in library or notebook code.

Allowed: the demo codebook itself, the demo's synthetic generator (synth/model, exports, text) and
docstrings (examples). Everything else (string constants, names, notebook code cells) must get its
scales from the codebook it is handed.
"""

import ast
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEMO = re.compile(r"\b(REFL|EXPR|LEID|ZICHT|VEIL|FOUT|AUTO|COMP|IWL|DUUR|BIND)\d*\b")
ALLOWED = {"synth/model.py", "synth/exports.py", "synth/text.py"}


def _docstrings(tree) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _demo_codes_in_code(source: str) -> list[str]:
    tree = ast.parse(source)
    docs = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            found += DEMO.findall(node.value)
        elif isinstance(node, ast.Name):
            found += DEMO.findall(node.id)
    return found


def test_library_code_names_no_demo_scale():
    offenders = {}
    for path in sorted((ROOT / "informeel_lib").rglob("*.py")):
        rel = path.relative_to(ROOT / "informeel_lib").as_posix()
        if rel in ALLOWED:
            continue
        found = _demo_codes_in_code(path.read_text(encoding="utf-8"))
        if found:
            offenders[rel] = sorted(set(found))
    assert offenders == {}


def test_notebook_code_names_no_demo_scale():
    books = sorted((ROOT / "notebooks").glob("*.ipynb")) + [ROOT / "informeel_lib" / "report" / "rapport.ipynb"]
    offenders = {}
    for book in books:
        cells = json.loads(book.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        found = DEMO.findall(code)
        if found:
            offenders[book.name] = sorted(set(found))
    assert offenders == {}
    assert (ROOT / "notebooks" / "_build.py").exists() is False or not _demo_codes_in_code(
        (ROOT / "notebooks" / "_build.py").read_text(encoding="utf-8"))


def test_the_check_sees_a_demo_code_in_code_but_not_in_a_docstring():
    assert _demo_codes_in_code('"""Example: REFL."""\nSCALE = "IWL"\n') == ["IWL"]
    assert _demo_codes_in_code("def f():\n    '''uses LEID'''\n    return 1\n") == []
