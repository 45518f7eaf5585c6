"""Team feedback: one short page per team (team against its organisation), safe against differencing.

``informeel report --round R --teams`` writes, next to each organisation's report, a page per team
with at least ``min_group`` respondents: the team's scale means against its organisation's, the
items on which the team stands out, and the change since the previous round.

Why suppressing small teams is not enough: an organisation report shows the organisation's n and
means, and the team pages show each team's. Subtracting the published teams from the organisation
gives the teams that were left out, together; if those are 1-4 people, their answers are known.
:class:`TeamPlan` therefore also applies *secondary suppression*: while the left-out people of an
organisation number between 1 and ``min_group - 1``, the smallest published team is left out too.
The same check runs per scale and per item (people who skipped a question change the counts).

The plan has the interface of the library's round-wide disclosure plan
(``plan.published("team", team, within=organisation)``); when the report context carries that plan
(``ctx.plan``), team pages use it and this module only adds the per-question check.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..nl import html_table, integer, number, plural, round_label, word_list
from .context import ReportContext, Section

TITLE = "Teams"
ITEM_DIFFERENCE = 0.3
"""Smallest difference (in scale points) between a team's and its organisation's item mean that a team page names."""
MAX_ITEMS = 5


def _slug(name: str) -> str:
    from .batch import slugify

    return slugify(name)


def team_page_path(organisation: str, team: str) -> str:
    """Path of a team page relative to the round folder: ``teams/<organisation>/<team>.html``."""
    return f"teams/{_slug(organisation)}/{_slug(team)}.html"


def published_teams(data: pd.DataFrame, organisation: str, min_group: int) -> list[str]:
    """The teams of ``organisation`` that may be shown: at least ``min_group`` respondents, and the
    left-out rest of the organisation (small teams and respondents without a team) either empty or at
    least ``min_group`` people (secondary suppression of the smallest teams)."""
    org = data[data["organisation"] == organisation]
    sizes = org.groupby("team", dropna=True).size().sort_values()
    shown = [t for t, n in sizes.items() if n >= min_group]
    hidden = len(org) - int(sizes[shown].sum())
    while shown and 0 < hidden < min_group:
        smallest = min(shown, key=lambda t: (sizes[t], str(t)))
        shown.remove(smallest)
        hidden += int(sizes[smallest])
    return sorted(shown, key=str)


@dataclass(frozen=True)
class TeamPlan:
    """Which teams (and which of their per-question figures) may be published in one round.

    ``published("team", team, within=organisation)`` as the round's disclosure plan;
    :meth:`value_shown` decides per team and column (scale or item).
    """

    data: pd.DataFrame = field(repr=False)
    min_group: int
    base: object = field(default=None, repr=False)
    _teams: dict = field(default_factory=dict, repr=False, compare=False)
    _values: dict = field(default_factory=dict, repr=False, compare=False)

    def teams(self, organisation: str) -> list[str]:
        if organisation not in self._teams:
            if self.base is not None:  # the round's audited disclosure plan decides (it covers teams, roles, ...)
                org = self.data[self.data["organisation"] == organisation]
                sizes = org.groupby("team", dropna=True).size()
                own = sorted((t for t, n in sizes.items() if n >= self.min_group
                              and self.base.published("team", t, within=organisation)), key=str)
            else:
                own = published_teams(self.data, organisation, self.min_group)
            self._teams[organisation] = own
        return self._teams[organisation]

    def _organisation(self, organisation: str) -> pd.DataFrame:
        key = ("rows", organisation)
        if key not in self._values:
            self._values[key] = self.data[self.data["organisation"] == organisation]
        return self._values[key]

    def published(self, partition: str, key, *, within=None) -> bool:
        if partition == "team":
            return within is not None and str(key) in {str(t) for t in self.teams(within)}
        if self.base is not None:
            return self.base.published(partition, key, within=within)
        raise ValueError(f"TeamPlan decides on teams only, not on {partition!r}")

    def value_shown(self, organisation: str, column: str) -> set:
        """The published teams whose value of ``column`` may be shown.

        A team's value needs ``min_group`` answers; and the organisation's answers minus the shown
        teams' answers must be 0 or at least ``min_group`` (else the smallest shown team is left out).
        """
        if (organisation, column) in self._values:
            return self._values[(organisation, column)]
        org = self._organisation(organisation)
        answered = org[column].notna()
        counts = answered.groupby(org["team"]).sum()
        shown = [t for t in self.teams(organisation) if counts.get(t, 0) >= self.min_group]
        rest = int(answered.sum()) - int(sum(counts.get(t, 0) for t in shown))
        while shown and 0 < rest < self.min_group:
            smallest = min(shown, key=lambda t: (counts.get(t, 0), str(t)))
            shown.remove(smallest)
            rest += int(counts.get(smallest, 0))
        self._values[(organisation, column)] = set(shown)
        return set(shown)


def team_plan(ctx: ReportContext, data: pd.DataFrame | None = None) -> TeamPlan:
    """The team plan of the context's round (or of ``data``), on top of the round's disclosure plan if it has one."""
    base = getattr(ctx, "plan", None) if data is None else None
    return TeamPlan(ctx.data if data is None else data, ctx.min_group, base)


def team_table(ctx: ReportContext, plan: TeamPlan) -> tuple[pd.DataFrame, int]:
    """Organisation report: per published team its n and scale means (values failing the check as en dash)."""
    org = ctx.focus
    teams = plan.teams(ctx.organisation)
    rows = []
    for t in teams:
        sub = org[org["team"] == t]
        row = {"Team": t, "n": int(len(sub))}
        for s in ctx.scales:
            row[s] = float(sub[s].mean()) if t in plan.value_shown(ctx.organisation, s) else float("nan")
        rows.append(row)
    all_teams = org["team"].dropna().nunique()
    return pd.DataFrame(rows, columns=["Team", "n", *ctx.scales]), int(all_teams - len(teams))


def teams_section(ctx: ReportContext, *, team_pages: bool = False) -> Section:
    """Organisation report: the teams with a page of their own (links), or how to get them."""
    plan = team_plan(ctx)
    teams = plan.teams(ctx.organisation)
    parts = [f"<h2>{TITLE}</h2>"]
    hidden = ctx.focus["team"].dropna().nunique() - len(teams)
    note = (f" {plural(hidden, 'team', 'teams')} {'is' if hidden == 1 else 'zijn'} niet apart getoond: te klein, of "
            "nodig om te voorkomen dat een klein team uit de andere cijfers te herleiden is." if hidden else "")
    if not teams:
        parts.append(f"<p>{html.escape('Geen enkel team is groot genoeg voor eigen cijfers.' + note)}</p>")
    elif team_pages:
        links = "".join(f'<li><a href="{html.escape(team_page_path(ctx.organisation, t))}">{html.escape(str(t))}</a>'
                        f" (n = {integer(int((ctx.focus['team'] == t).sum()))})</li>" for t in teams)
        intro = "Elk team hieronder heeft een eigen korte pagina: het team naast de organisatie." + note
        parts.append(f"<p>{html.escape(intro)}</p>"
                     f'<ul class="teams">{links}</ul>')
    else:
        enough = plural(len(teams), "team heeft", "teams hebben")
        text = (f"{enough} genoeg respondenten voor eigen cijfers (zie Schaalscores). Teampagina’s maakt u met "
                "informeel report --teams." + note)
        parts.append(f"<p>{html.escape(text)}</p>")
    return Section(TITLE, "".join(parts))


# --- the team page ------------------------------------------------------------------------------

def _focus_frame(ctx: ReportContext) -> pd.DataFrame:
    """The organisation's team column, scale scores and items (numeric), sliced once per report."""
    def compute():
        items = [i for s in ctx.scales for i in ctx.codebook.scales[s].item_codes if i in ctx.data.columns]
        return ctx.focus[["team", *ctx.scales, *items]].copy()

    return ctx.memo("team_frame", compute)


