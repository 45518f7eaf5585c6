"""informeel_lib: clean, score and analyse the survey of the learning network "informeel leren in de zorg".

The public API is re-exported here lazily (each name is imported from its topic module on first
use), so ``import informeel_lib`` is fast for the command line and one module's import error
does not hide the others.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> module (one module per topic, data flows one way:
# codebook -> intake -> cleaning -> scoring/analysis -> plots/reports)
_EXPORTS = {
    # foundation
    "load_codebook": "codebook",
    "Codebook": "codebook",
    "normalise_text": "codebook",
    "InformeelError": "errors",
    "InputError": "errors",
    "CodebookError": "errors",
    "AnalysisError": "errors",
    "read_export": "intake",
    "clean": "cleaning",
    "clean_files": "cleaning",
    "CleaningResult": "cleaning",
    "load_round": "cleaning",
    "generate_network": "synth",
    "write_network": "synth",
    # psychometrics
    "score_scales": "scoring",
    "reverse_key": "scoring",
    "reliability": "reliability",
    "kmo": "factors",
    "bartlett": "factors",
    "parallel_analysis": "factors",
    "efa": "factors",
    "cfa": "cfa",
    "invariance": "cfa",
    "describe_by": "describe",
    # research question
    "icc": "multilevel",
    "team_agreement": "multilevel",
    "influence_model": "multilevel",
    "compare_rounds": "compare",
    "benchmark": "compare",
    "code_open_answers": "textcoding",
    "frequent_terms": "textcoding",
    "scrub_text": "privacy",
    "suppress_small_groups": "privacy",
    # notebooks and reports
    "render_round": "reports",
    "run_demo": "reports",
    "notebook_to_html": "html_export",
}

__all__ = sorted(_EXPORTS)

# Functions named like their module are bound eagerly: importing a submodule sets it as a package
# attribute, which would otherwise shadow the function (il.reliability would become the module).
from .cfa import cfa  # noqa: E402
from .reliability import reliability  # noqa: E402


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'informeel_lib' has no attribute '{name}'")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
