"""The reports as a manager reads them: key messages from the tables, navigation, trends, reading aids,
the Verantwoording last, team pages that cannot be differenced, and the per-organisation bundles.

Reads the session's rendered round (tests/support/rendered.py, rendered with team pages and bundles).
"""

import html
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from informeel_lib.codebook import load_codebook
from informeel_lib.nl import round_label
from informeel_lib.report import batch as reports
from tests.support.rendered import MIN_GROUP, PREVIOUS, ROUND
from tests.support.report_reader import interval, matches, number, numbers_in, read_report

ORGS = ("Interzorg", "Oosterlengte", "Treant", "ZINN", "Zonnehuisgroep Noord", "Zorggroep Meander")


def _names(rendered_round):
    return ["netwerk.html", *(n for n in rendered_round.expected_files if n not in ("index.html", "netwerk.html"))]


@pytest.fixture(scope="module")
def parsed(rendered_round):
    return {name: read_report(rendered_round.html(name)) for name in _names(rendered_round)}


def _messages(report):
    return [s.text for s in report.sentences if s.section == "Kernboodschappen" and s.kind == "li"]


def _same(text, value):
    assert matches(text, value), (text, value)


# --- Kernboodschappen ---------------------------------------------------------------------------------

def test_every_report_opens_with_four_to_six_key_messages(parsed):
    for name, report in parsed.items():
        assert report.sections[0] == "Kernboodschappen", name
        messages = _messages(report)
        assert 4 <= len(messages) <= 6, (name, messages)
        assert all(numbers_in(m.replace(round_label(ROUND), "").replace(round_label(PREVIOUS),
                                                                        "")) for m in messages), name


def test_difference_messages_are_the_benchmark_table(parsed):
    checked = 0
    for name, report in parsed.items():
        if name == "netwerk.html":
            continue
        organisation = report.title.split(" en het netwerk")[0]
        table = report.table(f"Gemiddelde scores: {organisation} en de rest van het netwerk")
        for text in _messages(report):
            m = re.match(r"(.+?): (.+?) scoort (hoger|lager) dan de rest van het netwerk(?: \(bij deze schaal is lager "
                         r"beter\))?, (\S+) tegen (\S+) \(verschil (\S+); 95%-BI (\S+) tot (\S+); g = ([^)]+)\)", text)
            if not m:
                continue
            scale, _, word, mine, rest, diff, low, high, g = m.groups()
            row = table.row(scale)
            _same(mine, number(row["M"]))
            _same(rest, number(row["M (rest van het netwerk)"]))
            _same(diff, number(row["Verschil"]))
            assert (number(low), number(high)) == interval(row["95%-BI"])
            _same(g, number(row["g"]))
            assert (word == "hoger") == (number(diff) > 0)
            assert number(low) > 0 or number(high) < 0  # only clear differences are named
            assert abs(number(g)) >= 0.2
            checked += 1
    assert checked >= 3


def test_no_clear_difference_is_left_out_of_the_summary(parsed):
    """Every scale whose interval excludes 0 with |g| >= 0,2 is named (up to three, the strongest)."""
    for name, report in parsed.items():
        if name == "netwerk.html":
            continue
        table = report.table("Gemiddelde scores:")
        clear = sorted((abs(number(r["g"])), r["Schaal"]) for r in table.records()
                       if (interval(r["95%-BI"])[0] > 0 or interval(r["95%-BI"])[1] < 0) and abs(number(r["g"])) >= 0.2)
        named = {m.split(":")[0] for m in _messages(report) if " scoort " in m}
        expected = {s for _, s in clear[::-1][:3]}
        # ties in the printed g may order either way; the set of the strongest must match otherwise
        assert named == expected or len(clear) > 3, (name, named, expected)
        if not clear:
            assert any("verschilt op geen enkele schaal duidelijk" in m for m in _messages(report)), name


