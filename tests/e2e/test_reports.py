"""Batch rendering of the per-round reports: offline HTML, privacy, suppression, index pages, failures.

A session-scoped fixture writes the synthetic network, cleans two rounds and renders one round
once (shared between xdist workers through a file lock); the tests read the HTML it produced.
"""

import html
import re

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from informeel_lib import cli
from informeel_lib.codebook import load_codebook
from informeel_lib.errors import Failure
from informeel_lib.nl import date
from informeel_lib.privacy import scrub_text
from informeel_lib.report import batch as reports
from informeel_lib.report.context import round_plan
from informeel_lib.report.html import ExportError, check_offline, external_urls, notebook_to_html, strip_notebook
from informeel_lib.report.quotes import approval_path, read_approvals
from tests.support.rendered import MIN_GROUP, PREVIOUS, ROUND, SEED, cell_int, tables  # noqa: F401


def test_every_report_and_both_index_pages_are_written(rendered_round):
    assert rendered_round.ok
    out = rendered_round.reports / ROUND
    for name in rendered_round.expected_files:
        assert (out / name).stat().st_size > 1000, name
    assert (rendered_round.reports / "index.html").exists()
    assert len(rendered_round.expected_files) == 2 + 6  # index, network, six organisations


def test_html_has_no_code_no_scripts_and_no_external_urls(rendered_round):
    for name, text in rendered_round.all_html().items():
        assert "<script" not in text.lower(), name
        assert external_urls(text) == [], name
        assert "http://" not in text and "https://" not in text, name
        for code in ("report_sections", "load_context", "display(", "import ", "gedeeld_pad", "jp-InputArea",
                     "input_area", "In&nbsp;["):
            assert code not in text, (name, code)
        assert "application/vnd.jupyter.widget" not in text, name
        assert '<html lang="nl">' in text


def test_no_identifiers_pseudonyms_or_personal_codes(rendered_round):
    truth = rendered_round.truth
    planted = [i["planted"] for r in truth["per_round"].values() for i in r["dirt"]["identifiers_in_open_answers"]]
    kinds = {i["kind"] for r in truth["per_round"].values() for i in r["dirt"]["identifiers_in_open_answers"]}
    assert planted and kinds == {"email", "phone", "name", "script"}
    codes = {c for r in truth["per_round"].values() for c in r["answers"]}
    assert len(codes) > 500
    processed = pd.read_parquet(rendered_round.data / f"{ROUND}.parquet")
    for name, text in rendered_round.all_html().items():
        for value in planted:
            assert value not in text and html.escape(value) not in text, (name, value)
        assert not re.search(r"\bp-[0-9a-f]{12}\b", text), name
        assert not codes & set(re.findall(r"\w+", text)), name  # no personal code as a word
        for source in set(processed["source_file"]):
            assert source not in text, (name, source)


def test_every_n_in_every_table_reaches_the_minimum(rendered_round):
    checked = 0
    for name, text in rendered_round.all_html().items():
        for headers, rows in tables(text):
            n_cols = [i for i, h in enumerate(headers) if h == "n" or h.startswith("n (")]
            for row in rows:
                for i in n_cols:
                    value = cell_int(row[i])
                    assert value is not None and value >= MIN_GROUP, (name, headers, row)
                    checked += 1
                for cell in row:  # counts below the minimum only ever appear masked
                    assert not re.fullmatch(r"< ?\d+", cell) or cell == f"< {MIN_GROUP}", (name, row)
    assert checked > 100