def _org_means(ctx: ReportContext) -> pd.Series:
    return ctx.memo("team_org_means", lambda: _focus_frame(ctx).drop(columns="team").mean())

def _scale_rows(ctx, plan, team, team_rows) -> pd.DataFrame:
    rows = []
    for s in ctx.scales:
        if team not in plan.value_shown(ctx.organisation, s):
            continue
        sc = ctx.codebook.scales[s]
        m_team, m_org = float(team_rows[s].mean()), float(_org_means(ctx)[s])
        rows.append({"Schaal": sc.name + ("" if sc.higher_is_better else " (lager is beter)"),
                     "n": int(team_rows[s].notna().sum()), "M team": m_team, f"M {ctx.organisation}": m_org,
                     "Verschil": m_team - m_org})
    return pd.DataFrame(rows)


def _item_rows(ctx, plan, team, team_rows) -> pd.DataFrame:
    rows = []
    for s in ctx.scales:
        sc = ctx.codebook.scales[s]
        for it in sc.items:
            if it.code not in team_rows.columns or team not in plan.value_shown(ctx.organisation, it.code):
                continue
            m_team, m_org = float(team_rows[it.code].mean()), float(_org_means(ctx)[it.code])
            if abs(m_team - m_org) >= ITEM_DIFFERENCE:
                rows.append({"Uitspraak": it.text + (" (omgekeerd geformuleerd)" if it.reverse else ""),
                             "Schaal": sc.name, "M team": m_team, f"M {ctx.organisation}": m_org,
                             "Verschil": m_team - m_org})
    frame = pd.DataFrame(rows, columns=["Uitspraak", "Schaal", "M team", f"M {ctx.organisation}", "Verschil"])
    return frame.reindex(frame["Verschil"].abs().sort_values(ascending=False).index).head(MAX_ITEMS)


