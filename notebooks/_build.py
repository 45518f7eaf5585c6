"""Generate the notebooks in this folder (committed without outputs).

Run ``python notebooks/_build.py`` after changing a notebook's text here; the .ipynb files are
what JupyterLab and papermill use. Every notebook has a cell tagged ``parameters`` and is pinned
to the ``informeel`` kernel (installed by the Makefile).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
# the report notebook is package data, so an installed package can render reports
OUT = {"rapport.ipynb": HERE.parent / "informeel_lib" / "report" / "rapport.ipynb"}
KERNEL = {"name": "informeel", "display_name": "informeel (Python 3)", "language": "python"}


def params(extra: str = "") -> nbformat.NotebookNode:
    cell = new_code_cell(
        "# Parameters (papermill overschrijft deze waarden)\n"
        "ronde = \"2022-11\"              # meetronde, bijvoorbeeld 2022-05\n"
        "organisatie = None              # None: het hele netwerk; anders een organisatie, bijvoorbeeld ZINN\n"
        "data_map = None                 # opgeschoonde data; None: 'data:' uit informeel.yaml, anders "
        "../data/processed\n"
        "min_groep = 5                   # kleinere groepen worden niet getoond\n"
        "interactief = True              # False bij papermill/HTML: geen widgets, alleen vaste uitvoer\n"
        "codebook = None                 # codeboek (YAML) van de vragenlijst; None: uit informeel.yaml, anders de "
        "demo\n"
        + extra)
    cell.metadata["tags"] = ["parameters"]
    return cell


SETUP = ("import pandas as pd\n"
         "from IPython.display import HTML, display\n"
         "import informeel_lib as il\n"
         "from informeel_lib import nl\n"
         "from informeel_lib.report import context as rc, figures as plots, sections as rs, widgets as w\n"
         "data_map = data_map or str(il.project_setting(\"data\", None, \"../data/processed\"))\n"
         "cb = il.resolve_codebook(codebook)\n"
         "data = rs.load_all_rounds(data_map, cb)\n"
         "current = data[data[\"round\"] == ronde]\n"
         "if organisatie is not None:\n"
         "    organisatie = cb.resolve_organisation(organisatie) or organisatie\n"
         "print(f\"Ronde {ronde}: {len(current)} respondenten; rondes in de data: {', "
         "'.join(sorted(data['round'].unique()))}\")")

WIDGET_CELL = ("# Interactief (alleen in JupyterLab): kies organisatie, ronde en schaal\n"
               "if interactief:\n"
               "    import ipywidgets as ipw\n"
               "    choices = w.options(data, cb)\n"
               "    ipw.interact(lambda organisatie, ronde, schaal: w.show({call}(data, codebook=cb, "
               "organisation=organisatie, round_name=ronde, scale=schaal, min_group=min_groep)),\n"
               "                 organisatie=choices[\"organisation\"], ronde=choices[\"round\"], "
               "schaal=choices[\"scale\"])\n"
               "else:\n"
               "    w.show({call}(data, codebook=cb, organisation=organisatie, round_name=ronde, "
               "scale=cb.main_outcome, "
               "min_group=min_groep))")


def nb(cells) -> nbformat.NotebookNode:
    book = new_notebook(cells=cells)
    book.metadata["kernelspec"] = KERNEL
    book.metadata["language_info"] = {"name": "python"}
    return book


def begripsverkenning():
    return nb([
        new_markdown_cell(
            "# 1. Begripsverkenning: informeel leren in de zorg\n\n"
            "In het leernetwerk *informeel leren in de zorg* (ZINN, Interzorg, Oosterlengte, Zonnehuisgroep Noord, "
            "Zorggroep Meander en Treant) gebruiken we drie begrippen die op elkaar lijken. Hieronder staan ze in "
            "onze eigen woorden, met de bronnen waarop we ons baseren."),
        params(),
        new_code_cell(SETUP),
        new_markdown_cell(
            "## Drie begrippen\n\n"
            "- **Lerende organisatie**: een organisatie waarin medewerkers voortdurend kennis opbouwen, opdoen en "
            "met elkaar delen, zodat de organisatie zich snel kan aanpassen aan wat er onverwacht op haar afkomt "
            "(TNO, 2019).\n"
            "- **Werkplekleren**: het leren dat vanzelf meeloopt met het dagelijkse werk en vooral uit ervaringen "
            "voortkomt; we leren daarbij vaak zonder het te merken (TNO, 2019).\n"
            "- **Informeel leren**: al het leren dat plaatsvindt zonder formele planning of instructie: er is geen "
            "vooraf vastgelegd leerdoel, tijdstip, plek of begeleider (Kyndt, Gijbels, Grosemans & Donche, 2016).\n\n"
            "## Drie vormen van informeel leren\n\n"
            "| vorm | kenmerk | hoe het gebeurt |\n|---|---|---|\n"
            "| zelfgestuurd | bewust en met opzet | de medewerker organiseert zelf een 'leerproject', zonder trainer "
            "|\n"
            "| incidenteel | niet bedoeld en niet gepland | als bijproduct van andere taken en activiteiten |\n"
            "| tacit (impliciet) | onbewust | door waarden, houdingen en vaardigheden van anderen over te nemen |\n\n"
            "Naar Caruso (2017) en Ruijters, Schut & Simons (2021).\n\n"
            "**Bronnen.** TNO (2019). *Lerende en innovatieve organisaties.* · Kyndt, E., Gijbels, D., Grosemans, I., "
            "& Donche, V. (2016). Teachers' everyday professional development. *Review of Educational Research.* · "
            "Caruso, S. J. (2017). A foundation for understanding knowledge sharing: organizational culture, "
            "informal workplace learning, performance support, and knowledge management. · Ruijters, M., Schut, "
            "C., & Simons, R.-J. (2021). *Canon van leren & ontwikkelen.*"),
        new_markdown_cell("## Schalen, begrippen en invloedsfactoren\n\nWelke schaal van de vragenlijst hoort bij "
                          "welk begrip en welke invloedsfactor uit de onderzoeksvraag? (uit het codeboek)"),
        new_code_cell("display(HTML(nl.html_table(rs.concept_table(cb), title=\"Schalen, begrippen en "
                      "invloedsfactoren\", number=1)))"),
        new_markdown_cell("## Open antwoorden per vorm, organisatie en ronde\n\nDe antwoorden op de open vragen die "
                          "het codeboek laat indelen (`analysis: vormen`) zijn automatisch ingedeeld in de drie "
                          "vormen. "
                          "Kleine aantallen worden niet getoond."),
        new_code_cell("for i, question in enumerate(q for q, a in cb.open_question_analysis.items() if a == "
                      "\"vormen\"):\n"
                      "    counts = rs.open_answer_counts(data, column=question, min_group=min_groep)\n"
                      "    display(HTML(nl.html_table(counts, title=f\"Gecodeerde antwoorden per vorm, organisatie en "
                      "ronde: {cb.open_questions[question]}\", number=2 + i, note=f\"n = aantal antwoorden; aantallen "
                      "onder {min_groep} als '< {min_groep}'.\")))"),
    ])


def vragenlijstanalyse():
    return nb([
        new_markdown_cell("# 2. Vragenlijstanalyse\n\nRespons, de verdeling van de antwoorden, de betrouwbaarheid "
                          "van de schalen en de schaalscores per organisatie, team en rol, en de verandering sinds de "
                          "vorige ronde. Groepen met minder dan `min_groep` respondenten worden nergens getoond."),
        params(),
        new_code_cell(SETUP + "\nctx = rc.load_context(ronde, data_dir=data_map, organisation=organisatie, "
                      "min_group=min_groep, codebook=cb)"),
        new_markdown_cell("## Respons per organisatie en ronde"),
        new_code_cell("display(HTML(nl.html_table(rs.response_by_round(data, min_group=min_groep), "
                      "title=\"Respondenten per organisatie en ronde\", number=1)))"),
        new_markdown_cell("## Verdeling van de antwoorden\n\nPer item het aandeel antwoorden: links oneens, rechts "
                          "eens, neutraal in het midden."),
        new_code_cell(WIDGET_CELL.format(call="w.likert_view")),
        new_markdown_cell("## Betrouwbaarheid"),
        new_code_cell("display(HTML(rs.reliability_section(ctx).html))"),
        new_markdown_cell("## Schaalscores per organisatie, team en rol"),
        new_code_cell("display(HTML(rs.scale_scores(ctx).html))"),
        new_code_cell(WIDGET_CELL.format(call="w.scale_view")),
        new_markdown_cell("## Verandering sinds de vorige ronde"),
        new_code_cell("display(HTML(rs.change_section(ctx).html))"),
    ])


def factormodel():
    return nb([
        new_markdown_cell("# 3. Factormodel\n\nMeten de items wat het codeboek zegt? Eerst verkennend (KMO, "
                          "Bartlett, parallelle analyse, EFA), dan toetsend (CFA van het codeboekmodel) en tot slot "
                          "de vraag of de schalen hetzelfde meten tussen rondes en tussen organisaties "
                          "(meetinvariantie)."),
        params("pa_iteraties = 100             # aantal toevalsdatasets in de parallelle analyse\n"
               "gedeeld_pad = None              # optioneel: cache van de rapporten (zelfde CFA en invariantie)\n"
               "schatter = None                 # CFA-schatter: None = die van het codeboek (model.estimator); "
               "\"ML\", \"MLR\" of \"WLSMV\"\n"),
        new_code_cell(SETUP + "\nitems = current[cb.item_codes]"),
        new_markdown_cell("## Geschiktheid voor factoranalyse"),
        new_code_cell("k, b = il.kmo(items), il.bartlett(items)\n"
                      "print(f\"KMO = {nl.number(k.overall, 2, leading_zero=False)}; Bartlett χ²({b.df}) = "
                      "{nl.number(b.chi2, 1)}, {nl.p_value(b.p)}\")"),
        new_markdown_cell("## Parallelle analyse\n\nHoeveel factoren zitten er in de data? We vergelijken de "
                          "eigenwaarden met die van toevalsdata van dezelfde omvang."),
        new_code_cell("pa = il.parallel_analysis(items, n_iter=pa_iteraties, seed=0)\n"
                      "print(f\"Parallelle analyse: {pa.n_factors} factoren, {pa.n_components} componenten\")\n"
                      "rs.show_figure(rs.scree_figure(pa), alt=\"Screeplot van de parallelle analyse\")"),
        new_markdown_cell("## Verkennende factoranalyse (EFA)"),
        new_code_cell("fa = il.efa(items, n_factors=len(cb.scales), rotation=\"oblimin\")\n"
                      "display(fa.loadings.round(2).style.background_gradient(cmap=\"RdBu\", vmin=-1, vmax=1))"),
        new_markdown_cell("## Toetsende factoranalyse (CFA) van het codeboekmodel"),
        new_code_cell("model = cb.model_dict()\n"
                      "shared = rc.load_shared(gedeeld_pad, None) if gedeeld_pad and schatter is None else {}\n"
                      "fit = (shared[\"cfa\"][\"fit\"] if \"fit\" in shared.get(\"cfa\", {})\n"
                      "       else il.cfa(items, model, **rs.estimator_options(schatter, cb)).fit)\n"
                      "display(HTML(rs.fit_table_html(fit, n=len(items))))"),
        new_markdown_cell("## ML of WLSMV?\n\nDe antwoorden zijn categorieën op een vijfpuntsschaal. **ML** "
                          "(maximum likelihood, lavaans standaard) behandelt ze als getallen met gelijke afstanden "
                          "en gaat uit van normaal verdeelde antwoorden; met vijf of meer categorieën en niet al te "
                          "scheve antwoorden werkt dat goed, en **MLR** maakt de standaardfouten en de toets robuust "
                          "voor scheefheid. **WLSMV** behandelt de antwoorden als geordende categorieën: het schat "
                          "per item drempels en tussen items polychorische correlaties. Dat past beter bij weinig "
                          "categorieën (twee tot vier), bij scheve antwoorden en bij vloer- of plafondeffecten, maar "
                          "vraagt meer respondenten per item. De fit-indices van WLSMV zijn niet één op één te "
                          "vergelijken met die van ML: CFI en RMSEA vallen bij WLSMV vaak gunstiger uit. Kies de "
                          "schatter vooraf (in het codeboek: `model: estimator:`) en noem hem in de rapportage; "
                          "hieronder staan beide naast elkaar."),
        new_code_cell("display(HTML(rs.estimator_comparison_html(items, model, cb)))"),
        new_markdown_cell("## Meetinvariantie tussen rondes en tussen organisaties\n\nRondes: deze en de vorige "
                          "ronde, met het hele codeboekmodel. Organisaties: de schalen van de onderzoeksvraag "
                          "(`core: true` in het codeboek), want per organisatie zijn er ongeveer "
                          "evenveel respondenten als items in het hele model; alleen organisaties met meer "
                          "respondenten dan items doen mee."),
        new_code_cell("previous = rc.previous_round(data_map, ronde)\n"
                      "two_rounds = data[data[\"round\"].isin([previous, ronde])]\n"
                      "display(HTML(rs.invariance_html(two_rounds, model, \"round\", codebook=cb, min_group=min_groep, "
                      "cached=shared.get(\"invariance_rounds\"))))\n"
                      "display(HTML(rs.invariance_html(current, model, \"organisation\", codebook=cb, "
                      "min_group=min_groep, "
                      "cached=shared.get(\"invariance_organisations\"))))"),
    ])


def invloedsfactoren():
    return nb([
        new_markdown_cell("# 4. Invloedsfactoren\n\nWelke factoren gaan samen met informeel leren in een team? "
                          "Medewerkers werken in teams binnen organisaties; daarom kijken we eerst hoeveel teams op "
                          "elkaar lijken (ICC en overeenstemming binnen teams) en schatten we daarna een "
                          "multilevelmodel."),
        params(),
        new_code_cell(SETUP + "\nctx = rc.load_context(ronde, data_dir=data_map, organisation=None, "
                      "min_group=min_groep, codebook=cb)"),
        new_markdown_cell("## Overeenstemming binnen teams"),
        new_code_cell("display(HTML(rs.agreement_html(ctx)))"),
        new_markdown_cell("## Multilevelmodel: wat hangt samen met informeel leergedrag?\n\nDe tekst volgt één lijn. "
                          "Eerst het lege model (zonder factoren): welk deel van de verschillen in informeel "
                          "leergedrag tussen teams en tussen organisaties ligt. Dan het model met de factoren: welke "
                          "factoren samenhangen met informeel leergedrag en hoeveel van de verschillen op elk niveau "
                          "(organisaties, teams, personen binnen teams) zij verklaren. Kon het model niet betrouwbaar "
                          "geschat worden, dan staat dat er en worden geen conclusies getrokken. De effecten staan in "
                          "een figuur met 95%-betrouwbaarheidsintervallen. Binnen-effecten gaan over verschillen "
                          "tussen collega's in hetzelfde team, tussen-effecten over verschillen tussen teams."),
        new_code_cell("shared = {\"influence\": rc.compute_shared_part(\"influence\", ronde, data_dir=data_map, "
                      "min_group=min_groep, codebook=cb)}\n"
                      "display(HTML(rs.influence_section(ctx, shared).html))"),
    ])


def uitkomsten():
    return nb([
        new_markdown_cell("# 5. Uitkomsten\n\nDe andere vragen van het netwerk: gaat informeel leren samen met "
                          "duurzame inzetbaarheid en met binding aan de organisatie, en loopt de samenhang van de "
                          "invloedsfactoren met die uitkomsten voor een deel via informeel leren? Welke uitkomsten, "
                          "controlevariabelen en paden dat zijn, staat in het codeboek (`model:`). Eén meting laat "
                          "zien wat samengaat, niet wat oorzaak en gevolg is; bij dezelfde mensen over twee rondes "
                          "kijken we of de één verandering in de ander voorspelt."),
        params("bootstrap_trekkingen = 500       # trekkingen (hele teams) voor de intervallen\n"),
        new_code_cell(SETUP + "\nfrom informeel_lib.report import outcomes as ro\n"
                      "from informeel_lib.analysis.outcomes import outcome_associations, outcome_paths\n"
                      "from informeel_lib.analysis.panel import cross_lagged\n"
                      "ctx = rc.load_context(ronde, data_dir=data_map, organisation=None, min_group=min_groep)\n"
                      "model = cb.research_model\n"
                      "print(\"Paden uit het codeboek:\")\n"
                      "for regel in model.paths:\n"
                      "    print(\"  \", regel)\n"
                      "print(\"Controlevariabelen:\", \", \".join(model.controls) or \"geen\")"),
        new_markdown_cell("## Samenhang met informeel leren (multilevel)\n\nPer uitkomst een multilevelmodel met "
                          "informeel leergedrag en de controlevariabelen, met teams binnen organisaties. "
                          "Gestandaardiseerd (β) met 95%-betrouwbaarheidsinterval."),
        new_code_cell("samenhang = outcome_associations(current, cb)\nsamenhang"),
        new_markdown_cell("## Via informeel leren: indirecte effecten\n\nHet padmodel uit het codeboek op "
                          "gestandaardiseerde schaalscores. Indirect: het deel van de samenhang dat via informeel "
                          "leergedrag loopt; de intervallen komen uit een bootstrap waarin hele teams worden "
                          "getrokken."),
        new_code_cell("paden = outcome_paths(current, cb, bootstrap=bootstrap_trekkingen, seed=0)\n"
                      "print(paden.interval)\n"
                      "paden.effects.round(3)"),
        new_markdown_cell("## Dezelfde mensen in twee rondes\n\nRespondenten met hetzelfde pseudoniem in de vorige en "
                          "deze ronde. Onder het minimum uit het codeboek (`min_matched`) wordt niets geschat."),
        new_code_cell("vorige = rc.previous_round(data_map, ronde)\n"
                      "panels = {}\n"
                      "if vorige is None:\n"
                      "    print(\"Er is geen eerdere ronde.\")\n"
                      "else:\n"
                      "    twee = data[data[\"round\"].isin([vorige, ronde])]\n"
                      "    for uitkomst in model.further_outcomes:\n"
                      "        panels[uitkomst] = cross_lagged(twee, model.outcome, uitkomst, rounds=(vorige, ronde),\n"
                      "                                        bootstrap=bootstrap_trekkingen, codebook=cb)\n"
                      "        print(panels[uitkomst].message)\n"
                      "        display(panels[uitkomst].effects.round(3))"),
        new_markdown_cell("## Zoals in het rapport"),
        new_code_cell("shared = {\"outcomes\": {\"associations\": samenhang, \"paths\": paden, \"panels\": panels,\n"
                      "                       \"previous_round\": vorige}}\n"
                      "display(HTML(ro.outcomes_section(ctx, shared).html))"),
    ])


def rapport():
    return nb([
        params("gedeeld_pad = None               # cache met de netwerkbrede modellen (de batch vult dit in)\n"),
        new_code_cell("from IPython.display import HTML, display\n"
                      "from informeel_lib.project import project_setting\n"
                      "from informeel_lib.report import context as rc, sections as rs\n"
                      "data_map = data_map or str(project_setting(\"data\", None, \"../data/processed\"))\n"
                      "ctx = rc.load_context(ronde, data_dir=data_map, organisation=organisatie, min_group=min_groep,\n"
                      "                      codebook=codebook)\n"
                      "shared = rc.load_shared(gedeeld_pad, ctx, data_dir=data_map)\n"
                      "display(HTML(rs.title_block(ctx)))"),
        new_code_cell("display(HTML(rs.response(ctx).html))"),
        new_code_cell("display(HTML(rs.reliability_section(ctx).html))"),
        new_code_cell("display(HTML(rs.scale_scores(ctx).html))"),
        new_code_cell("display(HTML(rs.item_distributions(ctx).html))"),
        new_code_cell("display(HTML(rs.change_section(ctx).html))"),
        new_code_cell("display(HTML(rs.factor_section(ctx, shared).html))"),
        new_code_cell("display(HTML(rs.influence_section(ctx, shared).html))"),
        new_code_cell("from informeel_lib.report import outcomes as ro\n"
                      "display(HTML(ro.outcomes_section(ctx, shared).html))"),
        new_code_cell("display(HTML(rs.open_answers_section(ctx).html))"),
        new_code_cell("display(HTML(rs.colophon(ctx)))"),
    ])


NOTEBOOKS = {
    "01_begripsverkenning.ipynb": begripsverkenning,
    "02_vragenlijstanalyse.ipynb": vragenlijstanalyse,
    "03_factormodel.ipynb": factormodel,
    "04_invloedsfactoren.ipynb": invloedsfactoren,
    "05_uitkomsten.ipynb": uitkomsten,
    "rapport.ipynb": rapport,
}


def main(out_dir: Path | None = None) -> None:
    """Write every notebook to its place (or all of them into ``out_dir``, for the generator test)."""
    for name, build in NOTEBOOKS.items():
        book = build()
        for i, cell in enumerate(book.cells):
            cell["id"] = f"{Path(name).stem[:12]}-{i:02d}".replace("_", "-")
        nbformat.validate(book)
        nbformat.write(book, str(out_dir / name if out_dir else OUT.get(name, HERE / name)))
        print(f"geschreven: {name}")


if __name__ == "__main__":
    import sys

    main(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