def test_small_teams_and_roles_never_appear(rendered_round):
    data = pd.read_parquet(rendered_round.data / f"{ROUND}.parquet")
    sizes = data.groupby(["organisation", "team"]).size()
    plan = round_plan(data, min_group=MIN_GROUP, codebook=load_codebook())  # the rendered round is the demo
    shown_names = set(sizes[sizes >= MIN_GROUP].index.get_level_values("team"))
    hidden = 0
    for org in sizes.index.get_level_values("organisation").unique():
        text = rendered_round.html(f"{reports.slugify(org)}.html")
        team_cells = {row[0] for headers, rows in tables(text) if headers and headers[0] == "Team" for row in rows}
        large = set(sizes[org][sizes[org] >= MIN_GROUP].index)
        expected = {t for t in large if plan.published("team", t, within=org)}
        assert team_cells == expected, org  # the large teams that the disclosure plan lets through
        assert len(expected) >= len(large) - 3, org  # secondary suppression hides only a few more
        for team, n in sizes[org].items():
            if n < MIN_GROUP and team not in shown_names:
                assert html.escape(team) not in text, (org, team, n)
                hidden += 1
        roles = data[data["organisation"] == org]["role"].value_counts()
        role_rows = [row for headers, rows in tables(text) if headers and headers[0] == "Rol" for row in rows]
        labels = load_codebook().value_labels("role")  # rows name roles by their codebook label, not the code
        assert {r[0] for r in role_rows} == {labels[r] for r in roles[roles >= MIN_GROUP].index
                                             if plan.published("role", r, within=org)}, org
    assert hidden > 0  # the synthetic network does have small teams


def test_index_lists_every_report_with_n_and_date(rendered_round):
    counts = reports.organisation_counts(rendered_round.data, ROUND)
    index = rendered_round.html("index.html")
    (headers, rows), = tables(index)
    assert headers == ["Rapport", "n", "Gemaakt op"]
    # the date the reports were rendered on (not today's: the session fixture may have run before midnight)
    rendered_on = {date(day) for day in rendered_round.built_on}
    listed = {}
    for title, n, made_on in rows:
        assert made_on in rendered_on
        listed[title] = cell_int(n)
    assert listed.pop("Netwerkrapport mei 2022") == sum(counts.values())
    assert listed == {f"{org} en het netwerk, mei 2022": n for org, n in counts.items()}
    for org in counts:
        assert f'href="{reports.slugify(org)}.html"' in index
    top = (rendered_round.reports / "index.html").read_text(encoding="utf-8")
    assert f'href="{ROUND}/index.html"' in top and all(f'{ROUND}/{reports.slugify(o)}.html' in top for o in counts)


def test_organisation_report_compares_with_the_rest_in_dutch(rendered_round):
    from informeel_lib.analysis.scoring import score_scales

    data = pd.read_parquet(rendered_round.data / f"{ROUND}.parquet")
    scores = score_scales(data)
    org = "ZINN"
    mine, rest = scores[data["organisation"] == org], scores[data["organisation"] != org]
    text = rendered_round.html("zinn.html")
    for code, name in (("REFL", "Reflectie op het werk"), ("IWL", "Informeel leergedrag")):
        a, b = f"{mine[code].mean():.1f}".replace(".", ","), f"{rest[code].mean():.1f}".replace(".", ",")
        assert f"{name}: {org} {a}, rest van het netwerk {b}" in text
    for section in ("Kernboodschappen", "Respons", "Schaalscores", "Verandering sinds de vorige ronde",
                    "Invloedsfactoren", "Open antwoorden", "Verantwoording"):
        assert f"<h2>{section}</h2>" in text
    for part in ("Betrouwbaarheid", "Factorstructuur"):  # technical parts of the Verantwoording
        assert f"<h3>{part}</h3>" in text
    assert "ronde 2021-11" in text  # the change section found the previous round
    assert re.search(r"CFI = ,\d{3}", text)  # APA: no leading zero, decimal comma


def test_figures_are_embedded_png_with_alt_text(rendered_round):
    for name in ("netwerk.html", "zinn.html"):
        imgs = re.findall(r"<img\b[^>]*>", rendered_round.html(name))
        assert len(imgs) >= 2
        for tag in imgs:
            assert re.search(r'alt="[^"]{20,}"', tag), tag[:200]
            assert 'src="data:image/png;base64,' in tag