def test_change_and_model_messages_are_their_tables(parsed):
    checked = 0
    for name, report in parsed.items():
        messages = _messages(report)
        change = [m for m in messages if m.startswith(f"Sinds {round_label(PREVIOUS)}")]
        assert len(change) == 1, (name, messages)
        table = report.table(f"Gemiddelde scores in ronde {PREVIOUS} en {ROUND}")
        moves = re.findall(r"(gestegen|gedaald) van (\S+) naar (\S+) \(p ([=<]) (\S+); d = (\S+);", change[0])
        rows = {r["Schaal"].lower(): r for r in table.records()}
        for word, frm, to, _, p, d in moves:
            (row,) = [r for name, r in rows.items() if f"{name} {word} van {frm} naar {to}" in change[0]]
            _same(frm, number(row[f"M ({PREVIOUS})"]))
            _same(to, number(row[f"M ({ROUND})"]))
            _same(d, number(row["d"]))
            assert p == row["p"].replace("< ",
                                         "") and number(row["p"]) <= 0.05 and abs(number(d)) >= 0.2  # ,050 may be < ,05
            assert (word == "gestegen") == (number(row["Verschil"]) > 0)
            checked += 1
        if not moves:  # no clear change: the sentence names the largest one, from the same table
            m = re.search(r"de grootste, bij (.+?) \((\S+) naar (\S+); d = (\S+)\)", change[0])
            row = rows[m.group(1)]
            _same(m.group(2), number(row[f"M ({PREVIOUS})"]))
            _same(m.group(3), number(row[f"M ({ROUND})"]))
            _same(m.group(4), number(row["d"]))
            assert max(abs(number(r["d"])) for r in rows.values()) == abs(number(row["d"]))
            checked += 1
        model = [m for m in messages if m.startswith("Netwerkbreed")]
        assert len(model) == 1 and "netwerk als geheel" in model[0]
        effects = report.table("Effecten op informeel leergedrag")
        sym = effects.headers[1]
        quoted = re.findall(rf"\({sym} = (\S+)\)", model[0])
        named = [r for r in effects.records() if f"{r['Factor'].lower()} ({sym} = {r[sym]})" in model[0].lower()]
        assert quoted and len(named) == len(quoted), (model[0], named)
        for row in named:  # named factors: their interval excludes 0
            assert number(row["95%-BI laag"]) > 0 or number(row["95%-BI hoog"]) < 0
            checked += 1
    assert checked >= 7


def test_response_message_is_the_response_table(parsed, rendered_round):
    for name, report in parsed.items():
        message = _messages(report)[0]
        table = report.table("Respondenten per organisatie")
        if name == "netwerk.html":
            total = sum(number(n) for n in table.column("n"))
            assert f"vulden {total} medewerkers uit {len(table.rows)} organisaties" in message.replace(".", "")
        else:
            org = report.title.split(" en het netwerk")[0]
            assert f"vulden {table.cell(org, 'n')} medewerkers van {org}" in message


# --- navigation and structure ----------------------------------------------------------------------------

def test_table_of_contents_links_resolve_and_lead_home(rendered_round):
    for name in _names(rendered_round):
        text = rendered_round.html(name)
        toc = re.search(r'<nav\b[^>]*class="inhoud"[^>]*>.*?</nav>', text, re.S).group(0)
        targets = re.findall(r'href="#([^"]+)"', toc)
        assert len(targets) >= 8, name
        ids = set(re.findall(r'\bid="([^"]+)"', text))
        assert set(targets) <= ids, (name, set(targets) - ids)
        assert 'href="index.html"' in text and 'href="../index.html"' in text
        # the contents list every h2 section after the key messages, in order
        report = read_report(text)
        listed = [html.unescape(t) for t in re.findall(r'<a href="#[^"]+">([^<]+)</a>', toc)]
        assert listed == list(report.sections), name


def test_verantwoording_is_last_and_holds_the_technical_parts(parsed):
    for name, report in parsed.items():
        assert report.sections[-1] == "Verantwoording", name
        technical = [t for t in report.tables if re.search(r"CFI|ICC|α \(", " ".join(t.headers))]
        assert technical and all(t.section == "Verantwoording" for t in technical), name
        assert report.table("Effecten op informeel leergedrag").section == "Verantwoording"
        # the reader-facing influence section keeps its figure, labelled as network-wide
        assert report.figures_in("Invloedsfactoren")
        assert "Netwerkbreed:" in report.text_of("Invloedsfactoren")


