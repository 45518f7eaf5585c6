"""The attacker of issue 11: differencing the published tables of a round must never isolate a small group.

The test builds rounds with lone people in teams and roles and tiny organisations, renders the
network report and every organisation report (the same section functions the report notebook calls),
parses every count and mean in every table and sentence, and treats each as the aggregate of a set of
people. It then solves, by linear algebra, which other groups' counts and means follow by adding and
subtracting: every cell of every partition (organisations, teams, roles, answer forms), every
intersection and difference of two cells, and every single combination of organisation, team, role and
answer form. A derivable group with fewer than the minimum number of people fails the test (with the
mean the attacker recovered for it).
"""

import itertools
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from informeel_lib.codebook import load_codebook
from informeel_lib.report import context as rc, sections as rs

MIN = 5
CB = load_codebook()
ROLE_BY_LABEL = {cat.label: cat.code for cat in CB.roles}
TEXTS = {
    "zelfgestuurd": "Ik heb zelf een protocol opgezocht over wondzorg.",
    "tacit": "Ik leerde al doende tijdens een drukke dienst van een collega.",
    "geen vorm": "geen idee",
}


# --- the rounds ------------------------------------------------------------------------------------

def _people(org, team, role, n, form="zelfgestuurd"):
    return [{"organisation": org, "team": team, "role": role, "form": form}] * n


def round_lone_manager():
    """The issue's example: an organisation of 30 with one manager alone in a team; a tiny organisation of 2."""
    rows = (_people("ZINN", "Team Noord", "zorgmedewerker", 12)
            + _people("ZINN", "Team Zuid", "zorgmedewerker", 9, "tacit")
            + _people("ZINN", "Team Zuid", "praktijkopleider", 1, "tacit")
            + _people("ZINN", "Team Oost", "zorgmedewerker", 7)
            + _people("ZINN", "Team West", "leidinggevende", 1, "geen vorm")
            + _people("Treant", "Team A", "zorgmedewerker", 6)
            + _people("Treant", "Team B", "zorgmedewerker", 5, "tacit")
            + _people("Treant", "Team B", "werkbegeleider", 1, None)
            + _people("Interzorg", "Team X", "zorgmedewerker", 2)
            + _people("Oosterlengte", "Team 1", "zorgmedewerker", 7, "tacit"))
    return rows


def round_many_small():
    """Many small teams and roles, two organisations just above the minimum, answer forms spread thin."""
    rows = []
    for i, org in enumerate(["ZINN", "Treant", "Zorggroep Meander"]):
        for t in range(4):
            rows += _people(org, f"Team {t}", "zorgmedewerker", 3 + (t + i) % 4, ["zelfgestuurd", "tacit"][t % 2])
            rows += _people(org, f"Team {t}", ["leidinggevende", "praktijkopleider"][t % 2], 1, "geen vorm")
    rows += _people("Oosterlengte", "Team 1", "zorgmedewerker", 4)
    rows += _people("Oosterlengte", "Team 1", "werkbegeleider", 1)
    rows += _people("Interzorg", "Team 1", "zorgmedewerker", 5, "tacit")
    rows += _people("Interzorg", "Team 2", "opleidingsadviseur", 1)
    return rows


def build_data(rows, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rows).reset_index(drop=True)
    for item in CB.item_codes:
        df[item] = rng.integers(1, 6, len(df)).astype(float)
    df["OPEN_VOORBEELD"] = [TEXTS.get(f) if f else None for f in df["form"]]
    df["OPEN_THEMA"] = "We praten erover in het teamoverleg en delen ervaringen met collega's."
    df["round"] = "2022-05"
    df["respondent"] = [f"p-{i:012x}" for i in range(len(df))]
    return df


# --- parsing the reports ---------------------------------------------------------------------------

class _Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables, self._text, self._row, self._where = [], None, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "headers": [], "rows": []})
        elif tag == "caption":
            self._text, self._where = [], "caption"
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._text, self._where = [], tag

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "caption" and self._where == "caption":
            self.tables[-1]["caption"] = "".join(self._text).strip()
            self._text = None
        elif tag in ("td", "th") and self._text is not None:
            self._row.append(("".join(self._text).replace("\xa0", " ").strip(), tag))
            self._text = None
        elif tag == "tr" and self._row is not None:
            if all(kind == "th" for _, kind in self._row):
                self.tables[-1]["headers"] = [t for t, _ in self._row]
            else:
                self.tables[-1]["rows"].append([t for t, _ in self._row])
            self._row = None


def parse_number(text):
    text = text.strip()
    m = re.fullmatch(r"(-?[\d.]+(?:,\d+)?)(?: \(.*\))?", text)
    if not m:
        return None
    return float(m.group(1).replace(".", "").replace(",", "."))