def test_reports_show_only_the_quotes_a_researcher_approved_escaped(rendered_round):
    # the fixture wrote the demo's approval file (informeel_lib.report.quotes.approve_for_demo)
    approvals = read_approvals(approval_path(rendered_round.data, ROUND), round_name=ROUND)
    assert approvals.approved() and len(approvals.approved()) < len(approvals.quotes)
    for name, org in (("netwerk.html", None), ("zinn.html", "ZINN")):
        text = rendered_round.html(name)
        allowed = {scrub_text(q.text) for q in approvals.approved(org)}
        quotes = re.findall(r'<blockquote class="citaat">(.*?) <em>\((\w+)\)</em></blockquote>', text, re.S)
        assert 3 <= len(quotes) <= 6, name
        assert {html.unescape(q) for q, _ in quotes} <= allowed, name  # approved (of this organisation) only
        assert len(re.findall(r"<blockquote", text)) == len(quotes)
        for q, _ in quotes:
            assert "<" not in q and "@" not in q  # escaped: no markup from respondents
        assert "door een onderzoeker gelezen en goedgekeurd" in text
        assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", text)  # no e-mail address (the CSS's @page is none)
    not_approved = {q.text for q in approvals.quotes if not q.approved} - {q.text for q in approvals.approved()}
    assert not any(q in html.unescape(page) for q in not_approved for page in rendered_round.all_html().values())


def test_cli_renders_one_organisation_and_reuses_the_round_cache(rendered_round, tmp_path, capsys):
    cache = reports.shared_cache_path(rendered_round.data, ROUND)
    before = cache.stat().st_mtime_ns
    code = cli.main(["report", "--round", ROUND, "--org", "zinn ", "--data", str(rendered_round.data),
                     "--out", str(tmp_path), "--jobs", "1"])
    assert code == 0
    assert cache.stat().st_mtime_ns == before  # the network-wide models were not recomputed
    assert sorted(p.name for p in (tmp_path / ROUND).glob("*.html")) == ["index.html", "zinn.html"]
    assert "1 van 1 rapporten" in capsys.readouterr().err
    assert cli.main(["report", "--round", ROUND, "--org", "Onbekend", "--data", str(rendered_round.data),
                     "--out", str(tmp_path)]) == 2


def test_a_failing_report_does_not_stop_the_others(rendered_round, tmp_path, capsys):
    book = new_notebook(cells=[
        new_code_cell("ronde = None\norganisatie = None\ndata_map = None\nmin_groep = 5\ninteractief = True\n"
                      "gedeeld_pad = None", metadata={"tags": ["parameters"]}),
        new_code_cell("if organisatie == 'Treant':\n    raise ValueError('kapot met opzet')\n"
                      "from IPython.display import HTML, display\ndisplay(HTML(f'<h1>{organisatie}</h1>'))"),
    ])
    book.metadata["kernelspec"] = {"name": "informeel", "display_name": "informeel", "language": "python"}
    nb_path = tmp_path / "proef.ipynb"
    nbformat.write(book, str(nb_path))
    cfg = reports.load_config()
    cfg["notebook"] = str(nb_path)
    ok = reports.render_round(ROUND, data_dir=rendered_round.data, out_dir=tmp_path / "out", jobs=2, config=cfg,
                              progress=False)
    err = capsys.readouterr().err
    assert ok is False
    assert "Mislukte rapporten (1)" in err and "Treant" in err and "ValueError: kapot met opzet" in err
    written = sorted(p.name for p in (tmp_path / "out" / ROUND).glob("*.html"))
    assert "treant.html" not in written and "zinn.html" in written and "netwerk.html" in written
    assert "treant.html" not in (tmp_path / "out" / ROUND / "index.html").read_text(encoding="utf-8")


def _section(text: str, heading: str) -> str:
    """The HTML of one report section: from its <h2> to the next <h2>."""
    return text.split(f"<h2>{heading}</h2>", 1)[1].split("<h2>", 1)[0]


def _alts(text: str) -> list[str]:
    return [html.unescape(a) for a in re.findall(r'<img alt="([^"]*)"', text)]


def _nl(x: float, decimals: int = 1, sign: bool = False) -> str:
    """Independent Dutch formatting for the expectations: decimal comma, U+2212 minus."""
    text = f"{abs(x):.{decimals}f}".replace(".", ",")
    if float(text.replace(",", ".")) == 0:
        return text
    return ("\u2212" if x < 0 else ("+" if sign else "")) + text


