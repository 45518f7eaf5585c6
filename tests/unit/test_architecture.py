"""The package's import graph: one-way layers, no import circle, no private names across subpackages.

Read from the source with ``ast`` (nothing is imported), so a new module is checked as soon as it
exists. The rules are the ones docs/architecture.md draws:

    foundation (errors, nl, codebook, project, privacy, deidentify(_tables), disclosure, files)
        <-  io  <-  analysis  <-  report
             ^- synth (synthetic data; uses io)     cli on top
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "informeel_lib"
NAME = "informeel_lib"

# what each part may import from the package (besides itself); cli and the package root may import anything
ALLOWED = {
    "foundation": {"foundation"},
    "io": {"foundation"},
    "analysis": {"foundation", "io"},
    "synth": {"foundation", "io"},
    "report": {"foundation", "io", "analysis", "synth"},
}
FOUNDATION = {"errors", "nl", "codebook", "privacy", "files", "project", "deidentify", "deidentify_tables",
              "disclosure"}
# the package root (``from .. import __version__``) imports nothing eagerly: anyone may use it
EXCEPTIONS = {
    # the signed-cache key is derived from the project's salt; a lazy import inside cache_key()
    ("informeel_lib.files", "informeel_lib.io.pseudonyms"): "salt lookup lives with the pseudonyms",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def part_of(module: str) -> str:
    """``informeel_lib.analysis.cfa.fit`` -> ``analysis``; foundation modules -> ``foundation``."""
    pieces = module.split(".")
    if len(pieces) == 1:
        return "root"
    top = pieces[1]
    return "foundation" if top in FOUNDATION else top


def imports(path: Path):
    """(imported module, imported names, at module level?) for every import of the package in ``path``."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == NAME:
                    yield alias.name, [], id(node) in top_level
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != NAME:
                continue
            names = [a.name for a in node.names]
            if node.module is None:  # `from . import x`: x is a submodule
                for name in names:
                    yield f"{target}.{name}", [], id(node) in top_level
            else:
                yield target, names, id(node) in top_level


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def resolve(target: str) -> str | None:
    """The package module an import refers to (``from .x import y`` may name a submodule ``y``)."""
    while target and target not in MODULES:
        target = target.rsplit(".", 1)[0] if "." in target else ""
    return target or None


def edges(*, module_level_only: bool):
    for module, path in MODULES.items():
        for target, names, at_top in imports(path):
            if module_level_only and not at_top:
                continue
            targets = [resolve(f"{target}.{n}") for n in names if f"{target}.{n}" in MODULES] or [resolve(target)]
            for t in targets:
                if t and t != module:
                    yield module, t, names


def test_the_graph_was_read():
    found = list(edges(module_level_only=False))
    assert len(MODULES) > 40 and len(found) > 100
    assert ("informeel_lib.report.sections", "informeel_lib.nl", ) in {(a, b) for a, b, _ in found}


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_imports_run_one_way(part):
    """io never imports analysis or report, analysis never imports report, ... (also inside functions)."""
    wrong = sorted({f"{a} -> {b}" for a, b, _ in edges(module_level_only=False)
                    if part_of(a) == part and part_of(b) not in ALLOWED[part] | {part, "root"}
                    and (a, b) not in EXCEPTIONS})
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_no_import_circle():
    """No cycle among module-level imports (a cycle makes the import order matter)."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for a, b, _ in edges(module_level_only=True):
        if b != NAME:  # every submodule's parent package is imported first anyway
            graph[a].add(b)
    state: dict[str, int] = {}
    cycles = []

    def visit(node, stack):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [])
    assert not cycles, "import circles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_no_private_name_is_imported_from_another_subpackage():
    """``from ..analysis.moments import _eps`` in report/ would tie report to analysis internals."""
    wrong = []
    for module, path in MODULES.items():
        for target, names, _ in imports(path):
            resolved = resolve(target) or target
            if part_of(resolved) == part_of(module):
                continue
            wrong += [f"{module}: {n} from {resolved}" for n in names if n.startswith("_") and not n.startswith("__")]
    assert not wrong, "private names imported across subpackages:\n" + "\n".join(wrong)


def test_the_checks_catch_a_violation(tmp_path, monkeypatch):
    """The rules are not vacuous: a fake io module importing report and a private name is caught."""
    fake = PACKAGE / "io" / "_fake_for_test.py"
    module = "informeel_lib.io._fake_for_test"
    source = "from ..report.sections import _h2\n"
    monkeypatch.setitem(MODULES, module, fake)
    monkeypatch.setattr(Path, "read_text", lambda self, **kw: source if self == fake else _read(self, encoding="utf-8"))
    with pytest.raises(AssertionError, match="io._fake_for_test -> informeel_lib.report.sections"):
        test_imports_run_one_way("io")
    with pytest.raises(AssertionError, match="_h2 from informeel_lib.report.sections"):
        test_no_private_name_is_imported_from_another_subpackage()


_read = Path.read_text
