"""The disclosure plan edge by edge: the audit against a brute-force search, boundaries, refusals, the plan's API.

Every check here is on what a reader of the published cells could compute: the sets of respondents whose
count follows from the published counts by adding and subtracting (``_brute_force_small_sets`` tries every
union of atoms, independently of the null-space search in :mod:`informeel_lib.disclosure`).
"""

import itertools

import numpy as np
import pandas as pd
import pytest

from informeel_lib.disclosure import NETWORK, derivable_small_groups, disclosure_plan, secure_cells
from informeel_lib.errors import AnalysisError

MIN = 5


def _brute_force_small_sets(sizes, cells, min_group):
    """Every union of atoms with 0 < people < min_group whose indicator is a combination of the cells'."""
    sizes = np.asarray(sizes, dtype=float)
    cells = [sorted(set(c)) for c in cells if len(c)]
    M = np.zeros((len(sizes), len(cells)))
    for j, c in enumerate(cells):
        M[c, j] = 1.0
    small = [a for a in range(len(sizes)) if sizes[a] < min_group]
    found = set()
    for k in range(1, len(small) + 1):
        for combo in itertools.combinations(small, k):
            if not 0 < sizes[list(combo)].sum() < min_group:
                continue
            x = np.zeros(len(sizes))
            x[list(combo)] = 1.0
            if M.shape[1] and np.abs(M @ np.linalg.lstsq(M, x, rcond=None)[0] - x).max() < 1e-9:
                found.add(frozenset(combo))
    return found


def _random_table(rng):
    """A few atoms (some below the minimum) and cells that overlap, nest and partition them."""
    m = int(rng.integers(2, 9))
    sizes = [int(s) for s in rng.choice([1, 1, 2, 3, 4, 5, 6, 9], size=m)]
    cells = [list(range(m))]
    for _ in range(int(rng.integers(1, 8))):
        cells.append(sorted(int(a) for a in rng.choice(m, size=int(rng.integers(1, m + 1)), replace=False)))
    return sizes, cells


TABLES = [_random_table(np.random.default_rng(seed)) for seed in range(60)]


# --- derivable_small_groups and secure_cells ---------------------------------------------------------

def test_the_audit_finds_exactly_the_small_sets_a_brute_force_search_finds():
    n_found = 0
    for sizes, cells in TABLES:
        for min_group in (3, MIN):
            expected = _brute_force_small_sets(sizes, cells, min_group)
            found = derivable_small_groups(sizes, cells, min_group, limit=10 ** 6)
            assert len(found) == len(set(found)) and set(found) == expected, (sizes, cells, min_group)
            n_found += len(expected)
    assert n_found > 50  # the random tables do contain derivable small sets


def test_the_audit_finds_a_set_of_exactly_min_group_minus_one_people():
    # a + b = 4 people, derivable as all - c; a and b themselves are not derivable
    assert derivable_small_groups([2, 2, 6], [[0, 1, 2], [2]], MIN) == [frozenset({0, 1})]
    # a single atom of exactly min_group people is not small
    assert derivable_small_groups([5, 6], [[0, 1], [1]], MIN) == []
    assert derivable_small_groups([4, 6], [[0, 1], [1]], MIN) == [frozenset({0})]


def test_the_audit_stops_after_limit_sets():
    sizes, cells = [5, 1, 5, 1], [[0, 1], [0], [2, 3], [2]]  # two separate lone people: atoms 1 and 3
    one = derivable_small_groups(sizes, cells, MIN)
    assert len(one) == 1 and one[0] in ({1}, {3})
    assert set(derivable_small_groups(sizes, cells, MIN, limit=2)) == {frozenset({1}), frozenset({3})}


def test_without_published_cells_nothing_is_derivable():
    assert derivable_small_groups([1, 2], [], MIN) == []
    assert derivable_small_groups([1, 2], [[], []], MIN) == []
    assert derivable_small_groups([6, 7], [[0], [1]], MIN) == []  # no atom below the minimum


def test_secure_cells_leaves_nothing_small_derivable_and_keeps_the_fixed_cells():
    n_suppressed = 0
    for sizes, cells in TABLES:
        if sum(sizes) < MIN:
            continue
        named = {f"c{j}": c for j, c in enumerate(cells)}
        published = secure_cells(sizes, named, MIN, fixed={"c0"})
        assert "c0" in published
        assert _brute_force_small_sets(sizes, [named[n] for n in published], MIN) == set(), (sizes, cells)
        assert all(sum(sizes[a] for a in named[n]) >= MIN for n in published)
        n_suppressed += sum(1 for n in named if n not in published and sum(sizes[a] for a in named[n]) >= MIN)
    assert n_suppressed > 5  # secondary suppression did happen


