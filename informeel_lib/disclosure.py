"""Disclosure control for everything a round publishes: one plan per round, used by every table.

Why a plan and not a rule per table: a reader who has the network report and every organisation
report of a round can subtract. The organisation's mean minus its team table, the network's n minus
a table's n, the network's role table minus the organisations' role tables: each difference is the
aggregate of some set of people. Suppressing "groups below the minimum" table by table lets such a
difference be one person. The plan therefore looks at all published cells of a round together.

The rule (stated for users in the README, section *Privacy*):

    Every set of respondents whose count or mean can be computed from the published numbers of a
    round, by adding and subtracting any of them, holds at least ``min_group`` respondents (or none).

How it is enforced (:func:`secure_cells`):

1. The respondents are split into **atoms**: people who are in exactly the same published cells
   (for the scale tables: the same organisation, team and role; for the open answers: the same
   organisation and answer category).
2. Every cell a report may show (an organisation, a team, a role in an organisation, a role in the
   network, an answer category in a group, the network itself) is a set of atoms. Cells with fewer
   than ``min_group`` respondents are suppressed (*primary suppression*).
3. A published count or mean of a cell is a linear function of the atoms' counts and sums, so what
   a reader can derive is exactly the linear span of the published cells' indicator vectors.
   :func:`derivable_small_groups` finds every set of atoms in that span that holds fewer than
   ``min_group`` people (exact linear algebra on the null space; the sets searched are unions of
   atoms below the minimum, so the search is small).
4. While such a set exists, one more published cell that touches it is suppressed, the smallest
   first (*secondary suppression*), and the audit is repeated. Cells marked as fixed (the network
   total) are never suppressed.

API (used by :mod:`informeel_lib.report.sections`, the batch runner, and meant for team pages):

``plan = disclosure_plan(data, min_group=5)``
    Computed once per round from the processed data (columns ``organisation``, ``team``, ``role``
    and, if present, the coded open-answer category ``answer_form``).
``plan.organisation_published(org)``
    Whether an organisation may have a report and a row in any table.
``plan.published(partition, key, *, within=None)``
    Whether a cell may be shown: ``partition`` is ``"organisation"``, ``"team"``, ``"role"``,
    ``"answered:<column>"`` or ``"answer_form:<column>"`` (coded open question ``<column>``); ``within`` is
    the organisation (None: the whole network). Examples:
    ``plan.published("team", "Team 3", within="ZINN")``, ``plan.published("role", "leidinggevende")``.
``plan.filter(table, partition, column, *, within=None)``
    The rows of a per-group table that may be shown, and how many were left out.
``plan.to_frame()``
    Every cell with its n and whether it is published (for the researcher, never for a report).

A team page (one team's figures) asks ``plan.published("team", team, within=org)`` before it
shows anything and uses ``plan.filter`` for its own per-group tables; to add a new kind of cell
(e.g. sectors), pass it in ``partitions`` so the audit covers it together with the others.

References
----------
Hundepool, A. et al. (2012). *Statistical Disclosure Control*. Wiley, ch. 4 (secondary suppression,
linked tables). R equivalent: ``sdcTable::protectTable`` (method ``"SIMPLEHEURISTIC"``) for one
hierarchical table; this module audits all linked tables of a round together.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import AnalysisError

NETWORK = "__netwerk__"
"""The ``within`` key of cells over the whole network."""

NO_ANSWER = "__geen_antwoord__"
"""The answer category of respondents without an (open) answer."""

_TOL = 1e-8


# --- the audit ----------------------------------------------------------------------------------

def _null_space_rref(matrix: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Basis of the null space of ``matrix`` in reduced row-echelon form (rows), and its pivot columns."""
    # absolute tolerance: R is a projection (singular values 0 or 1), so noise near 0 is not rank
    if matrix.size:
        _, s, vt = np.linalg.svd(matrix, full_matrices=True)
        rank = int((s > 1e-7).sum())
        basis = vt[rank:]
    else:
        basis = np.eye(matrix.shape[1])
    if basis.size == 0:
        return basis.reshape(0, matrix.shape[1]), []
    b = basis.copy()
    pivots, row = [], 0
    for col in range(b.shape[1]):
        if row >= b.shape[0]:
            break
        best = row + int(np.argmax(np.abs(b[row:, col])))
        if abs(b[best, col]) < 1e-9:
            continue
        b[[row, best]] = b[[best, row]]
        b[row] /= b[row, col]
        for other in range(b.shape[0]):
            if other != row:
                b[other] -= b[other, col] * b[row]
        pivots.append(col)
        row += 1
    b[np.abs(b) < 1e-9] = 0.0
    return b[: len(pivots)], pivots


