"""The report as a manager reads it: key findings first, navigation, reading aids, technical parts last.

:func:`report_sections` puts the sections of :mod:`~informeel_lib.report.sections` (and of the
helpers' modules: outcomes, trends, teams) in reading order:

1. *Kernboodschappen* (:mod:`~informeel_lib.report.summary`), then a table of contents;
2. the sections a manager reads, each opened by one plain sentence on what it means for practice
   (:data:`PRACTICE`), the network-wide ones labelled as such;
3. *Verantwoording* last: reliability, factor structure and invariance, the model's details.

:func:`header_html` gives the title, the links back to the round's index and to the same
organisation's report in other rounds (a placeholder that the batch runner fills in, because which
rounds have been rendered is only known there: :func:`fill_round_links`), and the table of contents.
Every section is wrapped in ``<section id=...>`` so the contents' anchors resolve.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from pathlib import Path

from .context import ReportContext, Section

VERANTWOORDING = "Verantwoording"

NETWORK_WIDE = "Netwerkbreed"
"""Label of the sections whose results are about the whole network, also in an organisation's report."""

PRACTICE = {
    "Respons": "Hoe meer collega's meededen, hoe beter de cijfers het team of de organisatie weerspiegelen; "
               "bij weinig respondenten zijn verschillen minder zeker.",
    "Schaalscores": "Schalen waarop u duidelijk gunstiger scoort zijn sterke punten om vast te houden; schalen "
                    "waarop u ongunstiger scoort zijn een aanknopingspunt voor het gesprek in teams.",
    "Ontwikkeling over de rondes": "Een lijn die rondes lang dezelfde kant op gaat zegt meer dan één verschil "
                                   "tussen twee rondes.",
    "Verandering sinds de vorige ronde": "Een duidelijke verandering laat zien of wat u sinds de vorige meting "
                                         "deed effect kan hebben gehad; een klein verschil kan toeval zijn.",
    "Antwoorden per item": "De afzonderlijke uitspraken laten zien waar het precies schuurt of goed gaat: "
                           "een concreet begin voor een teamgesprek.",
    "Teams": "Teams leren het meest van elkaar: de teampagina's geven elk team zijn eigen cijfers om samen "
             "te bespreken.",
    "Invloedsfactoren": "Factoren die in het hele netwerk met {outcome} samengaan, zijn de plekken waar "
                        "investeren waarschijnlijk het meest oplevert.",
    "Uitkomsten": "Als {outcome} samengaat met {further}, levert investeren in {outcome} ook daar iets op; het "
                  "netwerk als geheel laat zien of dat zo is.",
    "Open antwoorden": "De eigen woorden van medewerkers laten zien hoe het er in de praktijk aan toegaat: "
                       "wat achter de cijfers zit.",
    VERANTWOORDING: "Dit deel is voor onderzoekers: hoe betrouwbaar de metingen zijn en hoe de modellen zijn "
                    "geschat. Wie alleen de uitkomsten wil lezen, kan het overslaan.",
}
"""One plain sentence per section on what it means for practice (shown under the section's heading);
``{outcome}`` and ``{further}`` are filled in from the codebook (:func:`practice_sentences`)."""


def practice_sentences(codebook) -> dict[str, str]:
    """:data:`PRACTICE` with the codebook's own outcome names (never the demo's): the main outcome and the
    further outcomes of the ``model:`` section, in lower case as they stand mid-sentence."""
    from ..nl import word_list

    def name(code):
        text = codebook.scales[code].name
        return text[:1].lower() + text[1:] if text[1:2].islower() else text

    model = codebook.research_model
    outcome = name(model.outcome) if model is not None and model.outcome in codebook.scales else "de uitkomst"
    further = [name(c) for c in (model.further_outcomes if model is not None else ()) if c in codebook.scales]
    fill = {"outcome": outcome, "further": word_list(further) if further else "de verdere uitkomsten"}
    return {key: text.format(**fill) for key, text in PRACTICE.items()}

NETWORK_SECTIONS = ("Invloedsfactoren", "Uitkomsten")
"""Sections computed over the whole network: labelled as such in every report."""

ROUND_LINKS = '<nav class="rondes"><!--rondes--></nav>'
"""Placeholder for the links to the same report in other rounds (filled by :func:`fill_round_links`)."""
# nbconvert's sanitiser may reorder attributes: match the class wherever it stands
_ROUND_LINKS = re.compile(r'<nav\b[^>]*\bclass="rondes"[^>]*>.*?</nav>', re.S)


def anchor(title: str) -> str:
    """The ``id`` of a section: its title in lower case ASCII with hyphens
    (``'Open antwoorden' -> 'open-antwoorden'``)."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "sectie"


def _with_practice(section: Section, sentences: dict) -> Section:
    """The section with its practice sentence (and the network-wide label) under its heading."""
    extra = ""
    if any(section.title.startswith(t) for t in NETWORK_SECTIONS):
        extra += (f'<p class="netwerkbreed"><strong>{NETWORK_WIDE}:</strong> deze uitkomsten gaan over alle '
                  "organisaties samen, niet over één organisatie.</p>")
    sentence = next((text for key, text in sentences.items() if section.title.startswith(key)), None)
    if sentence:
        extra += f'<p class="praktijk"><strong>Voor de praktijk:</strong> {html.escape(sentence)}</p>'
    if not extra:
        return section
    head, sep, rest = section.html.partition("</h2>")
    return Section(section.title, head + sep + extra + rest) if sep else section


def wrap(section: Section) -> str:
    """The section's HTML inside ``<section id=...>`` (the anchor of the table of contents)."""
    return f'<section id="{anchor(section.title)}">{section.html}</section>'