def test_a_cell_of_exactly_min_group_is_published():
    assert secure_cells([5, 5], {"all": [0, 1], "a": [0], "b": [1]}, MIN, fixed={"all"}) == {"all", "a", "b"}
    assert secure_cells([5], {"all": [0]}, MIN, fixed={"all"}) == {"all"}  # the whole group of exactly five


def test_a_fixed_cell_below_the_minimum_is_refused_word_for_word():
    for n in (1, 4):
        with pytest.raises(AnalysisError) as err:
            secure_cells([n], {"all": [0]}, MIN, fixed={"all"})
        assert str(err.value) == (f"De hele groep heeft maar {n} respondenten (minder dan 5); "
                                  "er kan niets gepubliceerd worden.")


def test_an_empty_fixed_cell_is_no_error_and_publishes_nothing():
    assert secure_cells([6], {"all": [0], "nobody": []}, MIN, fixed={"all", "nobody"}) == {"all", "nobody"}
    assert secure_cells([6], {"all": [0], "nobody": []}, MIN, fixed={"all"}) == {"all"}  # an empty cell: n = 0


def test_a_small_set_derivable_from_fixed_cells_alone_is_refused():
    with pytest.raises(AnalysisError) as err:
        secure_cells([6, 2], {"all": [0, 1], "big": [0]}, MIN, fixed={"all", "big"})
    assert str(err.value) == "De privacybescherming kan geen veilige tabellen maken voor deze ronde."


def test_secondary_suppression_takes_the_smallest_cell_that_breaks_the_derivation():
    # all - a - b = c (2 people): a (6) is the smallest cell of the derivation, and removing it breaks it
    published = secure_cells([7, 6, 2], {"all": [0, 1, 2], "a": [1], "b": [0], "c": [2]}, MIN, fixed={"all"})
    assert published == {"all", "b"}
    # the same with the names swapped: the choice follows n, not the name
    published = secure_cells([6, 7, 2], {"all": [0, 1, 2], "a": [1], "b": [0], "c": [2]}, MIN, fixed={"all"})
    assert published == {"all", "a"}


def test_cell_names_of_different_kinds_can_be_mixed():
    cells = {("network", NETWORK, None): [0, 1, 2], "a": [0], ("team", "A", "x"): [1], 7: [2]}
    published = secure_cells([6, 5, 2], cells, MIN, fixed={("network", NETWORK, None)})
    assert published == {("network", NETWORK, None), "a"}


# --- the plan of a round -----------------------------------------------------------------------------

def _round(spec):
    """Rows from [(organisation, team, role, answer, count)]."""
    rows = []
    for org, team, role, answer, n in spec:
        rows += [{"organisation": org, "team": team, "role": role, "answer_form": answer}] * n
    return pd.DataFrame(rows)


def _members(cols, partition, within, key, column="answer_form"):
    """The respondents (row positions) of one cell of the plan, from its definition (``cols``: column -> values,
    None where missing)."""
    org = cols["organisation"]
    inside = np.ones(len(org), bool) if within == NETWORK else org == within
    if partition == "network":
        return inside
    if partition == "organisation":
        return org == key
    if partition.startswith("answered:"):
        return inside & np.array([v is not None for v in cols[column]], dtype=bool)
    if partition.startswith("answer_form:"):
        return inside & (cols[column] == key)
    return inside & (cols[partition] == key)


def _derivable_from_plan(data, plan, min_group=MIN):
    """Small sets a reader can derive from the published cells: the scale tables, and each answer column
    together with the totals of the network and of the published organisations."""
    return _derivable_from_cells(data, plan.to_frame(), min_group)


def _needless_suppressions(data, plan, min_group=MIN):
    """Suppressed cells of at least ``min_group`` that could be published as well, with nothing small derivable."""
    frame = plan.to_frame()
    needless = []
    for i in frame.index[~frame["published"] & (frame["n"] >= min_group)]:
        more = frame.copy()
        more.loc[i, "published"] = True
        if not _derivable_from_cells(data, more, min_group):
            needless.append(tuple(frame.loc[i, ["partition", "within", "key"]]))
    return needless