def previous_plan(ctx: ReportContext) -> TeamPlan | None:
    """The team plan of the previous round (the change on a team page shows only what that round could publish)."""
    return None if ctx.previous is None else TeamPlan(ctx.previous, ctx.min_group)


def _change_rows(ctx, team, team_rows, now_plan, prev_plan) -> pd.DataFrame:
    if prev_plan is None:
        return pd.DataFrame()
    if ctx.organisation not in set(ctx.previous["organisation"]) or team not in prev_plan.teams(ctx.organisation):
        return pd.DataFrame()
    prev = ctx.previous[(ctx.previous["organisation"] == ctx.organisation) & (ctx.previous["team"] == team)]
    rows = []
    for s in ctx.scales:
        if s not in prev.columns or team not in prev_plan.value_shown(ctx.organisation, s) \
                or team not in now_plan.value_shown(ctx.organisation, s):
            continue
        rows.append({"Schaal": ctx.codebook.scales[s].name, f"M {ctx.previous_round_name}": float(prev[s].mean()),
                     f"M {ctx.round_name}": float(team_rows[s].mean()),
                     "Verschil": float(team_rows[s].mean()) - float(prev[s].mean())})
    return pd.DataFrame(rows)


def team_page_html(ctx: ReportContext, team: str, *, plan: TeamPlan | None = None,
                   prev_plan: TeamPlan | None = None) -> str:
    """The body of one team page (Dutch): scale means against the organisation, standing-out items, change."""
    from .sections import direction_note

    plan = plan or team_plan(ctx)
    prev_plan = prev_plan if prev_plan is not None else previous_plan(ctx)
    if not plan.published("team", team, within=ctx.organisation):
        raise ValueError(f"team {team!r} of {ctx.organisation!r} may not be published")
    frame = _focus_frame(ctx)
    rows = frame[frame["team"] == team]
    depth = team_page_path(ctx.organisation, team).count("/")
    up = "../" * depth
    parts = [f"<h1>{html.escape(str(team))} ({html.escape(ctx.organisation)}), ronde "
             f"{html.escape(round_label(ctx.round_name))}</h1>",
             f'<p class="navigatie"><a href="{up}{_slug(ctx.organisation)}.html">Rapport van '
             f'{html.escape(ctx.organisation)}</a> · <a href="{up}index.html">Alle rapporten van deze ronde</a></p>',
             "<p>" + html.escape(f"Deze pagina zet de antwoorden van {plural(len(rows), 'medewerker', 'medewerkers')} "
                                 f"van "
                                 f"{team} naast die van heel {ctx.organisation}. Bespreek ze samen: waar herkent het "
                                 "team zich in, en wat wil het vasthouden of veranderen? " + direction_note(ctx))
                                 + "</p>"]
    number_ = iter(range(1, 10))
    scales = _scale_rows(ctx, plan, team, rows)
    parts.append("<h2>Schaalscores</h2>" + html_table(
        scales, title=f"{team} en {ctx.organisation}", number=next(number_),
        note="Verschil = team min organisatie; schaal van 1 (helemaal mee oneens) tot 5 (helemaal mee eens). Een "
        "schaal "
             f"zonder regel had in dit team minder dan {ctx.min_group} antwoorden of kan niet veilig getoond worden."))
    items = _item_rows(ctx, plan, team, rows)
    parts.append("<h2>Uitspraken die opvallen</h2>")
    if len(items):
        parts.append(html_table(items, title=f"Uitspraken waarop {team} het meest afwijkt van {ctx.organisation}",
                                number=next(number_), note=f"Alleen verschillen van minstens "
                                f"{number(ITEM_DIFFERENCE, 1)} punt."))
    else:
        parts.append(f"<p>Op geen enkele uitspraak wijkt het team {number(ITEM_DIFFERENCE, 1)} punt of meer af van de "
                     f"organisatie.</p>")
    change = _change_rows(ctx, team, rows, plan, prev_plan)
    parts.append("<h2>Verandering sinds de vorige ronde</h2>")
    if len(change):
        parts.append(html_table(change, title=f"{team} in ronde {ctx.previous_round_name} en {ctx.round_name}",
                                number=next(number_), note="Verschil = nieuwe min vorige ronde (beschrijvend, zonder "
                                "toets: "
                                                           "een team is daarvoor te klein)."))
    else:
        parts.append("<p>Er is geen vorige ronde met genoeg antwoorden van dit team om mee te vergelijken.</p>")
    return "".join(parts)


def write_team_pages(round_name: str, organisation: str, *, data_dir, out_dir, min_group: int = 5,
                     codebook=None) -> list[str]:
    """Write every team page of one organisation (runs in a batch worker); returns the files written."""
    from ..files import atomic_write_text
    from .context import load_context
    from .html import check_offline, page

    ctx = load_context(round_name, data_dir=data_dir, organisation=organisation, min_group=min_group, codebook=codebook)
    plan, prev_plan = team_plan(ctx), previous_plan(ctx)
    written = []
    for team in plan.teams(ctx.organisation):
        body = team_page_html(ctx, team, plan=plan, prev_plan=prev_plan)
        text = page(body, title=f"{team} ({ctx.organisation}), {round_label(round_name)}")
        check_offline(text)
        path = Path(out_dir) / round_name / team_page_path(ctx.organisation, team)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, text)
        written.append(str(path))
    return written


def team_summary(ctx: ReportContext) -> str:
    """One Dutch sentence on the teams shown (for logs and the index)."""
    teams = team_plan(ctx).teams(ctx.organisation)
    pages = plural(len(teams), "teampagina", "teampagina’s")
    return f"{ctx.organisation}: {pages} ({word_list([str(t) for t in teams])})."
