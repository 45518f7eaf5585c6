"""One call that sets up an exploration notebook, and the display helpers its cells use.

The notebooks in ``notebooks/`` are the researcher's own files: narrative plus calls into this
module and the analysis functions, no logic of their own. Their first code cell after the
parameters is always::

    nb = il.notebook_setup(ronde=ronde, organisatie=organisatie, data_map=data_map,
                           min_groep=min_groep, codebook=codebook, interactief=interactief)

:func:`setup` turns the Dutch notebook parameters into a :class:`Notebook`: the codebook, every
processed round (scored), the report context of the chosen round and organisation, and one
counter for table numbers and one for figure numbers, so every table and figure in a notebook
is numbered 1, 2, ... in the order shown, whichever library call made it.

Which data folder, when ``data_map`` is None: the folder named by the environment variable
``INFORMEEL_DATA_MAP`` if set (the tests point it at the synthetic network), otherwise the first
``data/processed`` found from the working directory upwards (``make demo`` fills it).
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..codebook import Codebook
from ..errors import AnalysisError, InputError
from ..nl import html_table
from ..privacy import MIN_GROUP
from .context import ReportContext, Section, load_context
from .sections import load_all_rounds

DATA_ENV = "INFORMEEL_DATA_MAP"
"""Environment variable naming the processed data folder when a notebook's ``data_map`` is None."""


def resolve_data_map(data_map=None) -> Path:
    """The processed-data folder of a notebook.

    ``data_map`` when given; else ``$INFORMEEL_DATA_MAP``; else ``data:`` in the project's
    ``informeel.yaml``; else the first ``data/processed`` from the working directory upwards.

    Raises
    ------
    InputError
        When ``data_map`` is None and no folder is found (Dutch message: run ``make demo``).
    """
    from ..project import project_setting

    if data_map is not None:
        return Path(data_map)
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV])
    configured = project_setting("data", None, None)
    if configured is not None:
        return Path(configured)
    here = Path.cwd().resolve()
    for base in (here, *here.parents):
        if (base / "data" / "processed").is_dir():
            return base / "data" / "processed"
    raise InputError("geen map data/processed gevonden; draai eerst 'make demo' of geef data_map op.")