def _derivable_from_cells(data, frame, min_group):
    shown = frame[frame["published"]]
    scale = shown[shown["partition"].isin(["network", "organisation", "team", "role"])]
    answers = shown[shown["partition"].str.contains(":")]
    totals = scale[scale["partition"].isin(["network", "organisation"])]
    cols = {c: np.array([None if pd.isna(v) else v for v in data[c]], dtype=object) for c in data.columns}
    found = []
    for cells, dims in ((scale, ["organisation", "team", "role"]), (pd.concat([totals, answers]), None)):
        if dims is None:
            if answers.empty:
                continue
            dims = ["organisation", "answer_form"]
        rows = zip(*(cols[d] for d in dims))
        keys = np.array(["|".join("<leeg>" if v is None else str(v) for v in row) for row in rows])
        atoms, codes, counts = np.unique(keys, return_inverse=True, return_counts=True)
        sizes = counts.tolist()
        members = [_members(cols, r.partition, r.within, r.key) for r in cells.itertuples()]
        atom_cells = [sorted(set(codes[m].tolist())) for m in members]
        for c, m in zip(atom_cells, members):  # a cell is a union of atoms
            assert sum(sizes[i] for i in c) == m.sum()
        found += [{atoms[i] for i in s} for s in _brute_force_small_sets(sizes, atom_cells, min_group)]
    return found


def _cell(plan, partition, within, key):
    f = plan.to_frame()
    row = f[(f["partition"] == partition) & (f["within"] == within)
            & ((f["key"] == key) if key is not None else f["key"].isna())]
    assert len(row) == 1, (partition, within, key)
    return int(row["n"].iloc[0]), bool(row["published"].iloc[0])


LONE_MANAGER = _round([("A", "x", "r", "p", 5), ("A", "y", "r", "q", 3), ("A", "y", "m", "p", 1),
                       ("B", "z", "r", "p", 6), ("B", "w", "r", "q", 5)])


def test_a_round_publishes_what_is_safe_and_nothing_derivable_is_small():
    plan = disclosure_plan(LONE_MANAGER)
    assert _derivable_from_plan(LONE_MANAGER, plan) == []
    assert plan.organisation_published("A") and plan.organisation_published("B")
    assert _cell(plan, "network", NETWORK, None) == (20, True)
    assert _cell(plan, "role", NETWORK, "r") == (19, False)  # the network minus its r's is the manager
    assert _cell(plan, "role", "B", "r") == (11, True)
    assert _cell(plan, "team", "B", "z") == (6, True) and plan.published("team", "z", within="B")
    assert _cell(plan, "team", "B", "w") == (5, True)
    assert not plan.published("team", "z")  # teams have no network-wide cells
    assert not (plan.to_frame().query("partition == 'team'")["within"] == NETWORK).any()
    assert _cell(plan, "answered:answer_form", NETWORK, None) == (20, True)
    assert _cell(plan, "answer_form:answer_form", NETWORK, "p") == (12, True)
    assert _cell(plan, "answered:answer_form", "B", None) == (11, True)
    # A's q (3) = network q - B's q = A's answers - A's p, and A's p = network p - B's p: all of them go
    assert [_cell(plan, "answer_form:answer_form", org, key)[1] for org, key in
            (("A", "p"), ("A", "q"), ("B", "p"), ("B", "q"))] == [False] * 4


def test_the_plans_frame_and_repr():
    plan = disclosure_plan(LONE_MANAGER)
    frame = plan.to_frame()
    assert list(frame.columns) == ["partition", "within", "key", "n", "published"]
    assert frame.index.equals(pd.RangeIndex(len(frame)))
    assert frame["n"].dtype.kind == "i" and frame["published"].dtype == bool
    assert plan.min_group == 5
    assert repr(plan) == (f"DisclosurePlan(min_group=5, cells={len(frame)}, published={int(frame['published'].sum())}, "
                          f"suppressed={int((~frame['published']).sum())})")
    assert repr(plan) == "DisclosurePlan(min_group=5, cells=21, published=11, suppressed=10)"
    frame.loc[0, "n"] = -1
    assert plan.to_frame().loc[0, "n"] == 20  # a copy


def test_an_open_question_nobody_answered_keeps_the_plans_frame_typed():
    """Bug: an answer column without answers turned n and published into objects; repr then showed
    ``suppressed=-16`` (~True is -2 on an object column)."""
    data = LONE_MANAGER.assign(answer_form=None)
    plan = disclosure_plan(data)
    frame = plan.to_frame()
    assert list(frame.columns) == ["partition", "within", "key", "n", "published"]
    assert frame["n"].dtype.kind == "i" and frame["published"].dtype == bool
    assert not frame["partition"].str.contains(":").any()
    assert repr(plan) == "DisclosurePlan(min_group=5, cells=12, published=6, suppressed=6)"
    assert not plan.published("answered:answer_form", None)