def derivable_small_groups(sizes, cells, min_group: int, *, limit: int = 1) -> list[frozenset]:
    """Sets of atoms with fewer than ``min_group`` people that the published cells let a reader derive.

    Parameters
    ----------
    sizes : sequence of int
        People per atom (atoms are indexed 0..m-1; every size > 0).
    cells : iterable of iterables of int
        The published cells, each as the atoms it contains.
    min_group : int
    limit : int
        Stop after this many sets (1 is enough to decide; the plan fixes one at a time).

    Returns
    -------
    list of frozenset
        Each a set of atom indices in the span of the cells' indicator vectors, 0 < people < min_group.

    Notes
    -----
    A set X of atoms is derivable when its indicator x is a linear combination of the published
    cells' indicators. With R the projection onto the orthogonal complement of their span, that is
    R x = 0. Only atoms below the minimum can be in a small set, so the search runs over the
    null space of R restricted to those atoms: its reduced row-echelon basis fixes every solution
    by its values on the pivot atoms, and at most ``min_group - 1`` pivots can be 1.
    """
    sizes = np.asarray(sizes, dtype=float)
    m = len(sizes)
    cells = [sorted(set(c)) for c in cells if len(c)]
    small = [a for a in range(m) if sizes[a] < min_group]
    if not small:
        return []
    if cells:
        M = np.zeros((m, len(cells)))
        for j, c in enumerate(cells):
            M[c, j] = 1.0
        u, s, _ = np.linalg.svd(M, full_matrices=False)
        q = u[:, s > 1e-9 * max(1.0, s[0] if len(s) else 1.0)]
        R = np.eye(m) - q @ q.T
    else:
        R = np.eye(m)
    basis, pivots = _null_space_rref(R[:, small])
    found = []
    if not pivots:
        return found
    small_sizes = sizes[small]
    budget = min_group - 1
    pivot_sizes = small_sizes[pivots]
    order = list(range(len(pivots)))
    for k in range(1, min(len(pivots), budget) + 1):
        for combo in itertools.combinations(order, k):
            if pivot_sizes[list(combo)].sum() > budget:
                continue
            x = basis[list(combo)].sum(axis=0)
            if np.all((np.abs(x) < _TOL) | (np.abs(x - 1) < _TOL)):
                chosen = np.abs(x - 1) < _TOL
                people = small_sizes[chosen].sum()
                if 0 < people < min_group:
                    found.append(frozenset(int(small[i]) for i in np.flatnonzero(chosen)))
                    if len(found) >= limit:
                        return found
    return found


def secure_cells(sizes, cells: dict, min_group: int, *, fixed=()) -> set:
    """The names of the cells that may be published (primary + secondary suppression, audited).

    Parameters
    ----------
    sizes : sequence of int
        People per atom.
    cells : dict
        Cell name -> atoms it contains.
    min_group : int
    fixed : iterable
        Cell names that are always published (e.g. the network total); a fixed cell below the
        minimum is an error.

    Returns
    -------
    set
        Names of publishable cells; all others are suppressed.
    """
    sizes = np.asarray(sizes, dtype=float)
    fixed = set(fixed)
    n_of = {name: float(sizes[list(atoms)].sum()) if len(atoms) else 0.0 for name, atoms in cells.items()}
    for name in fixed:
        if 0 < n_of[name] < min_group:
            raise AnalysisError(f"De hele groep heeft maar {int(n_of[name])} respondenten (minder dan {min_group}); "
                                "er kan niets gepubliceerd worden.")
    published = {name for name, n in n_of.items() if n >= min_group or name in fixed}
    while True:
        names = sorted(published, key=str)
        bad = derivable_small_groups(sizes, [cells[n] for n in names], min_group)
        if not bad:
            return published
        victim = _victim(sizes, cells, names, fixed, n_of, bad[0])
        published.discard(victim)


def _indicator_matrix(m: int, cells: list) -> np.ndarray:
    M = np.zeros((m, len(cells)))
    for j, c in enumerate(cells):
        M[list(c), j] = 1.0
    return M


def _in_span(M: np.ndarray, x: np.ndarray) -> bool:
    if M.shape[1] == 0:
        return not x.any()
    coef = np.linalg.lstsq(M, x, rcond=None)[0]
    return bool(np.abs(M @ coef - x).max() < 1e-7)


