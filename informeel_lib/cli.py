"""Command line: ``informeel synth | clean | citaten | report | demo | codebook draft | codebook check``.

Every user-facing message is Dutch. An :class:`InformeelError` is printed as one clear line
(no traceback) and gives exit code 2; unexpected errors give exit code 1 with a short message.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys

from .codebook import REPORT_ESTIMATORS
from .errors import InformeelError, Interrupted
from .files import printable
from .privacy import MIN_GROUP

# Dutch choices on the command line -> the English values the library takes
RULES = {"markeer": "flag", "verwijder": "drop"}

# argparse's own messages, in Dutch (argparse looks its texts up through the module-level ``_``)
_ARGPARSE_NL = {
    "usage: ": "gebruik: ",
    "positional arguments": "argumenten",
    "options": "opties",
    "optional arguments": "opties",
    "show this help message and exit": "toon deze hulp en stop",
    "the following arguments are required: %s": "deze argumenten zijn verplicht: %s",
    "unrecognized arguments: %s": "onbekende argumenten: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "ongeldige keuze: %(value)r (kies uit %(choices)s)",
    "invalid %(type)s value: %(value)r": "ongeldige waarde (%(type)s): %(value)r",
    "expected one argument": "verwacht één waarde",
    "expected at least one argument": "verwacht minstens één waarde",
    "ambiguous option: %(option)s could match %(matches)s": "dubbelzinnige optie: %(option)s kan %(matches)s zijn",
    "%(prog)s: error: %(message)s\n": "%(prog)s: fout: %(message)s\n",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s: %(message)s",
    "not allowed with argument %s": "niet toegestaan samen met argument %s",
    "one of the arguments %s is required": "een van de argumenten %s is verplicht",
}


def _nl(text: str) -> str:
    return _ARGPARSE_NL.get(text, text)


@contextlib.contextmanager
def _dutch_argparse():
    """Let argparse speak Dutch while the command line is parsed (and its help printed)."""
    original = argparse._
    argparse._ = _nl
    try:
        yield
    finally:
        argparse._ = original


class DutchParser(argparse.ArgumentParser):
    """ArgumentParser whose errors are Dutch and whose echoed values lose control characters."""

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: fout: {printable(message, limit=400)}\n")


def _min_group(text: str) -> int:
    """``--min-group``: an integer of at least 3 (below 5 gives a warning when the command runs)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{printable(text)}' is geen geheel getal") from None
    if value < 3:
        raise argparse.ArgumentTypeError(f"minstens 3, niet {value}: kleinere groepen maken personen herkenbaar")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{printable(text)}' is geen geheel getal") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"minstens 1, niet {value}")
    return value


def _cmd_synth(args) -> int:
    from .synth import write_network

    truth = write_network(args.out, seed=args.seed)
    print(f"Synthetisch netwerk geschreven naar {args.out} (rondes: {', '.join(truth['rounds'])}).")
    for rnd in truth["rounds"]:
        info = truth["per_round"][rnd]
        n_resp = sum(v["count"] for v in info["respondents"].values())
        dirt = info["dirt"]
        print(f"  {rnd}: {len(truth['files'][rnd])} exportbestanden, {n_resp} respondenten, "
              f"{len(dirt['duplicates'])} dubbele inzendingen, {len(dirt['straightliners'])} rechte-lijn-invullers, "
              f"{len(dirt['speeders'])} te snelle invullers, {len(dirt['out_of_range'])} waarden buiten bereik.")
    print(f"De waarheid (alleen voor tests) staat in {args.out}/truth.json.")
    return 0


def _project_salt():
    """The salt from the project's ``salt_file`` when it exists (else the usual lookup)."""
    from .project import project_setting

    path = project_setting("salt_file")
    if path is not None and path.is_file():
        return path.read_text(encoding="utf-8").strip() or None
    return None


def _output_folder(path, option: str):
    """``path`` when it is a folder or does not exist yet; a Dutch InputError when it is a file (checked before
    any work, so a long run does not end on it)."""
    from pathlib import Path

    from .errors import InputError

    if path is not None and Path(path).exists() and not Path(path).is_dir():
        raise InputError(f"dit is een bestand, geen map; de uitvoermap moet een map zijn (die mag nog niet bestaan). "
                         f"Geef met {option} een andere op.",
                         file=str(path))
    return path


def _cmd_clean(args) -> int:
    from .io.cleaning import clean_files
    from .project import project_setting, resolve_codebook

    codebook = resolve_codebook(args.codebook)
    out = _output_folder(project_setting("data", args.out), "--out")
    if out is None:
        print("Fout: geef --out op (of zet 'data:' in informeel.yaml).", file=sys.stderr)
        return 2
    result = clean_files(args.paths, round_name=args.round_name, out=out, codebook=codebook,
                         straightliners=RULES[args.straightliners], speeders=RULES[args.speeders], strict=args.strict,
                         salt=_project_salt())
    for line in result.warnings():
        print(line, file=sys.stderr)
    print(result.summary())
    print(f"Geschreven: {out}/{result.round_name}.parquet en {out}/{result.round_name}_log.csv")
    return 0