def test_unknown_cells_are_not_published():
    plan = disclosure_plan(LONE_MANAGER)
    assert not plan.published("team", "does not exist", within="B")
    assert not plan.published("role", "r", within="no such organisation")
    assert not plan.organisation_published("C")


def test_filter_keeps_the_published_rows_of_one_organisation():
    plan = disclosure_plan(LONE_MANAGER)
    table = pd.DataFrame({"team": ["w", "z", "v"], "mean": [3.0, 4.0, 5.0]}, index=[7, 8, 9])
    shown, left_out = plan.filter(table, "team", "team", within="B")
    pd.testing.assert_frame_equal(shown, pd.DataFrame({"team": ["w", "z"], "mean": [3.0, 4.0]}))
    assert left_out == 1
    shown, left_out = plan.filter(table.iloc[:0], "team", "team", within="B")
    assert list(shown.columns) == ["team", "mean"] and shown.empty and left_out == 0
    shown, left_out = plan.filter(pd.DataFrame({"role": ["r", "m"]}), "role", "role", within="B")
    assert shown["role"].tolist() == ["r"] and left_out == 1


def test_missing_teams_and_roles_count_but_are_never_a_cell():
    data = _round([("A", "x", "r", "p", 6), ("A", None, None, "p", 6), ("B", "y", "r", "p", 5),
                   ("B", np.nan, np.nan, "p", 5), ("B", "y", pd.NA, "p", 5)])
    plan = disclosure_plan(data, answer_columns=())
    frame = plan.to_frame()
    assert _cell(plan, "network", NETWORK, None) == (27, True)
    assert _cell(plan, "organisation", NETWORK, "A") == (12, True)
    assert _cell(plan, "organisation", NETWORK, "B") == (15, True)
    assert set(frame["key"].dropna()) == {"A", "B", "x", "y", "r"}  # no cell for "None", "nan" or "<NA>"
    assert not plan.published("role", None, within="A") and not plan.published("team", np.nan, within="B")
    assert _derivable_from_plan(data, plan) == []


def test_missing_columns_and_organisation():
    data = _round([("A", "x", "r", None, 6), ("B", "y", "r", None, 6)])
    plan = disclosure_plan(data.drop(columns=["team"]), answer_columns=())
    assert plan.published("role", "r", within="A") and not plan.published("team", "x", within="A")
    plan = disclosure_plan(data, answer_columns=("no such column",))
    assert _cell(plan, "team", "A", "x") == (6, True)
    with pytest.raises(AnalysisError) as err:
        disclosure_plan(data.drop(columns=["organisation"]))
    assert str(err.value) == "De data heeft geen kolom 'organisation'."
    with pytest.raises(AnalysisError, match="maar 3 respondenten"):
        disclosure_plan(data.head(3))


def test_a_small_organisation_is_hidden_with_all_its_cells_and_a_partner():
    # C (2) is below the minimum; the network minus A and B would then be C: B, the smallest, goes too
    data = _round([("A", "x", "r", "p", 9), ("B", "y", "r", "p", 6), ("C", "z", "r", "p", 2)])
    plan = disclosure_plan(data)
    assert plan.organisation_published("A")
    assert not plan.organisation_published("B") and not plan.organisation_published("C")
    assert _cell(plan, "organisation", NETWORK, "B") == (6, False)
    assert _cell(plan, "organisation", NETWORK, "C") == (2, False)
    frame = plan.to_frame()
    assert not frame.loc[frame["within"].isin(["B", "C"]), "published"].any()
    assert not plan.published("team", "y", within="B") and not plan.published("role", "r", within="B")
    assert _cell(plan, "team", "A", "x") == (9, True)
    assert _derivable_from_plan(data, plan) == []


def test_answer_cells_of_an_organisation_audited_with_its_total():
    # A: 12 - 11 answers = the one without an answer; B answers or not in numbers big enough
    data = _round([("A", "t", "r", "x", 7), ("A", "t", "r", "y", 5), ("A", "t", "r", None, 1),
                   ("B", "u", "r", "x", 6), ("B", "u", "r", None, 5)])
    plan = disclosure_plan(data)
    assert _derivable_from_plan(data, plan) == []
    assert not plan.published("answered:answer_form", None, within="A")
    assert _cell(plan, "answered:answer_form", NETWORK, None) == (18, True)
    assert _cell(plan, "answer_form:answer_form", NETWORK, "x") == (13, True)
    # network answers - B's answers would be A's answers again
    assert _cell(plan, "answered:answer_form", "B", None) == (6, False)