FORMS_ALL = (*rc.FORMS, rc.FORM_NONE, None)


class Attacker:
    """Collects (set of people, count, means) from the reports and solves for other sets.

    The attacker knows labels, not people: a set is a predicate on (organisation, team, role, answer
    form), and the unknowns are the counts and sums of every combination of labels, including the
    combinations that happen to be empty (the attacker cannot know they are). A group is derivable
    when its indicator over those combinations is a linear combination of the published sets'.
    """

    def __init__(self, data: pd.DataFrame):
        self.data = data
        forms = [None if pd.isna(f) else f for f in data["form"]]
        self.labels = list(zip(data["organisation"], data["team"], data["role"], forms))
        roles = sorted(data["role"].unique())
        self.universe = [(o, t, r, f) for o in sorted(data["organisation"].unique())
                         for t in sorted(data.loc[data["organisation"] == o, "team"].unique())
                         for r in roles for f in FORMS_ALL]
        self.facts = []  # (vector over the universe, n, means, source)

    def add(self, pred, n, means, source):
        size = sum(pred(*lab) for lab in self.labels)
        assert n is not None, source
        assert size == int(round(n)), f"{source}: the report says n = {n}, the data {size}"
        self.facts.append((np.array([pred(*u) for u in self.universe], float), n, means, source))

    def read_report(self, html, focus):
        parser = _Tables()
        parser.feed(html)
        for tab in parser.tables:
            for row in tab["rows"]:
                self._read_row(tab["caption"], dict(zip(tab["headers"], row)), focus)
        m = re.search(r"vulden ([\d.]+) medewerkers? uit", html)
        if m:
            self.add(lambda o, t, r, f: True, parse_number(m.group(1)), {}, "zin netwerk")
        m = re.search(r"Uit (.+?) deden ([\d.]+) medewerkers mee", html)
        if m:
            org = m.group(1)
            self.add(lambda o, t, r, f, org=org: o == org, parse_number(m.group(2)), {}, "zin organisatie")

    def _means(self, cells):
        return {scale: parse_number(cells[scale]) for scale in CB.scales
                if scale in cells and parse_number(cells[scale]) is not None}

    def _read_row(self, cap, cells, focus):
        def in_focus(o):
            return focus is None or o == focus

        if "Organisatie" in cells and "n" in cells:
            if cells["Organisatie"] == "netwerk":
                return  # change table: n of two rounds
            org = cells["Organisatie"]
            self.add(lambda o, t, r, f: o == org, parse_number(cells["n"]), self._means(cells), cap)
        elif "Rol" in cells:
            role = ROLE_BY_LABEL[cells["Rol"]]  # the reports name roles by their codebook label
            self.add(lambda o, t, r, f: in_focus(o) and r == role, parse_number(cells["n"]), self._means(cells), cap)
        elif "Team" in cells:
            team = cells["Team"]
            self.add(lambda o, t, r, f: in_focus(o) and t == team, parse_number(cells["n"]), self._means(cells), cap)
        elif "Schaal" in cells and "M" in cells and focus is not None:
            scale = next(code for code, sc in CB.scales.items() if sc.name == cells["Schaal"])
            self.add(lambda o, t, r, f: o == focus, parse_number(cells["n"]), {scale: parse_number(cells["M"])}, cap)
            self.add(lambda o, t, r, f: o != focus, parse_number(cells[f"n ({rs.REST})"]),
                     {scale: parse_number(cells[f"M ({rs.REST})"])}, cap)
        elif "Groep" in cells and "vorm" in cap:
            group = cells["Groep"]
            if group == rs.REST:
                def base(o):
                    return o != focus
            elif group == rs.NETWORK:
                def base(o):
                    return True
            else:
                def base(o):
                    return o == group
            self.add(lambda o, t, r, f: base(o) and f is not None, parse_number(cells["n"]), {}, cap)
            for form in FORMS_ALL[:-1]:
                value = parse_number(cells.get(form, ""))
                if value is not None:
                    self.add(lambda o, t, r, f, form=form: base(o) and f == form, value, {}, f"{cap}: {form}")

    # --- solving ---
    def candidate_groups(self):
        """Every cell of every partition, every intersection and difference of two, every label combination."""
        d = self.data
        cells = {}
        for i, col in enumerate(("organisation", "team", "role", "form")):
            if col != "team":
                for v in d[col].unique():
                    cells[f"{col}={v}"] = lambda lab, i=i, v=v: lab[i] == v
            for org in d["organisation"].unique():
                for v in d.loc[d["organisation"] == org, col].unique():
                    cells[f"{org}/{col}={v}"] = lambda lab, i=i, v=v, org=org: lab[0] == org and lab[i] == v
        groups = dict(cells)
        for (a, pa), (b, pb) in itertools.combinations(cells.items(), 2):
            groups[f"{a} en {b}"] = lambda lab, pa=pa, pb=pb: pa(lab) and pb(lab)
            groups[f"{a} zonder {b}"] = lambda lab, pa=pa, pb=pb: pa(lab) and not pb(lab)
            groups[f"{b} zonder {a}"] = lambda lab, pa=pa, pb=pb: pb(lab) and not pa(lab)
        for combo in set(self.labels):
            groups["/".join(map(str, combo))] = lambda lab, combo=combo: lab == combo
        return groups

    def derivable_small_groups(self):
        M = np.column_stack([v for v, _, _, _ in self.facts])
        u, s, _ = np.linalg.svd(M, full_matrices=False)
        q = u[:, s > 1e-9 * s[0]]
        found = {}
        for name, pred in self.candidate_groups().items():
            size = sum(pred(lab) for lab in self.labels)
            x = np.array([pred(u) for u in self.universe], float)
            if not 0 < size < MIN or not x.any():
                continue
            if np.abs(x - q @ (q.T @ x)).max() < 1e-6:
                found[name] = (size, self.recovered_mean(x, M, size))
        return found

    def recovered_mean(self, x, M, size):
        """The IWL mean the attacker computes for the group (None if the derivation uses counts only)."""
        coef = np.linalg.lstsq(M, x, rcond=None)[0]
        total = 0.0
        for c, (_, n, means, _) in zip(coef, self.facts):
            if abs(c) < 1e-9:
                continue
            if "IWL" not in means:
                return None
            total += c * means["IWL"] * n
        return total / size