def _scored_rounds(rendered_round):
    from informeel_lib.analysis.scoring import score_scales

    out = {}
    for r in (PREVIOUS, ROUND):
        data = pd.read_parquet(rendered_round.data / f"{r}.parquet")
        out[r] = pd.concat([data[["organisation", "round"]], score_scales(data)], axis=1), data
    return out


def test_organisation_scale_scores_figure_benchmarks_against_the_rest(rendered_round):
    from scipy import stats

    from informeel_lib.codebook import load_codebook

    scores, _ = _scored_rounds(rendered_round)[ROUND]
    org, rest = scores[scores["organisation"] == "ZINN"], scores[scores["organisation"] != "ZINN"]
    alts = _alts(_section(rendered_round.html("zinn.html"), "Schaalscores"))
    bench = [a for a in alts if "rest van het netwerk" in a]
    assert len(bench) == 1, alts
    alt = bench[0]

    def mean_ci(x):
        x = x.dropna()
        half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / len(x) ** 0.5
        return f"{_nl(x.mean())} (95%-BI {_nl(x.mean() - half)} tot {_nl(x.mean() + half)})"

    for code, scale in load_codebook().scales.items():  # both groups, with their intervals, for every scale
        assert f"{scale.name}: ZINN {mean_ci(org[code])}, rest van het netwerk {mean_ci(rest[code])}" in alt
    # the network report keeps its per-organisation dot plot
    net = _alts(_section(rendered_round.html("netwerk.html"), "Schaalscores"))
    assert len(net) == 1 and "per organisatie" in net[0] and "rest van het netwerk" not in net[0]


def test_network_change_per_organisation_table_and_sentences(rendered_round):
    from informeel_lib.codebook import load_codebook
    from informeel_lib.report.sections import scale_name

    cb = load_codebook()
    rounds = _scored_rounds(rendered_round)
    (prev, _), (cur, _) = rounds[PREVIOUS], rounds[ROUND]
    section = _section(rendered_round.html("netwerk.html"), "Verandering sinds de vorige ronde")
    scales = cb.core_scales  # the scales of the research question, in codebook order
    assert set(scales) == {"IWL", "REFL", "EXPR", "LEID", "ZICHT"}
    (headers, rows), = [t for t in tables(section) if t[0][:1] == ["Organisatie"]]
    assert headers == ["Organisatie", f"n ({PREVIOUS})", f"n ({ROUND})", *scales]
    n_prev, n_cur = prev.groupby("organisation").size(), cur.groupby("organisation").size()
    expected_orgs = sorted(o for o in n_cur.index if n_prev.get(o, 0) >= MIN_GROUP and n_cur[o] >= MIN_GROUP)
    assert [r[0] for r in rows] == expected_orgs + ["netwerk"]
    starred = []
    for row in rows:
        o = row[0]
        a, b = (prev, cur) if o == "netwerk" else (prev[prev["organisation"] == o], cur[cur["organisation"] == o])
        assert (cell_int(row[1]), cell_int(row[2])) == (len(a), len(b))
        for code, cell in zip(scales, row[3:]):
            assert cell.rstrip("*") == _nl(b[code].mean() - a[code].mean(), 2, sign=True), (o, code, cell)
            if cell.endswith("*"):
                starred.append((o, code))
    assert starred  # the synthetic network has a significant change somewhere
    text = html.unescape(section.split("<h3>Verandering per organisatie</h3>", 1)[1].split("<table", 1)[0])
    for o, code in starred:  # every significant change is named in a Dutch sentence
        sentence = re.search(rf"{scale_name(code, cb)} veranderde sinds {PREVIOUS} duidelijk in ([^.]*\.[^.]*)", text)
        assert sentence and o in sentence.group(1), (o, code, text)
    quiet = [scale_name(c, cb) for c in scales if c not in {c for _, c in starred}]
    assert re.search("Op .*" + re.escape(quiet[-1]) + " veranderde geen enkele organisatie duidelijk", text)
    assert "Verandering per organisatie" not in rendered_round.html("zinn.html")  # own change only