def _cmd_report(args) -> int:
    from .project import codebook_path, project_setting
    from .report.batch import render_round

    min_group = project_setting("min_group", args.min_group, MIN_GROUP)
    if min_group < MIN_GROUP:
        print(f"Waarschuwing: --min-group {min_group} is kleiner dan de gebruikelijke {MIN_GROUP}; groepen van "
              f"{min_group} respondenten zijn makkelijker te herleiden tot personen.", file=sys.stderr)

    out_dir = _output_folder(project_setting("reports", args.out, "reports"), "--out")
    ok = render_round(args.round_name, data_dir=project_setting("data", args.data, "data/processed"),
                      out_dir=out_dir, organisation=args.org, jobs=args.jobs,
                      min_group=min_group, codebook=codebook_path(args.codebook), teams=args.teams,
                      pdf=args.pdf, bundle=args.bundle, estimator=args.estimator)
    return 0 if ok else 1


def _cmd_quotes(args) -> int:
    from .project import project_setting
    from .report.quotes import update_approval_file

    min_group = project_setting("min_group", args.min_group, MIN_GROUP)
    result = update_approval_file(args.round_name, data_dir=project_setting("data", args.data, "data/processed"),
                                  codebook=args.codebook, per_form=args.per_form, min_group=min_group)
    for line in result.notes:
        _say(f"Let op: {line}")
    print(result.summary())
    print(f"Geschreven: {result.approvals.path}")
    print("Lees de citaten en zet 'goedgekeurd: true' bij elk citaat dat in de rapporten mag staan; daarna "
          f"'informeel report --round {result.approvals.round_name}'.")
    return 0


def _cmd_demo(args) -> int:
    from .report.batch import run_demo

    return 0 if run_demo(args.workdir, jobs=args.jobs, seed=args.seed, codebook=args.codebook) else 1


def _cmd_codebook_draft(args) -> int:
    from .io.draft import draft_codebook

    draft = draft_codebook(args.paths, name=args.name)
    draft.write(args.out)
    print(draft.summary())
    print(f"Geschreven: {args.out}")
    return 0


def _cmd_codebook_check(args) -> int:
    from .io.check import check_exports
    from .project import resolve_codebook

    report = check_exports(args.paths, codebook=resolve_codebook(args.codebook), round_name=args.round_name)
    print(report.text())
    return 2 if report.blocking else 0


_CODEBOOK_HELP = ("het codeboek (YAML) van de vragenlijst; standaard het codeboek uit informeel.yaml, anders de "
                  "demovragenlijst")


