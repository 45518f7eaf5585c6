"""informeel_lib: clean, score and analyse the survey of the learning network "informeel leren in de zorg".

The public API is re-exported here lazily (each name is imported from its topic module on first
use), so ``import informeel_lib`` is fast for the command line and one module's import error
does not hide the others.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> module. Subpackages follow the data flow: io (intake, cleaning) -> analysis -> report;
# errors, nl, codebook and privacy are the foundation every stage may use. See docs/architecture.md.
_EXPORTS = {
    # foundation
    "load_codebook": "codebook",
    "Codebook": "codebook",
    "normalise_text": "codebook",
    "resolve_codebook": "project",
    "load_project": "project",
    "project_setting": "project",
    "InformeelError": "errors",
    "InputError": "errors",
    "CodebookError": "errors",
    "AnalysisError": "errors",
    "read_export": "io.intake",
    "read_exports": "io.intake",
    "clean": "io.cleaning",
    "clean_files": "io.cleaning",
    "CleaningResult": "io.cleaning",
    "load_round": "io.cleaning",
    "generate_network": "synth",
    "write_network": "synth",
    # psychometrics
    "score_scales": "analysis.scoring",
    "reverse_key": "analysis.scoring",
    "reliability": "analysis.reliability",
    "kmo": "analysis.factors",
    "bartlett": "analysis.factors",
    "parallel_analysis": "analysis.factors",
    "efa": "analysis.factors",
    "polychoric": "analysis.polychoric",
    "tetrachoric": "analysis.polychoric",
    "omega": "analysis.omega",
    "composite_reliability": "analysis.cfa.reliability",
    "cfa": "analysis.cfa.estimate",
    "sem": "analysis.cfa.sem",
    "outcome_associations": "analysis.outcomes",
    "outcome_paths": "analysis.outcomes",
    "cross_lagged": "analysis.panel",
    "invariance": "analysis.cfa.invariance",
    "describe_by": "analysis.describe",
    # research question
    "icc": "analysis.multilevel",
    "team_agreement": "analysis.multilevel",
    "influence_model": "analysis.multilevel",
    "compare_rounds": "analysis.compare",
    "benchmark": "analysis.compare",
    "code_open_answers": "analysis.textcoding",
    "frequent_terms": "analysis.textcoding",
    "scrub_text": "privacy",
    "suppress_small_groups": "privacy",
    # notebooks and reports
    "render_round": "report.batch",
    "run_demo": "report.batch",
    "update_approval_file": "report.quotes",
    "read_approvals": "report.quotes",
    "notebook_to_html": "report.html",
    "notebook_setup": "report.notebook",
}

__all__ = sorted(_EXPORTS)

def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'informeel_lib' has no attribute '{name}'")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