def test_open_answers_per_organisation_with_shares_and_frequent_words(rendered_round):
    from informeel_lib.analysis.textcoding import stopwords
    from informeel_lib.report.sections import WEAK_WORDS

    _, data = _scored_rounds(rendered_round)[ROUND]
    answered = data[data["OPEN_VOORBEELD"].fillna("").str.strip() != ""]
    per_org = answered.groupby("organisation").size()
    forms = ["zelfgestuurd", "incidenteel", "tacit", "geen vorm"]
    for name, groups in (("netwerk.html", {**per_org.to_dict(), "netwerk": len(answered)}),
                         ("zinn.html", {"ZINN": per_org["ZINN"],
                                        "rest van het netwerk": len(answered) - per_org["ZINN"]})):
        section = _section(rendered_round.html(name), "Open antwoorden")
        (headers, rows), = [t for t in tables(section) if t[0][:2] == ["Groep", "n"] and "tacit" in t[0]]
        assert headers == ["Groep", "n", *forms]
        assert {r[0]: cell_int(r[1]) for r in rows} == {g: n for g, n in groups.items() if n >= MIN_GROUP}
        for row in rows:
            n, counts = cell_int(row[1]), []
            for cell in row[2:]:
                m = re.fullmatch(r"(\d+) \((\d+)%\)", cell)
                assert m or cell == f"< {MIN_GROUP}", cell
                if m:
                    assert int(m.group(2)) == round(100 * int(m.group(1)) / n)  # share of the group's answers
                    counts.append(int(m.group(1)))
            if len(counts) == len(forms):
                assert sum(counts) == n  # every answer: one form or none
        (headers, rows), = [t for t in tables(section) if t[0] == ["Groep", "n", "Meest genoemde woorden"]]
        assert [r[0] for r in rows] == [r0 for r0 in groups if groups[r0] >= MIN_GROUP]
        for row in rows:
            words = re.findall(r"([^;()]+?) \((\d+)%\)", row[2])
            assert 1 <= len(words) <= 5, row
            assert not {w.strip() for w, _ in words} & (WEAK_WORDS | stopwords())
    net = tables(_section(rendered_round.html("netwerk.html"), "Open antwoorden"))[0][1]
    assert net[-1][0] == "netwerk" and len(net) > 3  # per organisation, then the total


def test_item_distributions_are_diverging_bars_with_alt_text(rendered_round):
    from informeel_lib.codebook import load_codebook

    cb = load_codebook()
    _, data = _scored_rounds(rendered_round)[ROUND]
    for name, sub in (("netwerk.html", data), ("zinn.html", data[data["organisation"] == "ZINN"])):
        section = _section(rendered_round.html(name), "Antwoorden per item")
        alts = _alts(section)
        assert len(alts) == 5 and len(re.findall(r'src="data:image/png;base64,', section)) == 5
        for code, alt in zip(["REFL", "EXPR", "LEID", "ZICHT", "IWL"], alts):
            assert alt.startswith(f"Gestapeld staafdiagram van de antwoorden op de items van {cb.scales[code].name}")
            for item in cb.scales[code].item_codes:
                x = sub[item].dropna()
                agree, neutral, disagree = ((x >= 4).mean(), (x == 3).mean(), (x <= 2).mean())
                assert (f"{item}: {round(100 * agree)}% aan de kant van 'helemaal mee eens', {round(100 * neutral)}% "
                        f"in het midden, {round(100 * disagree)}% aan de kant van 'helemaal mee oneens'") in alt, \
                    (name, item)


def test_numbers_use_the_minus_sign_and_numeric_cells_do_not_wrap(rendered_round):
    minus_cells = 0
    for name, text in rendered_round.all_html().items():
        assert re.search(r"td\.num \{[^}]*white-space: nowrap", text), name
        # "< ,001" (and every other number) sits in a numeric, non-wrapping cell
        assert not re.search(r'<td(?! class="num")[^>]*>&lt; ,001', text), name
        for _headers, rows in tables(text):
            for row in rows:
                for cell in row:
                    assert not re.search(r"(^|[\s\[(;/])-[\d,]", cell), (name, cell)  # no ASCII hyphen as minus
                    minus_cells += "\u2212" in cell
        body = re.sub(r"<[^>]+>", " ", text.split("<main>", 1)[-1])
        assert not re.search(r"(^|[\s\[(;/])-\d", html.unescape(body)), name
    assert minus_cells > 20