def _victim(sizes, cells: dict, names: list, fixed: set, n_of: dict, group: frozenset):
    """The cell to suppress so that ``group`` is no longer derivable: the smallest cell of the derivation
    whose removal alone breaks it, else the smallest cell of the derivation (the audit then repeats)."""
    m = len(sizes)
    x = np.zeros(m)
    x[list(group)] = 1.0
    M = _indicator_matrix(m, [cells[n] for n in names])
    coef = np.linalg.lstsq(M, x, rcond=None)[0]
    support = sorted((n for n, c in zip(names, coef) if abs(c) > 1e-9 and n not in fixed),
                     key=lambda n: (n_of[n], str(n)))
    if not support:
        raise AnalysisError("De privacybescherming kan geen veilige tabellen maken voor deze ronde.")
    for name in support:
        rest = [i for i, n in enumerate(names) if n != name]
        if not _in_span(M[:, rest], x):
            return name
    return support[0]


# --- the per-round plan -------------------------------------------------------------------------

def _key(value):
    return None if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA else str(value)


@dataclass(frozen=True, repr=False)
class DisclosurePlan:
    """Which cells of a round may be published; see the module docstring for the rule and the API.

    Attributes
    ----------
    min_group : int
    cells : DataFrame
        One row per cell: ``partition``, ``within`` (organisation or :data:`NETWORK`), ``key``,
        ``n``, ``published``.
    """

    min_group: int
    cells: pd.DataFrame = field(repr=False)
    _lookup: dict = field(default_factory=dict, repr=False, compare=False)

    def published(self, partition: str, key, *, within=None) -> bool:
        """Whether cell ``key`` of ``partition`` (in organisation ``within``, or the network) may be shown."""
        return bool(self._lookup.get((partition, NETWORK if within is None else str(within), _key(key)), False))

    def organisation_published(self, organisation) -> bool:
        """Whether an organisation may have its own report and a row in the network's tables."""
        return self.published("organisation", organisation)

    def filter(self, table: pd.DataFrame, partition: str, column: str, *, within=None) -> tuple[pd.DataFrame, int]:
        """The rows of ``table`` whose ``column`` value is a published cell; and the number left out."""
        keep = np.array([self.published(partition, v, within=within) for v in table[column]], dtype=bool)
        return table[keep].reset_index(drop=True), int((~keep).sum())

    def to_frame(self) -> pd.DataFrame:
        return self.cells.copy()

    def __repr__(self) -> str:
        c = self.cells
        return (f"DisclosurePlan(min_group={self.min_group}, cells={len(c)}, "
                f"published={int(c['published'].sum())}, suppressed={int((~c['published']).sum())})")


PARTITIONS = ("team", "role")
"""Partitions published inside an organisation report (besides the organisation itself)."""


def _family(data: pd.DataFrame, dims: list[str], cell_specs: list[tuple], min_group: int,
            fixed: set) -> tuple[pd.DataFrame, set]:
    """Atoms over ``dims`` and the audit of the cells in ``cell_specs`` = [(name, mask over atoms)]."""
    atoms = data.groupby(dims, dropna=False, sort=True, observed=True).size().rename("n").reset_index()
    sizes = atoms["n"].to_numpy()
    cells = {name: np.flatnonzero(mask(atoms)) for name, mask in cell_specs}
    published = secure_cells(sizes, cells, min_group, fixed=fixed)
    rows = [{"partition": name[0], "within": name[1], "key": name[2], "n": int(sizes[cells[name]].sum()),
             "published": name in published} for name, _ in cell_specs]
    return pd.DataFrame(rows), published