def demote(section_html: str) -> str:
    """Headings one level down (h3 -> h4, h2 -> h3): a whole section becomes a part of the Verantwoording."""
    out = re.sub(r"<(/?)h3\b", r"<\1h4", section_html)
    return re.sub(r"<(/?)h2\b", r"<\1h3", out)


def verantwoording(parts: list[Section]) -> Section:
    """The closing section with the technical parts (each a sub-heading)."""
    body = "".join(demote(p.html) for p in parts if p is not None)
    return _with_practice(Section(VERANTWOORDING, f"<h2>{VERANTWOORDING}</h2>{body}"),
                          {VERANTWOORDING: PRACTICE[VERANTWOORDING]})


def report_sections(ctx: ReportContext, shared: dict, *, team_pages: bool = False) -> list[Section]:
    """Every section of a report in reading order; the Verantwoording is last.

    Parameters
    ----------
    team_pages : bool
        Whether team pages are rendered for this round (the organisation report then links them).
    """
    from . import sections as rs
    from .outcomes import outcomes_section
    from .summary import key_messages_section
    from .teams import teams_section
    from .trends import trends_section

    summary = key_messages_section(ctx, shared)
    body = [rs.response(ctx), rs.scale_scores(ctx, shared), trends_section(ctx), rs.change_section(ctx),
            rs.item_distributions(ctx)]
    if ctx.organisation:
        body.append(teams_section(ctx, team_pages=team_pages))
    body += [rs.influence_section(ctx, shared), outcomes_section(ctx, shared), rs.open_answers_section(ctx)]
    technical = verantwoording([rs.reliability_section(ctx), rs.factor_section(ctx, shared),
                                rs.influence_details(ctx, shared)])
    sentences = practice_sentences(ctx.codebook)
    body = [s for s in body if s is not None and s.html]   # e.g. no further outcomes: no "Uitkomsten" at all
    return [summary] + [_with_practice(s, sentences) for s in body] + [technical]


def toc_html(sections: list[Section]) -> str:
    """Table of contents: one link per section to its anchor."""
    items = "".join(f'<li><a href="#{anchor(s.title)}">{html.escape(s.title)}</a></li>' for s in sections)
    return f'<nav class="inhoud"><p class="inhoud"><strong>Inhoud</strong></p><ol>{items}</ol></nav>'


def header_html(ctx: ReportContext, sections: list[Section]) -> str:
    """Title, links (round index, other rounds), the table of contents and the key messages."""
    from .sections import title_block

    links = ('<p class="navigatie"><a href="index.html">Alle rapporten van deze ronde</a> · '
             '<a href="../index.html">Alle rondes</a></p>' + ROUND_LINKS)
    return title_block(ctx) + links + toc_html(sections) + wrap(sections[0])


def report_html(ctx: ReportContext, shared: dict, *, team_pages: bool = False) -> str:
    """The whole report body (what the report notebook displays)."""
    sections = report_sections(ctx, shared, team_pages=team_pages)
    return header_html(ctx, sections) + "".join(wrap(s) for s in sections[1:])


# --- links between rounds (filled in by the batch runner) ---------------------------------------

def round_reports(out_dir) -> dict[str, dict[str, str]]:
    """``{round: {organisation or None: file name}}`` of every rendered round (from the manifests)."""
    found = {}
    for manifest in sorted(Path(out_dir).glob("*/rapporten.json")):
        if manifest.parent.name.startswith("."):  # a staging folder of a run in progress
            continue
        info = json.loads(manifest.read_text(encoding="utf-8"))
        found[info["ronde"]] = {e["organisatie"]: e["bestand"] for e in info["rapporten"]}
    return found


def round_links_html(this_round: str, organisation, reports: dict) -> str:
    """The links to the same report (organisation or network) in the other rendered rounds."""
    from ..nl import round_label

    links = [f'<a href="../{html.escape(r)}/{html.escape(files[organisation])}">{html.escape(round_label(r))}</a>'
             for r, files in sorted(reports.items()) if r != this_round and organisation in files]
    if not links:
        return '<nav class="rondes"></nav>'
    return (f'<nav class="rondes"><p>Hetzelfde rapport in andere rondes: '
            f'{" · ".join(links)}</p></nav>')


def fill_round_links(out_dir, *, staged=None) -> int:
    """Write the links to other rounds into every rendered report; returns the number of files changed.

    Runs after a round is rendered, over all rounds in ``out_dir``, so earlier rounds link to the new
    one as well. Reads the organisation of each file from the round's manifest. With ``staged`` (a
    staging folder holding a round folder that is not swapped in yet, :mod:`~informeel_lib.report.staging`)
    only the staged round's files are filled in, with links to the rounds in ``out_dir``.
    """
    from ..files import atomic_write_text

    reports = round_reports(out_dir)
    folders = dict.fromkeys(reports, Path(out_dir))
    if staged is not None:
        own = round_reports(staged)
        reports.update(own)
        folders = dict.fromkeys(own, Path(staged))
    changed = 0
    for round_name, files in reports.items():
        if round_name not in folders:
            continue
        for organisation, name in files.items():
            path = folders[round_name] / round_name / name
            if not path.exists():
                continue
            text = path.read_text(encoding="utf-8")
            links = round_links_html(round_name, organisation, reports)
            new = _ROUND_LINKS.sub(lambda _m, links=links: links, text, count=1)
            if new != text:
                atomic_write_text(path, new)
                changed += 1
    return changed