def test_the_non_answerers_of_hidden_organisations_are_protected_too():
    # C and D (3 each) are hidden; together 6, of whom 5 answered: network - answers - (A - its answers) = 1
    data = _round([("A", "t", "r", "x", 10), ("A", "t", "r", None, 5),
                   ("C", "u", "r", "x", 3), ("D", "v", "r", "x", 2), ("D", "v", "r", None, 1)])
    plan = disclosure_plan(data)
    assert not plan.organisation_published("C") and not plan.organisation_published("D")
    assert _derivable_from_plan(data, plan) == []
    assert _cell(plan, "answered:answer_form", NETWORK, None) == (15, True)
    assert _cell(plan, "answered:answer_form", "A", None) == (10, False)


def test_random_rounds_leave_nothing_small_derivable():
    rng = np.random.default_rng(16)
    n_hidden = n_secondary = 0
    for _ in range(6):
        spec = []
        for org in ["A", "B", "C"][: int(rng.integers(1, 4))]:
            for team in ["t1", "t2", "t3"][: int(rng.integers(1, 4))]:
                for role in ("r", "m"):
                    n = int(rng.choice([0, 0, 1, 2, 4, 6]))
                    if n:
                        spec.append((org, f"{org}{team}", role, rng.choice(["x", "y", None]), n))
        data = _round(spec)
        if len(data) < MIN:
            continue
        plan = disclosure_plan(data)
        assert _derivable_from_plan(data, plan) == [], spec
        frame = plan.to_frame()
        n_hidden += int((~frame.query("partition == 'organisation'")["published"]).sum())
        n_secondary += int(((frame["n"] >= MIN) & ~frame["published"]).sum())
    assert n_hidden and n_secondary


def test_a_second_pass_can_hide_another_organisation():
    # the first pass hides A (a cell equal to its role's cell); in the second, without A's cells, the network's
    # roles and B's tables would still give away B's small groups, and B is hidden as well; a third pass hides
    # nobody and the loop stops
    data = _round([("A", "A0", "r", None, 7), ("B", "B0", "m", None, 6), ("B", "B0", "r", None, 2),
                   ("B", "B1", "m", None, 1), ("B", "B1", "r", None, 2)])
    plan = disclosure_plan(data, answer_columns=())
    assert _cell(plan, "organisation", NETWORK, "A") == (7, False)
    assert _cell(plan, "organisation", NETWORK, "B") == (11, False)
    assert _cell(plan, "role", NETWORK, "m") == (7, True) and _cell(plan, "role", NETWORK, "r") == (11, True)
    assert len(plan.to_frame()) == 5  # no team or role cell of a hidden organisation
    assert _derivable_from_plan(data, plan) == []


# rounds on which another choice of cells to suppress (found by benchmarks/mutation/disclosure_differential.py)
# hides more than needed
THREE_ORGANISATIONS = [("A", "A", "r", "x", 6), ("A", "A", "r", "y", 6), ("A", "A", "r", None, 2),
                       ("B", "B", "r", "x", 5), ("B", "B", "r", "y", 5), ("B", "B", "r", None, 2),
                       ("C", "C", "r", "x", 6), ("C", "C", "r", "y", 4), ("C", "C", "r", None, 11)]
ONE_SMALL_ORGANISATION = [("A", "A0", "r", None, 1), ("A", "A0", "r", "y", 1), ("B", "B0", "r", "y", 2),
                          ("B", "B0", "r", "x", 1), ("B", "B1", "r", "y", 2), ("C", "C0", "r", None, 1),
                          ("C", "C0", "r", "x", 1), ("C", "C0", "m", "x", 4), ("C", "C0", "m", "y", 1),
                          ("C", "C0", "m", None, 1), ("C", "C1", "r", None, 1), ("C", "C1", "m", "x", 1),
                          ("C", "C1", "m", "y", 2)]


@pytest.mark.parametrize("spec", [THREE_ORGANISATIONS, ONE_SMALL_ORGANISATION], ids=["three", "one_small"])
def test_no_cell_is_suppressed_that_could_be_shown_as_well(spec):
    """On these rounds secondary suppression hides no more than needed: publishing any one suppressed cell of at
    least five as well would let a reader derive a small group."""
    data = _round(spec)
    plan = disclosure_plan(data)
    assert _derivable_from_plan(data, plan) == []
    assert _needless_suppressions(data, plan) == []