@dataclass(frozen=True)
class Notebook:
    """What an exploration notebook works with, made by :func:`setup`.

    Attributes
    ----------
    round_name : str
        The chosen round (the latest in the data folder when the notebook said None).
    organisation : str or None
        The organisation in its codebook spelling, or None for the whole network.
    data_dir : Path
    min_group : int
        Groups with fewer respondents are never shown.
    codebook : Codebook
    interactive : bool
        True in JupyterLab (widgets), False in papermill/HTML runs (fixed output).
    data : DataFrame
        Every processed round, scored (one column per scale).
    context : ReportContext
        The round and organisation as the report sections see them (``focus`` = the organisation).
    """

    round_name: str
    organisation: str | None
    data_dir: Path
    min_group: int
    codebook: Codebook = field(repr=False)
    interactive: bool
    data: pd.DataFrame = field(repr=False)
    context: ReportContext = field(repr=False)
    _figures: list = field(default_factory=lambda: [0], repr=False, compare=False)
    _widgets: list = field(default_factory=list, repr=False, compare=False)
    _shared: dict = field(default_factory=dict, repr=False, compare=False)

    # --- what the cells select --------------------------------------------------------------
    @property
    def rounds(self) -> list[str]:
        return sorted(self.data["round"].dropna().unique())

    @property
    def focus(self) -> pd.DataFrame:
        """The chosen round, restricted to the organisation when one is chosen (scored)."""
        return self.context.focus

    @property
    def items(self) -> pd.DataFrame:
        """The item answers of :attr:`focus`: the codebook items answered there (an item the round did not ask,
        codebook ``since``, is left out)."""
        from .context import answered_items

        return self.focus[answered_items(self.focus, self.codebook.item_codes)]

    @property
    def model(self) -> dict:
        """The codebook's measurement model on the items of :attr:`items` (scales keep at least two)."""
        from .context import measured_model

        return measured_model(self.codebook, self.focus)

    @property
    def where(self) -> str:
        """'ZINN, ronde 2022-05' or 'het netwerk, ronde 2022-05' (used in titles)."""
        return f"{self.organisation or 'het netwerk'}, ronde {self.round_name}"

    def scale_scores(self, scales=None) -> pd.DataFrame:
        """Scale scores of :attr:`focus` with readable column names (for seaborn plots).

        Columns ``Organisatie``, ``Team``, ``Rol`` (the codebook's label of each role) and one column per
        scale (all, or ``scales``) named after the scale.
        """
        cb = self.codebook
        codes = [s for s in (scales or cb.scales) if s in self.focus.columns]
        keep = {"organisation": "Organisatie", "team": "Team", "role": "Rol", **{s: cb.scales[s].name for s in codes}}
        frame = cb.labelled(self.focus[[c for c in keep if c in self.focus.columns]], "role")
        return frame.rename(columns=keep)

    def scale_name(self, code=None) -> str:
        """The codebook name of scale ``code`` (None: the outcome)."""
        return self.codebook.scales[code or self.outcome].name

    @property
    def group_label(self) -> str:
        """'Team' when an organisation is chosen, else 'Organisatie' (column of :meth:`scale_scores`)."""
        return "Team" if self.organisation else "Organisatie"

    # --- numbered output ----------------------------------------------------------------------
    def table_number(self) -> int:
        """The next table number (shared with the report sections this notebook shows)."""
        return self.context.table_number()

    def figure_number(self) -> int:
        self._figures[0] += 1
        return self._figures[0]

    def table(self, frame: pd.DataFrame, *, title: str, note: str | None = None, **fmt) -> None:
        """Show ``frame`` as a numbered APA table with Dutch numbers (``fmt`` goes to :func:`nl.html_table`)."""
        _display_html(html_table(frame, title=title, number=self.table_number(), note=note, **fmt))

    def figure(self, fig, *, title: str, alt: str | None = None) -> None:
        """Show a matplotlib/seaborn figure (or axes, or seaborn grid) under a numbered caption."""
        import matplotlib.pyplot as plt

        from .figures import img_html

        figure = dutch_ticks(_as_figure(fig))
        _display_html(figure_caption(self.figure_number(), title) + img_html(figure, alt=alt or title))
        plt.close(figure)  # a pyplot figure (seaborn grids) would otherwise be shown a second time

    def section(self, section: Section) -> None:
        """Show a report section without its own ``<h2>`` heading (the notebook's markdown has the heading)."""
        _display_html(without_heading(section.html))

    # --- codebook roles ---------------------------------------------------------------------------
    @property
    def outcome(self) -> str:
        """The first outcome scale of the codebook."""
        from .widgets import default_outcome

        return default_outcome(self.codebook)

    @property
    def predictors(self) -> list[str]:
        """The scales the codebook marks as predictors."""
        from .widgets import default_predictors

        return default_predictors(self.codebook)

    def research_question(self, topic: str) -> None:
        """Show the research question of notebook 04 (``"invloedsfactoren"``) or 05 (``"uitkomsten"``) in the
        codebook's own words (:func:`research_question_text`)."""
        _display_html(f"<p>{html.escape(research_question_text(self.codebook, topic))}</p>")

    @property
    def influence_factors(self) -> list[str]:
        """The predictors that the codebook ties to an influence factor of the research question."""
        return [s for s in self.predictors if self.codebook.scales[s].influence_factor]

    @property
    def model_scales(self) -> list[str]:
        """The outcome and the influence factors (the scales of the research question)."""
        return [self.outcome, *self.influence_factors]

    # --- widgets ------------------------------------------------------------------------------------
    def likert_widget(self, schaal=None) -> None:
        """Answers per item of a scale; dropdowns organisation, round and scale start at the parameters."""
        from .widgets import likert_view

        self._interact(likert_view, **self._place_controls(), **self._scale_control(schaal))

    def scale_widget(self, schaal=None) -> None:
        """Scale means per organisation (or per team of the chosen organisation)."""
        from .widgets import scale_view

        self._interact(scale_view, **self._place_controls(), **self._scale_control(schaal))

    def factor_widget(self, aantal_factoren=None, rotatie: str = "oblimin", *, parallel=None) -> None:
        """EFA with dropdowns for organisation, round, number of factors and rotation.

        ``aantal_factoren`` None starts at the parallel analysis' suggestion (``parallel``), else at
        the number of scales in the codebook.
        """
        from .explore import ROTATIONS, factor_view

        k = len(self.items.columns)
        start = aantal_factoren or (parallel.n_factors if parallel is not None else len(self.codebook.scales))
        self._interact(factor_view, **self._place_controls(),
                       aantal_factoren=_Control("n_factors", list(range(1, max(2, min(k - 1, 16)))), int(start)),
                       rotatie=_Control("rotation", list(ROTATIONS), rotatie))

    def influence_widget(self, uitkomst=None, voorspellers=None) -> None:
        """Multilevel model: dropdowns for organisation, round and outcome, a multiple choice of predictors."""
        from .explore import influence_view

        scales = [(sc.name, s) for s, sc in self.codebook.scales.items() if s in self.data.columns]
        chosen = tuple(voorspellers) if voorspellers else tuple(self.predictors)
        self._interact(influence_view, **self._place_controls(),
                       uitkomst=_Control("outcome", scales, uitkomst or self.outcome),
                       voorspellers=_Control("predictors", scales, chosen, multiple=True))

    def _place_controls(self) -> dict:
        from .widgets import ALL, options

        opts = options(self.data, self.codebook)
        return {"organisatie": _Control("organisation", opts["organisation"], self.organisation or ALL),
                "ronde": _Control("round_name", opts["round"], self.round_name)}

    def _scale_control(self, schaal) -> dict:
        from .widgets import options

        return {"schaal": _Control("scale", options(self.data, self.codebook)["scale"], schaal or self.outcome)}

    def _interact(self, callback, **controls) -> None:
        """Static output (papermill, HTML) or ipywidgets controls that start at the parameters' values."""
        from .widgets import guarded

        def run(**choice):
            kwargs = {controls[label].argument: value for label, value in choice.items()}
            return callback(self.data, min_group=self.min_group, codebook=self.codebook, **kwargs)

        shown = guarded(run)
        if not self.interactive:
            shown(**{label: c.value for label, c in controls.items()})
            return
        import ipywidgets as ipw
        from IPython.display import display

        ui = ipw.interactive(shown, **{label: c.widget(label) for label, c in controls.items()})
        self._widgets.append(ui)
        display(ui)

    @property
    def widgets(self) -> list:
        """The ipywidgets ``interactive`` objects this notebook built (interactief=True), in order."""
        return list(self._widgets)

    # --- notebook 01: concepts and open answers -----------------------------------------------------
    def concepts(self) -> None:
        """Table: each scale with its concept and influence factor (from the codebook)."""
        from .sections import concept_table

        self.table(concept_table(self.codebook).drop(columns=["Code"]), title="Schalen, begrippen en invloedsfactoren",
                   note="Uit het codeboek; 'uitkomst' = wat het onderzoek verklaart.")

    def open_answers(self) -> None:
        """Coded open answers per form (and 'geen vorm') per round and organisation, one table per open
        question the codebook codes into forms (``analysis: vormen``); rows add up to n."""
        from .sections import open_answer_counts

        cb = self.codebook
        for question in [q for q, kind in cb.open_question_analysis.items() if kind == "vormen"]:
            counts = open_answer_counts(self.data, column=question, min_group=self.min_group)
            title = f"Gecodeerde antwoorden per vorm, organisatie en ronde: {cb.open_questions[question]}"
            self.table(counts, title=title,
                       note=f"n = aantal antwoorden; 'geen vorm' = in geen van de drie vormen in te delen. Aantallen "
                            f"onder {self.min_group} staan als '< {self.min_group}'.")

    # --- notebook 03: measurement model --------------------------------------------------------------
    def suitability(self) -> None:
        """KMO and Bartlett's test of the chosen items in one Dutch sentence."""
        from ..analysis.factors import bartlett, kmo
        from ..nl import integer, number, p_value

        k, b = kmo(self.items), bartlett(self.items)
        _display_html(f"<p>{html.escape(self.where)} (n = {integer(len(self.items))}): KMO = "
                      f"{number(k.overall, 2, leading_zero=False)}; Bartlett χ²({b.df}) = {number(b.chi2, 1)}, "
                      f"{html.escape(p_value(b.p))}. Een KMO vanaf ,60 en een significante Bartlett-toets "
                      "betekenen dat factoranalyse zinvol is.</p>")

    def shared(self, gedeeld_pad=None) -> dict:
        """The report cache of the round (network-wide models), only when no organisation is chosen.

        Read (and verified with the key of the data folder it lies in) once per notebook; a cache that
        does not verify gives a Dutch warning and ``{}``: the notebook then computes what it shows.
        """
        from .context import load_shared

        if not gedeeld_pad or self.organisation is not None:
            return {}
        key = str(gedeeld_pad)
        if key not in self._shared:
            self._shared[key] = load_shared(gedeeld_pad, None, data_dir=self.data_dir)
        return self._shared[key]

    def cfa(self, gedeeld_pad=None, schatter=None) -> None:
        """Fit of the codebook model in the chosen round and organisation.

        ``schatter`` (None: ``estimator:`` of ``informeel.yaml``, else the codebook's, else ML;
        :func:`informeel_lib.project.resolve_estimator`) goes to :func:`context.estimator_options`; the
        report cache is used only for the network with that default estimator.
        """
        from ..analysis.cfa.estimate import cfa
        from .context import estimator_options
        from .sections import fit_table_html

        cached = (self.shared(gedeeld_pad).get("cfa") or {}) if schatter is None else {}
        try:
            fit = cached["fit"] if "fit" in cached else cfa(self.items, self.model,
                                                            **estimator_options(schatter, self.codebook)).fit
        except AnalysisError as exc:
            _display_html(f"<p>Het codeboekmodel kan in {html.escape(self.where)} niet worden geschat: "
                          f"{html.escape(str(exc))}</p>")
            return
        _display_html(fit_table_html(fit, n=len(self.items), number=self.table_number()))

    def estimator_comparison(self) -> None:
        """ML and WLSMV fits of the codebook model side by side (see notebook 03's explanation)."""
        from .sections import estimator_comparison_html

        first = self.table_number()
        self.table_number()  # the comparison shows two tables: fit and loadings
        try:
            _display_html(estimator_comparison_html(self.items, self.model, self.codebook, number=first))
        except AnalysisError as exc:
            _display_html(f"<p>De vergelijking van ML en WLSMV kan in {html.escape(self.where)} niet worden gemaakt: "
                          f"{html.escape(str(exc))}</p>")

    def invariance(self, group: str, gedeeld_pad=None) -> None:
        """Measurement invariance across rounds (this and the previous, of the organisation) or organisations."""
        from .context import estimator_options, previous_round
        from .sections import invariance_html

        cached = self.shared(gedeeld_pad)
        if group == "round":
            rounds = [previous_round(self.data_dir, self.round_name), self.round_name]
            rows = self.data[self.data["round"].isin(rounds)]
            if self.organisation is not None:
                rows = rows[rows["organisation"] == self.organisation]
            key = "invariance_rounds"
        else:
            rows, key = self.context.data, "invariance_organisations"
        _display_html(invariance_html(rows, invariance_model(self.codebook, rows, group), group, codebook=self.codebook,
                                      min_group=self.min_group, number=self.table_number(), cached=cached.get(key),
                                      options=estimator_options(None, self.codebook)))

    # --- notebook 04: agreement within teams ----------------------------------------------------------
    def agreement(self) -> None:
        """rwg(j), ICC(1) and ICC(2) per influence factor, in the teams of the chosen organisation (or all)."""
        from .sections import agreement_html

        _display_html(agreement_html(self.context, scales=self.predictors))

    def intro(self) -> None:
        """One line: round, organisation, respondents and the rounds in the data folder."""
        n = len(self.focus)
        where = html.escape(self.organisation or "het netwerk")
        _display_html(f"<p>Ronde <b>{html.escape(self.round_name)}</b>, {where}: "
                      f"{n} respondenten. Rondes in de data: {html.escape(', '.join(self.rounds))}. Groepen met "
                      f"minder dan {self.min_group} respondenten worden niet getoond.</p>")


