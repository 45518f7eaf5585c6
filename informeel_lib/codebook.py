"""The codebook: scales, items, response labels, organisations, roles and background variables.

The codebook is one YAML file (``informeel_lib/data/codebook.yaml`` by default). ``load_codebook``
validates it and raises :class:`~informeel_lib.errors.CodebookError` naming the exact key that
is wrong, so a researcher editing the YAML sees where the mistake is.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from .errors import CodebookError

DEFAULT_CODEBOOK = "codebook.yaml"
DATA_DIR = Path(__file__).resolve().parent / "data"


def normalise_text(text) -> str:
    """Lower-case, strip accents, punctuation-insensitive and single-spaced form of ``text``.

    Used to match labels, aliases and question texts regardless of case, accents,
    quotes, trailing punctuation and repeated white space.
    """
    if text is None:
        return ""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"[^\w&/+\-' ]+", " ", text)
    text = re.sub(r"[\s_]+", " ", text)
    return text.strip(" -'")


@dataclass(frozen=True)
class Item:
    """One questionnaire item.

    ``previous_texts`` are earlier wordings of the same item (``was:`` in the YAML): the item
    was reworded between rounds but still counts as the same item. ``since`` is the first round
    that asked the item (``since:`` in the YAML; empty: every round): an export of an earlier round
    need not have it, and the cleaning leaves it empty there.
    """

    code: str
    scale: str
    text: str
    reverse: bool = False
    aliases: tuple[str, ...] = ()
    previous_texts: tuple[str, ...] = ()
    since: str = ""

    def asked_in(self, round_name) -> bool:
        """Whether the round ``round_name`` asked this item (rounds sort as ``YYYY-MM``; None: yes)."""
        return not self.since or round_name is None or str(round_name) >= self.since


@dataclass(frozen=True)
class ResponseScale:
    """A response scale: values ``min..max``, one Dutch label per value, label aliases, missing labels."""

    min: int
    max: int
    labels: dict                 # value -> canonical Dutch label
    index: dict = field(repr=False, compare=False)   # normalised label -> value
    missing: frozenset = field(default_factory=frozenset, repr=False)

    @property
    def range(self) -> tuple[int, int]:
        return (self.min, self.max)

    @property
    def n_points(self) -> int:
        return self.max - self.min + 1

    def value(self, label):
        """Numeric value of a label; ``None`` for a missing-answer label; KeyError if unknown."""
        key = normalise_text(label)
        if key in self.missing or key == "":
            return None
        return self.index[key]

    def describe(self) -> str:
        """Dutch description, e.g. ``1 (helemaal mee oneens) tot 7 (helemaal mee eens)``."""
        return f"{self.min} ({self.labels[self.min]}) tot {self.max} ({self.labels[self.max]})"


@dataclass(frozen=True)
class Scale:
    code: str
    name: str
    items: tuple[Item, ...]
    measures: str = ""
    modelled_on: str = ""
    role: str = "predictor"  # "predictor" or "outcome"
    influence_factor: str = ""
    target_alpha: float | None = None
    concept: str = ""            # the concept of the research question this scale measures
    core: bool = False           # one of the scales of the research question (shown first, tested per organisation)
    response_scale: ResponseScale | None = field(default=None, repr=False)
    direction: str = "positive"  # "negative": a higher score is worse (e.g. an error-avoiding climate)

    @property
    def item_codes(self) -> list[str]:
        return [it.code for it in self.items]

    @property
    def higher_is_better(self) -> bool:
        """False for a negative scale (``direction: negative`` in the codebook): there lower is better."""
        return self.direction != "negative"

    @property
    def reverse_items(self) -> list[str]:
        return [it.code for it in self.items if it.reverse]


@dataclass(frozen=True)
class Category:
    """An organisation, role or sector: canonical code/label plus aliases."""

    code: str
    label: str
    aliases: tuple[str, ...] = ()


#: CFA estimators a codebook can choose for the reports (model.estimator)
REPORT_ESTIMATORS = ("ML", "MLR", "WLSMV")


@dataclass(frozen=True)
class ResearchModel:
    """Which outcomes are studied and how scales are connected (the codebook's ``model:`` section).

    ``outcome`` is the scale the influence factors (``predictors``) explain; ``further_outcomes``
    the scales the network also asks about, with ``outcome`` as the path between them;
    ``controls`` background columns held constant; ``paths`` regression lines on scale codes
    (``"DUUR ~ IWL + REFL"``); ``min_matched`` the fewest respondents matched over two rounds for
    a cross-lagged panel model; ``estimator`` the CFA estimator of the reports: ``"ML"``
    (lavaan's default), ``"MLR"`` (robust ML) or ``"WLSMV"`` (the answers as ordinal categories).
    """

    outcome: str
    further_outcomes: tuple[str, ...] = ()
    predictors: tuple[str, ...] = ()
    controls: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    min_matched: int = 50
    estimator: str = "ML"

    def regressions(self) -> dict[str, list[str]]:
        """Each dependent scale with its predictor scales, from ``paths``."""
        out: dict[str, list[str]] = {}
        for line in self.paths:
            lhs, _, rhs = line.partition("~")
            out.setdefault(lhs.strip(), []).extend(r.strip() for r in rhs.split("+") if r.strip())
        return out


def _default_paths(outcome: str, further: tuple, predictors: tuple) -> tuple[str, ...]:
    lines = [f"{outcome} ~ {' + '.join(predictors)}"] if predictors else []
    lines += [f"{o} ~ {' + '.join((outcome, *predictors))}" for o in further]
    return tuple(lines)


@dataclass(frozen=True)
class Codebook:
    scales: dict[str, Scale]
    scale_min: int
    scale_max: int
    response_labels: dict[str, int]          # normalised label -> value
    canonical_labels: dict[int, str]         # value -> Dutch label
    missing_labels: frozenset[str]           # normalised labels meaning "no answer"
    organisations: tuple[Category, ...]
    roles: tuple[Category, ...]
    sectors: tuple[Category, ...]
    background: dict[str, dict]
    open_questions: dict[str, str]           # column -> question text
    identifier_columns: frozenset[str]       # normalised names
    meta_columns: dict[str, tuple[str, ...]]
    source: str = ""
    model: ResearchModel | None = None
    name: str = ""
    content_hash: str = ""
    open_question_analysis: dict = field(default_factory=dict)   # column -> "vormen" | "woorden" | ""
    open_question_aliases: dict = field(default_factory=dict)    # column -> other headings of the question
    _alias_index: dict = field(default_factory=dict, repr=False, compare=False)

    # --- items and scales -------------------------------------------------
    @property
    def items(self) -> list[Item]:
        return [it for sc in self.scales.values() for it in sc.items]

    @property
    def item_codes(self) -> list[str]:
        return [it.code for it in self.items]

    @property
    def reverse_items(self) -> list[str]:
        return [it.code for it in self.items if it.reverse]

    @property
    def scale_range(self) -> tuple[int, int]:
        return (self.scale_min, self.scale_max)

    @property
    def default_response_scale(self) -> ResponseScale:
        return ResponseScale(self.scale_min, self.scale_max, dict(self.canonical_labels), dict(self.response_labels),
                             self.missing_labels)

    def response_scale(self, code: str) -> ResponseScale:
        """The response scale of a scale or item code (a scale's own, else the codebook's default)."""
        scale = self.scales.get(code)
        if scale is None:
            scale = self.scales[self.scale_of(code)]
        return scale.response_scale or self.default_response_scale

    def item_range(self, code: str) -> tuple[int, int]:
        """(min, max) of the response scale of item or scale ``code``."""
        return self.response_scale(code).range

    @property
    def has_mixed_response_scales(self) -> bool:
        return len({self.response_scale(s).range for s in self.scales}) > 1

    @property
    def predictors(self) -> list[str]:
        """The influence factors: the ``model:`` section's predictors, else the scales with role ``predictor``."""
        model = self.research_model
        if model is not None and model.predictors:
            return list(model.predictors)
        return [s for s, sc in self.scales.items() if sc.role == "predictor"]

    @property
    def outcomes(self) -> list[str]:
        """Scale codes with role ``outcome``."""
        return [s for s, sc in self.scales.items() if sc.role == "outcome"]

    @property
    def main_outcome(self) -> str | None:
        """The outcome of the research question: the ``model:`` section's, else the first outcome scale."""
        model = self.research_model
        return model.outcome if model is not None else None

    @property
    def core_scales(self) -> list[str]:
        """The scales of the research question (``core: true``); every scale when none is marked."""
        core = [s for s, sc in self.scales.items() if sc.core]
        return core or list(self.scales)

    def item_texts(self, code: str) -> tuple[str, ...]:
        """Current and earlier wordings of an item."""
        it = self.item(code)
        return (it.text, *it.previous_texts)

    def items_not_asked(self, round_name) -> list[str]:
        """Item codes that round ``round_name`` did not ask yet (their ``since`` is a later round)."""
        return [it.code for it in self.items if not it.asked_in(round_name)]

    def item(self, code: str) -> Item:
        for it in self.items:
            if it.code == code:
                return it
        raise KeyError(code)

    def scale_of(self, item_code: str) -> str:
        return self.item(item_code).scale

    def model_dict(self, scales=None) -> dict[str, list[str]]:
        """Measurement model {scale: [items]} for CFA, optionally limited to ``scales``."""
        names = list(self.scales) if scales is None else list(scales)
        return {s: self.scales[s].item_codes for s in names}

    @property
    def research_model(self) -> ResearchModel | None:
        """The ``model:`` section; without one, the first outcome scale explained by all predictor
        scales, the other outcome scales as further outcomes, no controls (None without outcome scales)."""
        if self.model is not None:
            return self.model
        outcomes = [c for c, s in self.scales.items() if s.role == "outcome"]
        if not outcomes:
            return None
        predictors = tuple(c for c, s in self.scales.items() if s.role == "predictor")
        further = tuple(outcomes[1:])
        return ResearchModel(outcomes[0], further, predictors, (), _default_paths(outcomes[0], further, predictors))

    def model_syntax(self, scales=None) -> str:
        """The measurement model in lavaan syntax."""
        return "\n".join(f"{s} =~ {' + '.join(items)}" for s, items in self.model_dict(scales).items())

    # --- labels and categories --------------------------------------------
    def label_value(self, label, item: str | None = None):
        """Numeric value of a response label (of ``item``'s scale when given); ``None`` for a
        missing-answer label; KeyError if unknown."""
        if item is not None:
            return self.response_scale(item).value(label)
        key = normalise_text(label)
        if key in self.missing_labels or key == "":
            return None
        return self.response_labels[key]

    def _resolve(self, kind: str, categories, value):
        index = self._alias_index.get(kind)
        if index is None:
            index = {}
            for cat in categories:
                for alias in (cat.code, cat.label, *cat.aliases):
                    index[normalise_text(alias)] = cat.code
            self._alias_index[kind] = index
        return index.get(normalise_text(value))

    def resolve_organisation(self, value) -> str | None:
        """Canonical organisation name for any known spelling, else ``None``."""
        return self._resolve("organisation", self.organisations, value)

    def resolve_role(self, value) -> str | None:
        return self._resolve("role", self.roles, value)

    def resolve_sector(self, value) -> str | None:
        return self._resolve("sector", self.sectors, value)

    def categories(self, column: str) -> tuple[Category, ...]:
        """The categories of a categorical background column (its ``type``: organisation, role, sector).

        Empty for a column without value labels (team, numbers, free text).
        """
        kind = (self.background.get(column) or {}).get("type", column)
        return {"organisation": self.organisations, "role": self.roles, "sector": self.sectors}.get(kind, ())

    def value_labels(self, column: str) -> dict[str, str]:
        """Code -> the codebook's label for a categorical background column (``{}`` for other columns)."""
        return {cat.code: cat.label for cat in self.categories(column)}

    def category_label(self, column: str, value) -> str:
        """What a reader sees for ``value`` of ``column``: the codebook's label, else the value itself.

        Examples
        --------
        >>> cb = load_codebook()
        >>> cb.category_label("role", "opleidingsadviseur"), cb.category_label("team", "Team 3")
        ('Opleidingsadviseur / L&O', 'Team 3')
        """
        return self.value_labels(column).get(value, str(value))

    def labelled(self, frame, column: str):
        """``frame`` with the codes in ``column`` replaced by the codebook's labels (a copy)."""
        labels = self.value_labels(column)
        if not labels or column not in frame.columns:
            return frame
        out = frame.copy()
        out[column] = [labels.get(v, v) for v in out[column]]
        return out

    @property
    def organisation_names(self) -> list[str]:
        return [o.code for o in self.organisations]

    def is_identifier_column(self, name) -> bool:
        return normalise_text(name) in self.identifier_columns


# --- loading and validation -------------------------------------------------

def _require(mapping, key, where):
    if not isinstance(mapping, dict):
        raise CodebookError(f"Codebook: '{where}' moet een lijst van sleutels zijn, maar is {type(mapping).__name__}.")
    if key not in mapping:
        raise CodebookError(f"Codebook: sleutel '{where}.{key}' ontbreekt.")
    return mapping[key]


def _categories(raw, where, code_key):
    if not isinstance(raw, list) or not raw:
        raise CodebookError(f"Codebook: '{where}' moet een niet-lege lijst zijn.")
    out = []
    for i, entry in enumerate(raw):
        code = _require(entry, code_key, f"{where}[{i}]")
        label = entry.get("label", code)
        aliases = entry.get("aliases", []) or []
        if not isinstance(aliases, list):
            raise CodebookError(f"Codebook: '{where}[{i}].aliases' moet een lijst zijn.")
        out.append(Category(str(code), str(label), tuple(str(a) for a in aliases)))
    _check_unique_aliases(out, where)
    return tuple(out)


def _check_unique_aliases(categories, where):
    seen = {}
    for cat in categories:
        for alias in {normalise_text(a) for a in (cat.code, cat.label, *cat.aliases)}:
            if alias in seen and seen[alias] != cat.code:
                raise CodebookError(
                    f"Codebook: alias '{alias}' in '{where}' hoort zowel bij '{seen[alias]}' als bij '{cat.code}'."
                )
            seen[alias] = cat.code


def _parse_scales(raw, named_scales=None, missing=()):
    if not isinstance(raw, dict) or not raw:
        raise CodebookError("Codebook: 'scales' moet een niet-lege verzameling schalen zijn.")
    scales, seen_items = {}, set()
    for code, spec in raw.items():
        where = f"scales.{code}"
        name = _require(spec, "name", where)
        items_raw = _require(spec, "items", where)
        if not isinstance(items_raw, list) or len(items_raw) < 2:
            raise CodebookError(f"Codebook: '{where}.items' moet minstens twee items bevatten.")
        items = []
        for i, it in enumerate(items_raw):
            icode = str(_require(it, "code", f"{where}.items[{i}]"))
            text = _require(it, "text", f"{where}.items[{i}]")
            if icode in seen_items:
                raise CodebookError(f"Codebook: itemcode '{icode}' in '{where}.items[{i}]' komt dubbel voor.")
            reverse = it.get("reverse", False)
            if not isinstance(reverse, bool):
                raise CodebookError(f"Codebook: '{where}.items[{i}].reverse' moet true of false zijn.")
            seen_items.add(icode)
            was = it.get("was", []) or []
            was = [was] if isinstance(was, str) else list(was)
            items.append(Item(icode, str(code), str(text), reverse, tuple(str(a) for a in it.get("aliases", []) or []),
                              tuple(str(w) for w in was), _since(it.get("since"), f"{where}.items[{i}]")))
        role = spec.get("role", "predictor")
        if role not in ("predictor", "outcome"):
            raise CodebookError(f"Codebook: '{where}.role' moet 'predictor' of 'outcome' zijn, niet '{role}'.")
        direction = spec.get("direction", "positive")
        if direction not in ("positive", "negative"):
            raise CodebookError(f"Codebook: '{where}.direction' moet 'positive' of 'negative' zijn, "
                                f"niet '{direction}'.")
        target = spec.get("target_alpha")
        if target is not None and not (0 < float(target) < 1):
            raise CodebookError(f"Codebook: '{where}.target_alpha' moet tussen 0 en 1 liggen.")
        core = spec.get("core", False)
        if not isinstance(core, bool):
            raise CodebookError(f"Codebook: '{where}.core' moet true of false zijn.")
        scales[str(code)] = Scale(
            str(code), str(name), tuple(items), str(spec.get("measures", "")), str(spec.get("modelled_on", "")),
            role, str(spec.get("influence_factor", "")), None if target is None else float(target),
            str(spec.get("concept", "") or ""), core,
            _scale_response_scale(spec.get("response_scale"), named_scales or {}, missing, where), direction,
        )
    return scales


def _since(raw, where: str) -> str:
    """The round an item was first asked (``since: 2024-10``), as text; empty when not given."""
    if raw is None or raw == "":
        return ""
    if isinstance(raw, (bool, list, dict)):
        raise CodebookError(f"Codebook: '{where}.since' moet de naam van een ronde zijn (zoals 2024-10).")
    return str(raw).strip()


def _scale_response_scale(raw, named: dict, missing, where: str):
    """A scale's own response scale: a name from ``response_scales`` or a full mapping; None = the default."""
    if raw is None:
        return None
    if isinstance(raw, str):
        if raw not in named:
            raise CodebookError(f"Codebook: '{where}.response_scale' noemt '{raw}', maar die staat niet onder "
                                f"'response_scales' (wel: {', '.join(named) or 'geen'}).")
        return named[raw]
    lo, hi, index, canonical, own_missing = _parse_response_scale(raw, f"{where}.response_scale")
    return ResponseScale(lo, hi, canonical, index, own_missing or frozenset(missing))


def _parse_response_scale(raw, where="response_scale"):
    lo, hi = _require(raw, "min", where), _require(raw, "max", where)
    if not (isinstance(lo, int) and isinstance(hi, int) and lo < hi):
        raise CodebookError(f"Codebook: '{where}.min' en '{where}.max' moeten gehele getallen zijn met min < max.")
    labels = _require(raw, "labels", where)
    if not isinstance(labels, dict) or sorted(int(k) for k in labels) != list(range(lo, hi + 1)):
        raise CodebookError(f"Codebook: '{where}.labels' moet precies één label per waarde {lo}..{hi} hebben.")
    canonical = {int(k): str(v) for k, v in labels.items()}
    index = {normalise_text(v): k for k, v in canonical.items()}
    for value, aliases in (raw.get("aliases") or {}).items():
        if int(value) not in canonical:
            raise CodebookError(f"Codebook: '{where}.aliases.{value}' hoort bij geen antwoordwaarde.")
        for alias in aliases:
            key = normalise_text(alias)
            if index.get(key, int(value)) != int(value):
                raise CodebookError(f"Codebook: label '{alias}' in '{where}.aliases.{value}' staat ook bij waarde "
                                    f"{index[key]}.")
            index[key] = int(value)
    for k in range(lo, hi + 1):
        index.setdefault(str(k), k)
    missing = frozenset(normalise_text(m) for m in raw.get("missing", []) or [])
    clash = missing & set(index)
    if clash:
        raise CodebookError(f"Codebook: '{where}.missing' bevat een label dat ook een antwoordwaarde is: "
                            f"{sorted(clash)}.")
    return lo, hi, index, canonical, missing


def _names(raw, where) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise CodebookError(f"Codebook: '{where}' moet een lijst van namen zijn.")
    return tuple(raw)


def _parse_model(raw, scales: dict, background: dict) -> ResearchModel | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise CodebookError("Codebook: 'model' moet een verzameling sleutels zijn (outcome, further_outcomes, ...).")
    outcome = str(_require(raw, "outcome", "model"))
    further = _names(raw.get("further_outcomes"), "model.further_outcomes")
    default_predictors = tuple(c for c, s in scales.items() if s.role == "predictor")
    predictors = _names(raw.get("predictors"), "model.predictors") or default_predictors
    controls = _names(raw.get("controls"), "model.controls")
    for key, names in (("outcome", (outcome,)), ("further_outcomes", further), ("predictors", predictors)):
        unknown = [n for n in names if n not in scales]
        if unknown:
            raise CodebookError(f"Codebook: 'model.{key}' noemt onbekende schaal/schalen: {', '.join(unknown)}.")
    unknown = [c for c in controls if c not in background]
    if unknown:
        raise CodebookError(f"Codebook: 'model.controls' noemt onbekende achtergrondvraag/-vragen: "
                            f"{', '.join(unknown)}.")
    if outcome in further or outcome in predictors or set(further) & set(predictors):
        raise CodebookError("Codebook: een schaal staat in 'model' zowel als uitkomst als als invloedsfactor.")
    paths = _names(raw.get("paths"), "model.paths") or _default_paths(outcome, further, predictors)
    for line in paths:
        lhs, op, rhs = line.partition("~")
        names = [lhs.strip(), *(r.strip() for r in rhs.split("+"))]
        if not op or "~~" in line or "=~" in line or not all(names):
            raise CodebookError(f"Codebook: 'model.paths' regel '{line}' moet de vorm 'SCHAAL ~ SCHAAL + SCHAAL' "
                                f"hebben.")
        unknown = [n for n in names if n not in scales]
        if unknown:
            raise CodebookError(f"Codebook: 'model.paths' regel '{line}' noemt onbekende schaal/schalen: "
                                f"{', '.join(unknown)}.")
    min_matched = raw.get("min_matched", 50)
    if not isinstance(min_matched, int) or min_matched < 10:
        raise CodebookError("Codebook: 'model.min_matched' moet een geheel getal van minstens 10 zijn.")
    estimator = str(raw.get("estimator", "ML")).upper()
    if estimator not in REPORT_ESTIMATORS:
        raise CodebookError(f"Codebook: 'model.estimator' moet een van {', '.join(REPORT_ESTIMATORS)} zijn, "
                            f"niet '{raw.get('estimator')}'.")
    return ResearchModel(outcome, further, predictors, controls, tuple(paths), min_matched, estimator)


OPEN_ANALYSES = ("vormen", "woorden", "")
"""How the report treats an open question: ``vormen`` (coded into the three forms of informal
learning), ``woorden`` (most frequent words) or ``""`` (not in the report)."""


def _named_response_scales(raw, missing) -> dict:
    if not raw:
        return {}
    if not isinstance(raw, dict):
        raise CodebookError("Codebook: 'response_scales' moet een verzameling benoemde antwoordschalen zijn.")
    out = {}
    for name, spec in raw.items():
        lo, hi, index, canonical, own_missing = _parse_response_scale(spec, f"response_scales.{name}")
        out[str(name)] = ResponseScale(lo, hi, canonical, index, own_missing or frozenset(missing))
    return out


def _open_questions(raw) -> tuple[dict, dict, dict]:
    texts, analysis, aliases = {}, {}, {}
    for k, v in (raw or {}).items():
        texts[k] = str(_require(v, "text", f"open_questions.{k}"))
        aliases[k] = tuple(str(a) for a in (v.get("aliases") or []))
        kind = str(v.get("analysis", "woorden") or "")
        if kind not in OPEN_ANALYSES:
            raise CodebookError(f"Codebook: 'open_questions.{k}.analysis' moet 'vormen', 'woorden' of leeg zijn, "
                                f"niet '{kind}'.")
        analysis[k] = kind
    return texts, analysis, aliases


def parse_codebook(raw: dict, source: str = "", *, content_hash: str = "") -> Codebook:
    """Validate a parsed YAML mapping and build a :class:`Codebook`.

    Besides the default ``response_scale``, a codebook may name extra scales under
    ``response_scales`` (``{name: {min, max, labels, aliases}}``); a scale refers to one with
    ``response_scale: <name>`` (or gives a mapping inline). Scales may carry ``concept`` (the
    concept of the research question) and ``core: true`` (a scale of the research question);
    items may list earlier wordings under ``was`` and the first round that asked them under
    ``since``. All of these are optional, so a codebook
    written for an earlier version loads unchanged.
    """
    if not isinstance(raw, dict):
        raise CodebookError("Codebook: het bestand bevat geen YAML-mapping.")
    lo, hi, labels, canonical, missing = _parse_response_scale(_require(raw, "response_scale", "codebook"))
    named = _named_response_scales(raw.get("response_scales"), missing)
    open_texts, open_analysis, open_aliases = _open_questions(raw.get("open_questions"))
    background = _require(raw, "background", "codebook")
    for key in ("organisation", "team", "role"):
        _require(background, key, "background")
    meta = {k: tuple(normalise_text(v) for v in vals) for k, vals in (raw.get("meta_columns") or {}).items()}
    scales = _parse_scales(_require(raw, "scales", "codebook"), named, missing)
    return Codebook(
        scales=scales,
        scale_min=lo, scale_max=hi, response_labels=labels, canonical_labels=canonical, missing_labels=missing,
        organisations=_categories(_require(raw, "organisations", "codebook"), "organisations", "name"),
        roles=_categories(_require(raw, "roles", "codebook"), "roles", "code"),
        sectors=_categories(raw.get("sectors") or [{"code": "onbekend"}], "sectors", "code"),
        background={k: dict(v) for k, v in background.items()},
        open_questions=open_texts,
        identifier_columns=frozenset(normalise_text(c) for c in raw.get("identifier_columns", []) or []),
        meta_columns=meta,
        source=source,
        model=_parse_model(raw.get("model"), scales, background),
        name=str(raw.get("name") or (Path(source).stem if source else "")),
        content_hash=content_hash,
        open_question_analysis=open_analysis,
        open_question_aliases=open_aliases,
    )


@lru_cache(maxsize=16)
def _load_cached(path: str, mtime_ns: int = 0) -> Codebook:
    if path == DEFAULT_CODEBOOK:
        text = (DATA_DIR / DEFAULT_CODEBOOK).read_text(encoding="utf-8")
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CodebookError(f"Codebook '{path}' kan niet gelezen worden: {exc.strerror}.") from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CodebookError(f"Codebook '{path}' is geen geldige YAML: {exc}") from exc
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return parse_codebook(raw, source=path, content_hash=digest)


def load_codebook(path=None) -> Codebook:
    """Load and validate a codebook (the package's own when ``path`` is None).

    Raises
    ------
    CodebookError
        With a Dutch message naming the key that is missing or wrong.
    """
    if path is None:
        return _load_cached(DEFAULT_CODEBOOK)
    resolved = Path(path).resolve()
    try:
        mtime = resolved.stat().st_mtime_ns  # an edited codebook is read again
    except OSError:
        mtime = 0
    return _load_cached(str(resolved), mtime)