def test_tables_are_numbered_consecutively_in_every_report(rendered_round):
    for name, text in rendered_round.all_html().items():
        numbers = [int(n) for n in re.findall(r"<strong>Tabel (\d+)</strong>", text)]
        assert numbers == list(range(1, len(numbers) + 1)), (name, numbers)


def test_invariance_across_organisations_is_tested(rendered_round):
    text = rendered_round.html("netwerk.html").split("<h3>Factorstructuur</h3>", 1)[1].split("<h3>", 1)[0]
    assert "<em>Meetinvariantie tussen organisaties</em>" in text, text[-600:]
    assert "getoetst voor de vijf schalen van de onderzoeksvraag" in text  # the core model, said in words
    assert "kon niet worden getoetst" not in text and "afgebroken" not in text


# --- units ------------------------------------------------------------------------------------

def test_slugify():
    assert reports.slugify("Zonnehuisgroep Noord") == "zonnehuisgroep-noord"
    assert reports.slugify("Zorggroep Méander!") == "zorggroep-meander"
    assert reports.slugify("***") == "organisatie"


def test_plan_round_skips_small_organisations(tmp_path):
    # B is too small; C is large enough but is left out too, or the network minus A and C would be B
    pd.DataFrame({"organisation": ["A"] * 6 + ["B"] * 2 + ["C"] * 5}).to_parquet(tmp_path / "2030-01.parquet")
    jobs, skipped = reports.plan_round("2030-01", data_dir=tmp_path, out_dir=tmp_path / "r", min_group=5)
    assert [j.name for j in jobs] == ["netwerk", "a"]
    assert jobs[0].n == 13 and jobs[1].n == 6 and jobs[1].parameters["organisatie"] == "A"
    assert jobs[1].parameters["interactief"] is False
    assert [s.split(":")[0] for s in skipped] == ["B", "C"]
    assert "herleidbaarheid" in skipped[0]
    with pytest.raises(reports.InputError, match="ontbreekt"):
        reports.plan_round("2099-01", data_dir=tmp_path, out_dir=tmp_path)


def test_export_hides_code_drops_widgets_and_refuses_external_resources():
    book = new_notebook(cells=[
        new_markdown_cell("# Titel"),
        new_code_cell("geheim_code = 1", outputs=[
            new_output("display_data", {"text/html": "<p>zichtbaar</p>"}),
            new_output("display_data", {"application/vnd.jupyter.widget-view+json": {"model_id": "x"},
                                        "text/plain": "VBox(children=())"}),
            new_output("stream", name="stderr", text="waarschuwing"),
        ]),
    ])
    book.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    assert strip_notebook(book).cells[1].outputs[0]["data"]["text/html"] == "<p>zichtbaar</p>"
    assert len(strip_notebook(book).cells[1].outputs) == 1
    text = notebook_to_html(book, title="Proef")
    assert "zichtbaar" in text and "Titel" in text
    assert "geheim_code" not in text and "waarschuwing" not in text and "widget" not in text
    assert "<title>Proef</title>" in text
    bad = new_notebook(cells=[new_code_cell("", outputs=[new_output("display_data", {
        "text/html": '<img src="https://cdn.example/x.png" alt="x">'})])])
    with pytest.raises(ExportError, match="externe bron"):
        notebook_to_html(bad)
    with pytest.raises(ExportError, match="script"):
        check_offline("<p>x</p><SCRIPT>alert(1)</SCRIPT>")
    assert external_urls('<a href="#sectie">x</a><a href="zinn.html">z</a><link href="//cdn/x.css">'
                         '<div style="background:url(\'file:///etc/x.png\')">') == ["//cdn/x.css", "file:///etc/x.png"]


