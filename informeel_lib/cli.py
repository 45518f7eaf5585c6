"""Command line: ``informeel synth | clean | report | demo``.

Every user-facing message is Dutch. An :class:`InformeelError` is printed as one clear line
(no traceback) and gives exit code 2; unexpected errors give exit code 1 with a short message.
"""

from __future__ import annotations

import argparse
import sys

from .errors import InformeelError


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


def _cmd_clean(args) -> int:
    from .io.cleaning import clean_files

    result = clean_files(args.paths, round=args.round, out=args.out, straightliners=args.straightliners,
                         speeders=args.speeders, strict=args.streng)
    for line in result.warnings():
        print(line, file=sys.stderr)
    print(result.summary())
    print(f"Geschreven: {args.out}/{result.round}.parquet en {args.out}/{result.round}_log.csv")
    return 0


def _cmd_report(args) -> int:
    from .report.batch import render_round

    ok = render_round(args.round, data_dir=args.data, out_dir=args.out, organisation=args.org, jobs=args.jobs,
                      min_group=args.min_group)
    return 0 if ok else 1


def _cmd_demo(args) -> int:
    from .report.batch import run_demo

    return 0 if run_demo(args.workdir, jobs=args.jobs, seed=args.seed) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="informeel", description="Informeel leren in de zorg: data en rapporten.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="opdracht")

    p = sub.add_parser("synth", help="maak een synthetisch netwerk met bekende waarheid")
    p.add_argument("--out", required=True, help="map voor de ruwe exports (één submap per ronde)")
    p.add_argument("--seed", type=int, default=2021, help="startwaarde voor het toeval (reproduceerbaar)")
    p.set_defaults(func=_cmd_synth)

    p = sub.add_parser("clean", help="lees en schoon de exports van één ronde op")
    p.add_argument("paths", nargs="+", help="exportbestanden of mappen (CSV, XLSX, SAV)")
    p.add_argument("--round", required=True, help="naam van de ronde, bijvoorbeeld 2022-05")
    p.add_argument("--out", required=True, help="map voor <ronde>.parquet en het opschoonlogboek")
    p.add_argument("--straightliners", choices=["markeer", "verwijder"], default="markeer",
                   help="wat te doen met rechte-lijn-invullers (standaard: markeer)")
    p.add_argument("--speeders", choices=["markeer", "verwijder"], default="verwijder",
                   help="wat te doen met te snelle invullers (standaard: verwijder)")
    p.add_argument("--streng", action="store_true",
                   help="ongeldige waarden (buiten bereik, onbekend label) zijn een fout in plaats van ontbrekend")
    p.set_defaults(func=_cmd_clean)

    p = sub.add_parser("report", help="maak de HTML-rapporten van één ronde")
    p.add_argument("--round", required=True, help="ronde, bijvoorbeeld 2022-05")
    p.add_argument("--org", default=None, help="alleen het rapport van deze organisatie")
    p.add_argument("--jobs", type=int, default=2, help="aantal rapporten tegelijk (processen)")
    p.add_argument("--data", default="data/processed", help="map met de opgeschoonde data")
    p.add_argument("--out", default="reports", help="map voor de rapporten")
    p.add_argument("--min-group", type=int, default=5, help="minimale groepsgrootte (kleinere groepen worden onderdrukt)")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("demo", help="synthetiseer, schoon op en maak alle rapporten")
    p.add_argument("--workdir", default=".", help="projectmap (data/ en reports/ komen hieronder)")
    p.add_argument("--jobs", type=int, default=2, help="aantal rapporten tegelijk (processen)")
    p.add_argument("--seed", type=int, default=2021, help="startwaarde voor het toeval")
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InformeelError as exc:
        print(f"Fout: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Afgebroken.", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI never shows a traceback to a user
        print(f"Onverwachte fout ({type(exc).__name__}): {exc}. Meld dit bij het onderzoeksteam.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