def _scale_names(codebook, codes) -> str:
    from ..nl import word_list

    return word_list([_mid_sentence(codebook.scales[c].name) for c in codes if c in codebook.scales])


def _mid_sentence(name: str) -> str:
    """A scale name as it stands mid-sentence: lower case first letter, unless it is an abbreviation."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def research_question_text(codebook, topic: str) -> str:
    """The research question of the influence-factor (``"invloedsfactoren"``) or outcomes (``"uitkomsten"``)
    notebook, in Dutch, with the codebook's scale names (its ``model:`` section, else the scale roles).

    Examples
    --------
    >>> from informeel_lib.codebook import load_codebook
    >>> research_question_text(load_codebook(), "uitkomsten").split(",")[0]
    'Gaat informeel leergedrag samen met duurzame inzetbaarheid en binding aan de organisatie'
    """
    model = codebook.research_model
    if model is None:
        return "Het codeboek noemt geen uitkomst (geen schaal met 'role: outcome' en geen 'model:'-sectie)."
    outcome = _scale_names(codebook, [model.outcome])
    if topic == "invloedsfactoren":
        return (f"Welke invloedsfactoren gaan samen met {outcome}? De invloedsfactoren uit het codeboek: "
                f"{_scale_names(codebook, model.predictors) or 'geen'}.")
    if topic != "uitkomsten":
        raise ValueError(f"topic must be 'invloedsfactoren' or 'uitkomsten', not {topic!r}")
    if not model.further_outcomes:
        return (f"Het codeboek noemt naast {outcome} geen verdere uitkomsten ('further_outcomes' in 'model:'); "
                "deze notebook heeft dan niets te tonen.")
    further = _scale_names(codebook, model.further_outcomes)
    return (f"Gaat {outcome} samen met {further}, en loopt de samenhang van de invloedsfactoren met {further} "
            f"voor een deel via {outcome}?")


def setup(*, ronde=None, organisatie=None, data_map=None, min_groep: int = MIN_GROUP, codebook=None,
          interactief: bool = False) -> Notebook:
    """Read the data a notebook needs, from its (Dutch) parameters.

    Parameters
    ----------
    ronde : str, optional
        Round ``YYYY-MM``; None takes the latest round in the data folder.
    organisatie : str, optional
        Any spelling the codebook knows (``"zinn "``); None for the whole network.
    data_map : str or Path, optional
        Processed data folder; None: see :func:`resolve_data_map`.
    min_groep : int
        Minimum group size shown.
    codebook : str or Path, optional
        The questionnaire's codebook (YAML); None: the one ``informeel.yaml`` names, else the demo codebook.
    interactief : bool
        Whether the widget cells build ipywidgets controls.

    Returns
    -------
    Notebook

    Raises
    ------
    InputError
        Missing data folder or round, unknown organisation (Dutch message).
    AnalysisError
        The organisation has fewer than ``min_groep`` respondents in the round.

    Notes
    -----
    The keywords are the notebooks' Dutch parameter names (the boundary with the researcher); the
    returned :class:`Notebook` has English attributes.

    Examples
    --------
    A cleaned round of 120 example respondents in a temporary data folder; ``ronde=None`` takes the
    latest round in it:

    >>> import pathlib, tempfile
    >>> import informeel_lib as il
    >>> from informeel_lib.synth.example import example_survey
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> export = example_survey(120, seed=1).drop(columns=["respondent", "round"])
    >>> export.rename(columns={"organisation": "organisatie", "role": "rol"}).to_csv(folder / "zinn.csv", index=False)
    >>> _ = il.clean_files([folder / "zinn.csv"], round_name="2022-05", out=folder / "verwerkt", salt="voorbeeld")
    >>> nb = il.notebook_setup(ronde=None, organisatie="ZINN", data_map=folder / "verwerkt", interactief=False)
    >>> nb.where
    'ZINN, ronde 2022-05'
    """
    from ..project import resolve_codebook

    folder = resolve_data_map(data_map)
    cb = resolve_codebook(codebook)
    data = load_all_rounds(folder, cb)
    rounds = sorted(data["round"].dropna().unique())
    chosen = ronde if ronde is not None else rounds[-1]
    if chosen not in rounds:
        raise InputError(f"ronde {chosen} staat niet in {folder}; beschikbaar: {', '.join(rounds)}.")
    ctx = load_context(chosen, data_dir=folder, organisation=organisatie, min_group=min_groep, codebook=cb)
    return Notebook(chosen, ctx.organisation, folder, int(min_groep), cb, bool(interactief), data, ctx)


@dataclass(frozen=True)
class _Control:
    """One widget control: the callback argument it sets, its options and its starting value."""

    argument: str
    options: list
    value: object
    multiple: bool = False

    def widget(self, label: str):
        import ipywidgets as ipw

        kind = ipw.SelectMultiple if self.multiple else ipw.Dropdown
        return kind(options=self.options, value=self.value, description=label,
                    style={"description_width": "initial"})


# --- small display helpers -----------------------------------------------------------------------

_H2 = re.compile(r"^\s*<h2>.*?</h2>", re.S)


def without_heading(section_html: str) -> str:
    """A section's HTML without its leading ``<h2>`` (notebooks write headings in markdown)."""
    return _H2.sub("", section_html, count=1)