def test_response_by_round_masks_small_cells():
    from informeel_lib.report.sections import response_by_round

    data = pd.DataFrame({"organisation": ["A"] * 7 + ["B"] * 3 + ["B"] * 6,
                         "round": ["r1"] * 7 + ["r1"] * 3 + ["r2"] * 6})
    tab = response_by_round(data, min_group=5).set_index("Organisatie")
    assert tab.loc["A", "r1"] == 7 and tab.loc["A", "r2"] == "< 5"  # 0 is also below the minimum
    assert tab.loc["B", "r1"] == "< 5" and tab.loc["B", "r2"] == 6
    assert tab.loc["netwerk", "r1"] == 10 and tab.loc["netwerk", "r2"] == 6


def test_load_context_refuses_an_organisation_below_the_minimum(rendered_round, tmp_path):
    from informeel_lib.errors import AnalysisError
    from informeel_lib.report.context import load_context

    data = pd.read_parquet(rendered_round.data / f"{ROUND}.parquet")
    small = pd.concat([data[data["organisation"] != "ZINN"], data[data["organisation"] == "ZINN"].head(3)])
    small.to_parquet(tmp_path / f"{ROUND}.parquet")
    with pytest.raises(AnalysisError, match="maar 3 respondenten"):
        load_context(ROUND, data_dir=tmp_path, organisation="ZINN")
    ctx = load_context(ROUND, data_dir=tmp_path, organisation="Treant")
    assert ctx.previous is None and len(ctx.focus) == (small["organisation"] == "Treant").sum()
    assert set(ctx.rest["organisation"]) == set(small["organisation"]) - {"Treant"}


def test_slow_fits_are_abandoned_after_the_timeout():
    import time

    from informeel_lib.report.context import call_with_timeout

    start = time.perf_counter()
    result = call_with_timeout(time.sleep, 60, timeout=1)
    assert result.reason == "timeout" and "langer dan 1 seconde" in result.message
    assert time.perf_counter() - start < 15
    assert call_with_timeout(divmod, 7, 2, timeout=60) == (3, 1)


def test_change_per_organisation_hides_organisations_too_small_in_a_round(rendered_round, tmp_path):
    from informeel_lib.report.context import load_context
    from informeel_lib.report.sections import change_by_organisation, change_by_organisation_html

    prev = pd.read_parquet(rendered_round.data / f"{PREVIOUS}.parquet")
    small = pd.concat([prev[prev["organisation"] != "Treant"], prev[prev["organisation"] == "Treant"].head(4)])
    small.to_parquet(tmp_path / f"{PREVIOUS}.parquet")
    pd.read_parquet(rendered_round.data / f"{ROUND}.parquet").to_parquet(tmp_path / f"{ROUND}.parquet")
    ctx = load_context(ROUND, data_dir=tmp_path)
    tab, significant, hidden = change_by_organisation(ctx)
    # Treant is too small in the previous round, and one more organisation is hidden with it (secondary
    # suppression), or the previous round's network n minus the table would give Treant's 4
    assert hidden == 2 and "Treant" not in set(tab["Organisatie"]) and tab["Organisatie"].iloc[-1] == "netwerk"
    assert all(o != "Treant" for hits in significant.values() for o, _ in hits)
    out = change_by_organisation_html(ctx)
    assert "Treant" not in out and "2 organisaties zijn niet getoond: minder dan 5 respondenten" in out


def test_open_answer_tables_leave_out_small_groups():
    from informeel_lib.report.sections import coded_counts, frequent_terms_table

    texts = ["Ik heb zelf een e-learning gedaan over wondzorg en dementie."] * 6 + \
        ["Ik zag toevallig hoe een collega de tillift gebruikte bij wondzorg."] * 4
    big = pd.DataFrame({"OPEN_VOORBEELD": texts, "OPEN_THEMA": texts})
    tiny = pd.DataFrame({"OPEN_VOORBEELD": texts[:3] + [None, "  "], "OPEN_THEMA": texts[:3] + [None, ""]})
    tab, hidden = coded_counts([("groot", big), ("klein", tiny)], column="OPEN_VOORBEELD", min_group=5)
    assert hidden == 1 and list(tab["Groep"]) == ["groot"] and tab["n"].tolist() == [10]
    assert tab.loc[0, "zelfgestuurd"] == "6 (60%)" and tab.loc[0, "incidenteel"] == "< 5"
    terms, t_hidden = frequent_terms_table([("groot", big), ("klein", tiny)], column="OPEN_THEMA", min_group=5)
    assert t_hidden == 1 and list(terms["Groep"]) == ["groot"]
    assert "wondzorg (100%)" in terms.loc[0, "Meest genoemde woorden"]