def build_parser() -> argparse.ArgumentParser:
    parser = DutchParser(prog="informeel", description="Informeel leren in de zorg: data en rapporten.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="opdracht", parser_class=DutchParser)
    _add_data_commands(sub)
    _add_report_commands(sub)
    _add_codebook_commands(sub)
    return parser


def _add_data_commands(sub) -> None:
    """synth and clean: the raw exports and the processed round."""
    p = sub.add_parser("synth", help="maak een synthetisch netwerk met bekende waarheid")
    p.add_argument("--out", required=True, help="map voor de ruwe exports (één submap per ronde)")
    p.add_argument("--seed", type=int, default=2021, help="startwaarde voor het toeval (reproduceerbaar)")
    p.set_defaults(func=_cmd_synth)

    p = sub.add_parser("clean", help="lees en schoon de exports van één ronde op")
    p.add_argument("paths", nargs="+", help="exportbestanden of mappen (CSV, XLSX, SAV)")
    p.add_argument("--round", dest="round_name", required=True, help="naam van de ronde, bijvoorbeeld 2022-05")
    p.add_argument("--out", default=None,
                   help="map voor <ronde>.parquet en het opschoonlogboek (standaard: 'data:' uit informeel.yaml)")
    p.add_argument("--codebook", default=None, help=_CODEBOOK_HELP)
    p.add_argument("--straightliners", choices=["markeer", "verwijder"], default="markeer",
                   help="wat te doen met rechte-lijn-invullers (standaard: markeer)")
    p.add_argument("--speeders", choices=["markeer", "verwijder"], default="verwijder",
                   help="wat te doen met te snelle invullers (standaard: verwijder)")
    p.add_argument("--streng", dest="strict", action="store_true",
                   help="ongeldige waarden (buiten bereik, onbekend label) zijn een fout in plaats van ontbrekend")
    p.set_defaults(func=_cmd_clean)


def _add_report_commands(sub) -> None:
    """citaten, report and demo: what reaches the reader."""
    p = sub.add_parser("citaten", help="stel citaten voor uit de open antwoorden van één ronde, om goed te keuren")
    p.add_argument("--round", dest="round_name", required=True, help="ronde, bijvoorbeeld 2022-05")
    p.add_argument("--data", default=None, help="map met de opgeschoonde data, waar ook <ronde>_citaten.yaml komt "
                                                 "(standaard: informeel.yaml, anders data/processed)")
    p.add_argument("--codebook", default=None, help=_CODEBOOK_HELP)
    p.add_argument("--per-vorm", dest="per_form", type=_positive, default=3,
                   help="aantal voorstellen per organisatie, open vraag en vorm (standaard 3)")
    p.add_argument("--min-group", type=_min_group, default=None,
                   help=f"organisaties met minder respondenten krijgen geen citaten (standaard {MIN_GROUP})")
    p.set_defaults(func=_cmd_quotes)

    p = sub.add_parser("report", help="maak de HTML-rapporten van één ronde")
    p.add_argument("--round", dest="round_name", required=True, help="ronde, bijvoorbeeld 2022-05")
    p.add_argument("--org", default=None, help="alleen het rapport van deze organisatie")
    p.add_argument("--jobs", type=_positive, default=2, help="aantal rapporten tegelijk (processen)")
    p.add_argument("--data", default=None, help="map met de opgeschoonde data (standaard: informeel.yaml, anders "
                                                 "data/processed)")
    p.add_argument("--out", default=None, help="map voor de rapporten (standaard: informeel.yaml, anders reports)")
    p.add_argument("--min-group", type=_min_group, default=None,
                   help=f"minimale groepsgrootte (kleinere groepen worden onderdrukt; standaard {MIN_GROUP})")
    p.add_argument("--codebook", default=None, help=_CODEBOOK_HELP)
    p.add_argument("--teams", action="store_true",
                   help="maak ook een korte pagina per team (alleen teams die veilig getoond kunnen worden)")
    p.add_argument("--pdf", action="store_true", help="druk elk rapport ook af als PDF (headless Chromium)")
    p.add_argument("--bundel", dest="bundle", action="store_true",
                   help="maak per organisatie één zip met haar rapport, het netwerkrapport en haar teampagina's")
    p.add_argument("--schatter", dest="estimator", type=str.upper, choices=REPORT_ESTIMATORS, default=None,
                   help="CFA-schatter van de netwerkmodellen (standaard: informeel.yaml, anders codeboek, anders ML)")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("demo", help="synthetiseer, schoon op en maak alle rapporten")
    p.add_argument("--workdir", default=".", help="projectmap (data/ en reports/ komen hieronder)")
    p.add_argument("--jobs", type=_positive, default=2, help="aantal rapporten tegelijk (processen)")
    p.add_argument("--seed", type=int, default=2021, help="startwaarde voor het toeval")
    p.add_argument("--codebook", default=None,
                   help="maak de demo met dit codeboek (synthetische antwoorden op jouw eigen vragenlijst)")
    p.set_defaults(func=_cmd_demo)


def _add_codebook_commands(sub) -> None:
    """codebook draft and codebook check."""
    p = sub.add_parser("codebook", help="een codeboek opstellen of controleren")
    csub = p.add_subparsers(dest="codebook_command", required=True, metavar="actie")
    c = csub.add_parser("draft", help="schrijf een eerste codeboek op basis van de exports")
    c.add_argument("paths", nargs="+", help="exportbestanden of mappen (CSV, XLSX, SAV)")
    c.add_argument("--out", required=True, help="het codeboek dat geschreven wordt (YAML)")
    c.add_argument("--name", default=None, help="naam van de vragenlijst")
    c.set_defaults(func=_cmd_codebook_draft)
    c = csub.add_parser("check", help="laat zien hoe de kolommen van de exports op het codeboek passen")
    c.add_argument("paths", nargs="+", help="exportbestanden of mappen (CSV, XLSX, SAV)")
    c.add_argument("--codebook", default=None, help=_CODEBOOK_HELP)
    c.add_argument("--round", dest="round_name", default=None,
                   help="de ronde van de exports (voor items die het codeboek pas sinds een latere ronde vraagt)")
    c.set_defaults(func=_cmd_codebook_check)


_LINE_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def _say(text: str) -> None:
    """Print a message on stderr without control characters (a file name or value may hold escapes)."""
    print(_LINE_CONTROL.sub("", str(text)), file=sys.stderr)


def main(argv=None) -> int:
    with _dutch_argparse():
        args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InformeelError as exc:
        _say(f"Fout: {exc}")
        return 2
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM while reports render (then workers are stopped)
        if isinstance(exc, Interrupted):
            _say(exc.message())
            return exc.exit_code
        _say("Afgebroken met Ctrl-C.")
        return 130
    except OSError as exc:  # a folder that is a file, no permission, a full disk: the user's input or machine
        where = f" ('{exc.filename}')" if getattr(exc, "filename", None) else ""
        _say(f"Fout: een bestand of map kan niet gebruikt worden{where}: {exc.strerror or exc}.")
        return 2
    except Exception as exc:  # noqa: BLE001 - the CLI never shows a traceback to a user
        _say(f"Onverwachte fout ({type(exc).__name__}): {exc}. Meld dit bij het onderzoeksteam.")
        return 1


if __name__ == "__main__":
    sys.exit(main())