def figure_caption(number: int, title: str) -> str:
    """APA figure caption: bold 'Figuur n', italic title."""
    return f'<p class="figuur"><strong>Figuur {number}</strong><br><i>{html.escape(title)}</i></p>'


def _as_figure(obj):
    """A matplotlib Figure from a Figure, an Axes or a seaborn grid."""
    from matplotlib.figure import Figure

    if isinstance(obj, Figure):
        return obj
    return obj.figure


def dutch_ticks(fig):
    """Give every numeric axis of ``fig`` Dutch tick labels (decimal comma), e.g. after a seaborn call."""
    from matplotlib.ticker import FuncFormatter, ScalarFormatter

    from ..nl import number

    def comma(value, _pos):
        text = f"{value:g}"
        return number(value, len(text.split(".")[1])) if "." in text else text

    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if isinstance(axis.get_major_formatter(), ScalarFormatter):
                axis.set_major_formatter(FuncFormatter(comma))
    return fig


def _display_html(text: str) -> None:
    from IPython.display import HTML, display

    display(HTML(text))


notebook_setup = setup
"""The public name (``il.notebook_setup``)."""


def invariance_model(codebook, rows: pd.DataFrame, group: str) -> dict:
    """The measurement model of an invariance test: across rounds only the items every round in ``rows`` asked
    (a codebook that gained an item in the last round would otherwise leave no complete respondent in the
    earlier round, and the test would not be run), as the reports do (:func:`~.context.measured_model`)."""
    from .context import measured_model

    if group != "round" or "round" not in rows.columns:
        return codebook.model_dict()
    return measured_model(codebook, *[frame for _, frame in rows.groupby("round", sort=True)])