def test_own_kernels_run_side_by_side_without_the_unencrypted_tcp_warning(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # jupyter_client's default IPC path would be ./kernel-ipc-N, the same for both

    def start(km, log):
        fh = open(log, "w")
        km.start_kernel(stderr=fh)
        return fh

    def check_and_stop(km, fh):
        try:
            kc = km.blocking_client()
            kc.start_channels()
            kc.wait_for_ready(timeout=60)
            assert kc.execute_interactive("1 + 1", timeout=60)["content"]["status"] == "ok"
            kc.stop_channels()
        finally:
            km.shutdown_kernel(now=True)
            fh.close()

    ours = [reports.new_kernel_manager(reports.KERNEL_NAME) for _ in range(2)]
    assert all(km.transport == "ipc" or km.transport_encryption == "auto" for km in ours)
    assert ours[0].ip != ours[1].ip  # two kernels at once never share a socket (or port)
    handles = [start(km, tmp_path / f"ours{i}.log") for i, km in enumerate(ours)]  # both up at the same time
    for km, fh in zip(ours, handles):
        check_and_stop(km, fh)
    for i in range(2):
        # nothing at all on stderr: no warning of any wording (a plain TCP kernel warns about the missing
        # encryption there; its exact text is ipykernel's, so it is not matched here)
        assert (tmp_path / f"ours{i}.log").read_text() == ""
    assert not list(tmp_path.iterdir())[2:]  # only the two logs: no socket files left in the working directory


def test_invariance_across_organisations_uses_the_core_model_and_a_fair_verdict():
    from informeel_lib.codebook import load_codebook
    from informeel_lib.report.context import core_model
    from informeel_lib.report.sections import _invariance_html

    model = load_codebook().model_dict()
    core = core_model(model, load_codebook())
    assert set(core) == {"IWL", "REFL", "EXPR", "LEID", "ZICHT"} and core["IWL"] == model["IWL"]  # `core: true`
    assert sum(map(len, core.values())) < 30 < sum(map(len,
                                                       model.values()))  # fewer items than an organisation has people

    def table(cfi0, rmsea0, verdict):
        return pd.DataFrame({"chi2": [100.0, 110.0], "df": [50, 60], "cfi": [cfi0, cfi0 - 0.002],
                             "rmsea": [rmsea0, rmsea0], "delta_cfi": [float("nan"), -0.002],
                             "verdict": ["baseline", verdict]}, index=["configural", "metric"])

    text = html.unescape(_invariance_html(table(0.887, 0.062, "acceptable"), "organisaties", 3))
    assert "past matig (CFI = ,887, RMSEA = ,062)" in text and "gemiddelden mogen vergeleken worden" in text
    assert "<strong>Tabel 3</strong>" in text and "−,002" in text
    text = html.unescape(_invariance_html(table(0.39, 0.13, "acceptable"), "organisaties", 3))
    assert "past al niet goed" in text and "mogen vergeleken" not in text
    text = html.unescape(_invariance_html(table(0.95, 0.03, "rejected"), "rondes", lambda: 9))
    assert "vergelijk gemiddelden met voorzichtigheid" in text and "<strong>Tabel 9</strong>" in text


def test_non_converging_model_gets_a_reader_sentence_not_parameter_details():
    from informeel_lib.analysis.cfa.specification import NonConvergenceError
    from informeel_lib.report.context import NOT_CONVERGED, _safe

    def diverging():
        raise NonConvergenceError("ladingen lopen weg: BIND3 (Zonnehuisgroep Noord) 412,7 en stijgend")

    assert _safe(diverging) == Failure("not_converged", NOT_CONVERGED)
    assert "BIND3" not in NOT_CONVERGED