def render_all(data: pd.DataFrame):
    """HTML of the network report and of every organisation report that is made (as the batch decides)."""
    scored = rc._scored(data.drop(columns=["form"]), CB)
    scored["form"] = data["form"].to_numpy()
    base = rc.ReportContext("2022-05", scored, None, None, None, MIN, CB)
    out = {None: _report(base)}
    for org in sorted(data["organisation"].unique()):
        if (data["organisation"] == org).sum() < MIN or not base.plan.organisation_published(org):
            continue
        ctx = rc.ReportContext("2022-05", scored, None, None, org, MIN, CB, _plans=dict(base._plans))
        out[org] = _report(ctx)
    return out, scored


def _report(ctx):
    return rs.title_block(ctx) + "".join(s.html for s in (rs.response(ctx), rs.scale_scores(ctx),
                                                          rs.open_answers_section(ctx)))


@pytest.mark.parametrize("build", [round_lone_manager, round_many_small])
def test_no_small_group_is_derivable_from_all_reports_of_a_round(build):
    data = build_data(build())
    reports, scored = render_all(data)
    attacker = Attacker(scored)
    for focus, html in reports.items():
        attacker.read_report(html, focus)
    assert len(attacker.facts) > 10  # the reports still publish plenty
    found = attacker.derivable_small_groups()
    shown = "; ".join(f"{name}: {size} persoon/personen, gemiddelde IWL {mean if mean is None else round(mean, 2)}"
                      for name, (size, mean) in sorted(found.items())[:10])
    assert not found, f"{len(found)} groepen kleiner dan {MIN} af te leiden: {shown}"


def test_the_attacker_finds_the_lone_manager_without_protection():
    """The attack works: with only primary suppression (the old rule), the lone manager's scores come back."""
    data = build_data(round_lone_manager())
    scored = rc._scored(data.drop(columns=["form"]), CB)
    scored["form"] = data["form"].to_numpy()
    attacker = Attacker(scored)
    iwl = scored["IWL"].to_numpy()
    zinn = (scored["organisation"] == "ZINN").to_numpy()
    care = zinn & (scored["role"] == "zorgmedewerker").to_numpy()
    # the two tables the old rule published: the organisation, and its roles with at least MIN people
    attacker.add(lambda o, t, r, f: o == "ZINN", zinn.sum(), {"IWL": iwl[zinn].mean()}, "organisatie")
    attacker.add(lambda o, t, r, f: o == "ZINN" and r == "zorgmedewerker", care.sum(), {"IWL": iwl[care].mean()}, "rol")
    found = attacker.derivable_small_groups()
    size, mean = found["ZINN/organisation=ZINN zonder ZINN/role=zorgmedewerker"]
    assert size == 2  # the manager and the trainer, each alone in a role
    assert mean == pytest.approx(iwl[zinn & ~care].mean())