def disclosure_plan(data: pd.DataFrame, *, min_group: int = 5, partitions=PARTITIONS,
                    answer_columns=("answer_form",)) -> DisclosurePlan:
    """The disclosure plan of one round: which organisations, teams, roles and answer categories may be shown.

    Parameters
    ----------
    data : DataFrame
        The processed round: ``organisation`` and the columns named in ``partitions`` (missing
        values are their own, never published, cell); optionally ``answer_column`` with the coded
        category of the open answer (missing: no answer).
    min_group : int
    partitions : sequence of str
        Columns published per organisation and for the network (default teams and roles; teams are
        nested in organisations and never shown network-wide).
    answer_columns : sequence of str
        Columns with answer categories (one per coded open question), each audited as a family of its
        own (organisation x category); their cells are the partitions ``"answered:<column>"`` (number of
        answers) and ``"answer_form:<column>"`` (one category).

    Returns
    -------
    DisclosurePlan

    Examples
    --------
    >>> df = pd.DataFrame({"organisation": ["A"] * 9 + ["B"] * 6, "team": list("xxxxxyyyy") + list("zzzzzz"),
    ...                    "role": ["r"] * 8 + ["m"] + ["r"] * 6})
    >>> plan = disclosure_plan(df, answer_columns=())
    >>> plan.published("role", "m", within="A"), plan.published("role", "r", within="A")
    (False, False)
    """
    if "organisation" not in data.columns:
        raise AnalysisError("De data heeft geen kolom 'organisation'.")
    frame = pd.DataFrame({"organisation": data["organisation"].map(_key)})
    for p in partitions:
        frame[p] = data[p].map(_key) if p in data.columns else None
    dims = ["organisation", *partitions]
    orgs = sorted(o for o in frame["organisation"].dropna().unique())
    hidden_orgs: set = set()
    while True:  # organisations suppressed in one pass drop out with all their cells; repeat until stable
        specs = _scale_specs(frame, partitions, [o for o in orgs if o not in hidden_orgs])
        table, published = _family(frame, dims, specs, min_group, fixed={("network", NETWORK, None)})
        newly = {k for (part, _, k) in (n for n, _ in specs) if part == "organisation"} - \
            {k for (part, _, k) in published if part == "organisation"}
        if not newly:
            break
        hidden_orgs |= newly
    hidden = pd.DataFrame([{"partition": "organisation", "within": NETWORK, "key": o,
                            "n": int((frame["organisation"] == o).sum()), "published": False}
                           for o in sorted(hidden_orgs)])
    table = pd.concat([table, hidden], ignore_index=True) if len(hidden) else table
    tables = [table]
    for column in answer_columns:
        family = _answer_family(data, column, orgs, hidden_orgs, min_group) if column in data.columns else None
        if family is not None:  # an empty table would turn the columns of the concatenation into objects
            tables.append(family)
    cells = pd.concat(tables, ignore_index=True)
    lookup = {(r.partition, r.within, _key(r.key)): bool(r.published) for r in cells.itertuples()}
    return DisclosurePlan(int(min_group), cells, lookup)


def _scale_specs(frame, partitions, orgs) -> list[tuple]:
    """Cells of the scale tables: network, organisations, roles (network and per organisation), teams."""
    specs = [(("network", NETWORK, None), lambda a: np.ones(len(a), bool))]
    for org in orgs:
        specs.append((("organisation", NETWORK, org), lambda a, o=org: (a["organisation"] == o).to_numpy()))
    for p in partitions:
        if p != "team":  # teams are nested in organisations: no network-wide team table
            for v in sorted(frame[p].dropna().unique()):
                specs.append(((p, NETWORK, v), lambda a, p=p, v=v: (a[p] == v).to_numpy()))
        for org in orgs:
            for v in sorted(frame.loc[frame["organisation"] == org, p].dropna().unique()):
                specs.append(((p, org, v), lambda a, p=p, v=v, o=org: ((a["organisation"] == o) & (a[p] == v))
                              .to_numpy()))
    return specs


def _answer_family(data, answer_column, orgs, hidden_orgs, min_group) -> pd.DataFrame | None:
    """Answer categories per organisation and in the network, audited with the organisations' totals
    (None when nobody answered: there is nothing to publish).

    Atoms are organisation x category, where not answering is a category of its own: the number of
    answers of an organisation is its n minus those without an answer, so that difference is audited
    too. Organisation totals (already decided by the scale tables) and the network are fixed cells.
    """
    frame = pd.DataFrame({"organisation": data["organisation"].map(_key),
                          "category": data[answer_column].map(_key).fillna(NO_ANSWER)})
    answered = frame["category"] != NO_ANSWER
    if not answered.any():
        return None
    cats = sorted(frame.loc[answered, "category"].unique())
    shown = [o for o in orgs if o not in hidden_orgs]
    specs = [(("network", NETWORK, None), lambda a: np.ones(len(a), bool)),
             (("answered", NETWORK, None), lambda a: (a["category"] != NO_ANSWER).to_numpy())]
    for c in cats:
        specs.append((("answer_form", NETWORK, c), lambda a, c=c: (a["category"] == c).to_numpy()))
    for org in shown:
        specs.append((("organisation", NETWORK, org), lambda a, o=org: (a["organisation"] == o).to_numpy()))
        specs.append((("answered", org, None), lambda a, o=org: ((a["organisation"] == o)
                                                                & (a["category"] != NO_ANSWER)).to_numpy()))
        for c in cats:
            specs.append((("answer_form", org, c), lambda a, o=org, c=c: ((a["organisation"] == o)
                                                                        & (a["category"] == c)).to_numpy()))
    fixed = {("network", NETWORK, None)} | {("organisation", NETWORK, o) for o in shown}
    table, _ = _family(frame, ["organisation", "category"], specs, min_group, fixed=fixed)
    table = table[table["partition"].isin(["answered", "answer_form"])].copy()
    table["partition"] = table["partition"] + ":" + answer_column
    return table