def test_every_section_says_what_it_means_for_practice(parsed):
    for name, report in parsed.items():
        for section in report.sections[1:]:
            if section.startswith(("Kernboodschappen",)):
                continue
            assert "Voor de praktijk:" in report.text_of(section), (name, section)


def test_negative_scales_say_lower_is_better(parsed):
    negative = [s.name for s in load_codebook().scales.values() if not s.higher_is_better]
    assert negative  # the demo codebook has one (direction: negative)
    for name, report in parsed.items():
        text = report.text_of("Schaalscores")
        for scale in negative:
            assert f"Bij {scale} is een lagere score gunstiger" in text, name
            if name != "netwerk.html":
                assert f"{scale}: " in text and "(lager is beter)" in text


# --- trends over all rounds ------------------------------------------------------------------------------

def test_trend_figure_has_one_point_per_round_and_scale(parsed, rendered_round):
    rounds = sorted(p.stem for p in rendered_round.data.glob("*.parquet") if p.stem <= ROUND)
    assert len(rounds) >= 2
    scales = [s.name for s in load_codebook().scales.values()]
    for name, report in parsed.items():
        (figure,) = report.figures_in("Ontwikkeling over de rondes")
        pieces = figure.pieces()
        for scale in scales:
            mine = [p for p in pieces if p.startswith(f"{scale}, ronde ")]
            assert [p.split(", ronde ")[1].split(":")[0] for p in mine] == rounds, (name, scale)
        table = report.table("Gemiddelde scores per ronde")
        focus = "netwerk" if name == "netwerk.html" else report.title.split(" en het netwerk")[0]
        for r in rounds:  # the figure's values are the table's (one decimal against two)
            for piece in pieces:
                scale, rest = piece.split(", ronde ", 1)
                if not rest.startswith(r):
                    continue
                mean = re.search(rf"{re.escape(focus)} (\S+) \(95%-BI", rest).group(1)
                cell = table.cell(scale, f"{focus} {r}")
                assert matches(mean, number(cell.split(" [")[0])), (name, piece, cell)


def test_trend_means_are_the_data(rendered_round, parsed):
    from informeel_lib.analysis.scoring import score_scales

    report = parsed["zinn.html"]
    table = report.table("Gemiddelde scores per ronde")
    for r in (PREVIOUS, ROUND):
        data = pd.read_parquet(rendered_round.data / f"{r}.parquet")
        scores = score_scales(data)
        mine = scores[data["organisation"] == "ZINN"]
        rest = scores[data["organisation"] != "ZINN"]
        for code, scale in load_codebook().scales.items():
            _same(table.cell(scale.name, f"ZINN {r}").split(" [")[0], mine[code].mean())
            _same(table.cell(scale.name, f"rest {r}").split(" [")[0], rest[code].mean())


def test_paired_changes_use_only_the_same_people(rendered_round, parsed):
    from informeel_lib.analysis.scoring import score_scales

    frames = {}
    for r in (PREVIOUS, ROUND):
        data = pd.read_parquet(rendered_round.data / f"{r}.parquet")
        frames[r] = pd.concat([data[["organisation", "respondent"]], score_scales(data)], axis=1)
    a = frames[PREVIOUS][frames[PREVIOUS]["organisation"] == "ZINN"].set_index("respondent")
    b = frames[ROUND][frames[ROUND]["organisation"] == "ZINN"].set_index("respondent")
    common = a.index.intersection(b.index)
    table = parsed["zinn.html"].table("Verandering bij dezelfde medewerkers")
    for row in table.records():
        code = next(c for c, s in load_codebook().scales.items() if s.name == row["Schaal"])
        diff = (b.loc[common, code] - a.loc[common, code]).dropna()
        assert number(row["n"]) == len(diff) >= MIN_GROUP
        _same(row["Verschil"], diff.mean())


# --- team pages and differencing ---------------------------------------------------------------------------

def _team_pages(rendered_round, org):
    folder = rendered_round.reports / ROUND / "teams" / reports.slugify(org)
    return {p: read_report(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.html"))}


def test_team_pages_exist_for_safe_teams_only_and_are_linked(rendered_round):
    data = pd.read_parquet(rendered_round.data / f"{ROUND}.parquet")
    for org in ORGS:
        sizes = data[data["organisation"] == org].groupby("team").size()
        pages = _team_pages(rendered_round, org)
        titles = {r.title.split(f" ({org})")[0] for r in pages.values()}
        assert titles and titles <= set(sizes[sizes >= MIN_GROUP].index), org
        report_text = rendered_round.html(f"{reports.slugify(org)}.html")
        for path in pages:
            rel = path.relative_to(rendered_round.reports / ROUND).as_posix()
            assert f'href="{rel}"' in report_text, (org, rel)
        for team, n in sizes.items():  # no small team name on any of the organisation's pages
            if n < MIN_GROUP:
                for path in pages:
                    assert html.escape(str(team)) not in path.read_text(encoding="utf-8"), (org, team)


def _counts_from(report, header_scale, table_title, n_col):
    table = report.table(table_title)
    return {row[header_scale]: number(row[n_col]) for row in table.records()}


def test_differencing_organisation_and_team_figures_finds_no_small_group(rendered_round, parsed):
    """The attack: subtract every team's published n (per scale) from the organisation's n; the rest must be
    empty or at least the minimum. Also with the team table of the organisation report, and over all teams."""
    attacked = 0
    for org in ORGS:
        report = parsed[f"{reports.slugify(org)}.html"]
        org_n = _counts_from(report, "Schaal", "Gemiddelde scores:", "n")
        pages = _team_pages(rendered_round, org)
        team_n = {}
        for page in pages.values():
            for row in page.tables[0].records():
                scale = row["Schaal"].replace(" (lager is beter)", "")
                team_n.setdefault(scale, []).append(number(row["n"]))
        for scale, n in org_n.items():
            rest = n - sum(team_n.get(scale, []))
            assert rest == 0 or rest >= MIN_GROUP, (org, scale, n, team_n.get(scale))
            attacked += 1
        # the team table of the organisation report: total n per team against the organisation's respondents
        table = report.table(f"Gemiddelde score per team in {org}")
        respondents = number(report.table("Respondenten per organisatie").cell(org, "n"))
        rest = respondents - sum(number(x) for x in table.column("n"))
        assert rest == 0 or rest >= MIN_GROUP, (org, rest)
        assert set(table.keys()) == {p.title.split(f" ({org})")[0] for p in pages.values()}
    assert attacked >= 6 * 10


def test_team_page_numbers_are_the_data(rendered_round):
    from informeel_lib.analysis.scoring import score_scales

    data = pd.read_parquet(rendered_round.data / f"{ROUND}.parquet")
    scores = pd.concat([data[["organisation", "team"]], score_scales(data)], axis=1)
    org = "ZINN"
    mine = scores[scores["organisation"] == org]
    page_path, page = next(iter(_team_pages(rendered_round, org).items()))
    team = page.title.split(f" ({org})")[0]
    table = page.tables[0]
    for row in table.records():
        code = next(c for c, s in load_codebook().scales.items() if row["Schaal"].startswith(s.name))
        team_scores = mine[mine["team"] == team][code]
        assert number(row["n"]) == team_scores.notna().sum()
        _same(row["M team"], team_scores.mean())
        _same(row[f"M {org}"], mine[code].mean())
    assert "../../zinn.html" in page_path.read_text(encoding="utf-8")


# --- bundles ----------------------------------------------------------------------------------------

def test_each_organisation_bundle_holds_only_its_own_reports(rendered_round):
    folder = rendered_round.reports / ROUND / "bundels"
    bundles = sorted(folder.glob("*.zip"))
    assert [b.stem for b in bundles] == sorted(reports.slugify(o) for o in ORGS)
    for path in bundles:
        org_slug = path.stem
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            assert {"index.html", f"{org_slug}.html", "netwerk.html"} <= names
            others = {f"{reports.slugify(o)}.html" for o in ORGS} - {f"{org_slug}.html"}
            assert not names & others
            assert all(n.startswith(f"teams/{org_slug}/") for n in names - {"index.html", f"{org_slug}.html",
                                                                            "netwerk.html"})
            assert len(names) > 3  # its team pages are there
            index = zf.read("index.html").decode("utf-8")
            links = set(re.findall(r'href="([^"]+)"', index))
            assert links == names - {"index.html"}
            for name in names:  # every relative link inside the bundle resolves inside it
                if not name.endswith(".html"):
                    continue
                text = zf.read(name).decode("utf-8")
                base = Path(name).parent
                for href in re.findall(r'href="([^"#][^"]*)"', text):
                    target = (base / href).as_posix()
                    parts = []
                    for piece in target.split("/"):
                        if piece == "..":
                            parts.pop()
                        elif piece != ".":
                            parts.append(piece)
                    assert "/".join(parts) in names, (path.name, name, href)


def test_network_spread_message_is_the_per_organisation_table(parsed):
    report = parsed["netwerk.html"]
    outcome = load_codebook().research_model.outcome
    table = report.table("Gemiddelde score per organisatie")
    (message,) = [m for m in _messages(report) if "lopen de organisaties uiteen" in m]
    low, low_org, high, high_org = re.search(r"uiteen van (\S+) \((.+?)\) tot (\S+) \((.+?)\);", message).groups()
    column = [number(x) for x in table.column(outcome)]
    assert table.cell(low_org, outcome) == low and number(low) == min(column)
    assert table.cell(high_org, outcome) == high and number(high) == max(column)


def test_every_n_on_team_pages_reaches_the_minimum(rendered_round):
    checked = 0
    for org in ORGS:
        for path, page in _team_pages(rendered_round, org).items():
            for table in page.tables:
                for row in table.records():
                    if "n" in row:
                        assert number(row["n"]) >= MIN_GROUP, (path.name, row)
                        checked += 1
    assert checked > 50


def test_round_links_connect_the_same_report_across_rendered_rounds(tmp_path):
    import json

    from informeel_lib.report.layout import ROUND_LINKS, fill_round_links

    for r, orgs in (("2021-11", ["ZINN", None]), ("2022-05", ["ZINN", "Treant", None])):
        folder = tmp_path / r
        folder.mkdir()
        entries = []
        for org in orgs:
            name = "netwerk.html" if org is None else f"{org.lower()}.html"
            # attributes as nbconvert's sanitiser writes them (reordered): the placeholder is still found
            (folder / name).write_text(f"<h1>{org}</h1>" + ROUND_LINKS.replace('class="rondes"', 'aria-label="x" '
                                                                               'class="rondes"'),
                                       encoding="utf-8")
            entries.append({"organisatie": org, "bestand": name})
        (folder / "rapporten.json").write_text(json.dumps({"ronde": r, "rapporten": entries}), encoding="utf-8")
    assert fill_round_links(tmp_path) == 5
    newer = (tmp_path / "2022-05" / "zinn.html").read_text(encoding="utf-8")
    older = (tmp_path / "2021-11" / "zinn.html").read_text(encoding="utf-8")
    assert 'href="../2021-11/zinn.html"' in newer and 'href="../2022-05/zinn.html"' in older
    assert "treant" not in older  # only the same organisation's report
    assert 'href="../2021-11/treant.html"' not in (tmp_path / "2022-05" / "treant.html").read_text(encoding="utf-8")
    assert 'href="../2021-11/netwerk.html"' in (tmp_path / "2022-05" / "netwerk.html").read_text(encoding="utf-8")
    for path in tmp_path.rglob("*.html"):  # every link resolves
        for href in re.findall(r'href="([^"]+)"', path.read_text(encoding="utf-8")):
            assert (path.parent / href).resolve().exists(), (path, href)
    assert fill_round_links(tmp_path) == 0  # idempotent
