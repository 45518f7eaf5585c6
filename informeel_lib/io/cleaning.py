"""Cleaning: from raw exports of one round to ``data/processed/<round>.parquet`` plus a cleaning log.

:func:`clean_files` reads every export (files or folders) with
:func:`~informeel_lib.io.intake.read_export`, and then, per row:

* resolves organisation, role and sector aliases to canonical codes (an unknown organisation or
  role is an error with the nearest known name; an unknown sector becomes missing, logged);
* keeps raw answers (no reverse keying), sets out-of-range values and unknown labels to missing
  and logs each one (``strict=True``: an error instead);
* replaces the personal code (or, without one, tool + source respondent id) by a salted
  pseudonym, and scrubs e-mail addresses and phone numbers in open answers; a placeholder typed
  as code ('nvt', 'geen', '-', 'x', 'onbekend', ...) counts as no code, and one code used in two
  organisations gets one pseudonym per organisation (both logged);
* drops duplicate submissions within an organisation (keeps the last), rows without any answer, and flags or drops
  straight-liners and speeders.

Every dropped row, changed value and flag is a row in the log, and per file
rows in = rows kept + rows dropped (checked in code).
"""

from __future__ import annotations

import difflib
import re
import warnings
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..codebook import Codebook, load_codebook, normalise_text
from ..deidentify import deidentify, deidentify_label
from ..errors import InputError
from ..files import printable, safe_name
from .intake import Export, export_from_frame, read_exports
from .pseudonyms import get_salt, pseudonym, respondent_key
from .readers import SUPPORTED_EXTENSIONS

LOG_COLUMNS = ["round", "source_file", "source_row", "respondent", "action", "column", "old_value", "new_value",
               "reason_code", "reason"]
RULES = ("flag", "drop")

REASONS = {
    "dubbel": "dubbele inzending van dezelfde respondent; de laatste inzending is bewaard",
    "geen_antwoorden": "geen enkele vragenlijstvraag beantwoord",
    "organisatie_ontbreekt": "organisatie niet ingevuld",
    "te_snel": "te snel ingevuld",
    "rechte_lijn": "rechte-lijn-invuller (overal hetzelfde antwoord, ook bij omgekeerde vragen)",
    "buiten_bereik": "waarde buiten het antwoordbereik, opgeslagen als ontbrekend",
    "onbekend_label": "onbekend antwoordlabel, opgeslagen als ontbrekend",
    "ongeldige_waarde": "ongeldige waarde, opgeslagen als ontbrekend",
    "onbekende_sector": "onbekende sector, opgeslagen als ontbrekend",
    "email_verwijderd": "e-mailadres in open antwoord vervangen door [e-mail]",
    "gegevens_verwijderd": "identificerende gegevens in open antwoord vervangen",
    "telefoon_verwijderd": "telefoonnummer in open antwoord vervangen door [telefoonnummer]",
    "onbekende_kolom": "kolom niet herkend in het codeboek en daarom niet meegenomen",
    "niet_gevraagd": "item niet gevraagd in deze ronde: de kolom blijft leeg",
    "tekencodering": "regel zonder geldige UTF-8 in een verder UTF-8-bestand, als Windows-1252 gelezen",
    "formule_zonder_waarde": "formulecel zonder opgeslagen waarde, opgeslagen als ontbrekend",
    "werkblad_genegeerd": "werkblad niet ingelezen",
    "code_plaatshouder": "persoonlijke code is een invulwoord (zoals 'nvt' of 'geen'), geen echte code: behandeld "
                         "als geen code, dus nooit als dubbele inzending van een ander gezien",
    "code_meerdere_organisaties": "dezelfde persoonlijke code komt in meer dan één organisatie voor: per "
                                  "organisatie als een andere persoon behandeld (dubbele inzendingen alleen binnen "
                                  "één organisatie)",
}
NOTICE_CODES = ("tekencodering", "formule_zonder_waarde", "werkblad_genegeerd")
"""Reason codes of what the intake noticed (:class:`~informeel_lib.io.export.Notice`), warned about per file."""
# Dutch warning per kind of changed value, printed by the CLI
WARNINGS = {
    "buiten_bereik": "{n} waarde(n) buiten het antwoordbereik zijn als ontbrekend opgeslagen",
    "onbekend_label": "{n} onbekend(e) antwoordlabel(s) zijn als ontbrekend opgeslagen",
    "ongeldige_waarde": "{n} ongeldige achtergrondwaarde(n) zijn als ontbrekend opgeslagen",
    "onbekende_sector": "{n} onbekende sector(en) zijn als ontbrekend opgeslagen",
}

EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)31[\s\-]?(?:\(0\)[\s\-]?)?|\(?0)[1-9]\)?(?:[\s\-]?\d){7,8}(?!\d)"
    r"|(?<![\w+])\+\d{1,3}[\s\-]?\d(?:[\s\-]?\d){6,12}(?!\d)"
)


@dataclass(frozen=True, repr=False)
class CleaningResult:
    """Outcome of cleaning one round.

    Attributes
    ----------
    data : DataFrame
        Kept rows with the columns of docs/data-contract.md.
    log : DataFrame
        One row per dropped row, changed value or flag (columns ``LOG_COLUMNS``).
    n_in, n_kept : int
    n_dropped_by_reason : dict
        reason_code -> number of dropped rows.
    issues : tuple of Issue
        Value-level problems found at intake (all set to missing).
    files : DataFrame
        Per file: tool, rows in, kept, dropped (the invariant in = kept + dropped holds).
    """

    round_name: str
    data: pd.DataFrame
    log: pd.DataFrame
    n_in: int
    n_kept: int
    n_dropped_by_reason: dict
    issues: tuple = ()
    files: pd.DataFrame = field(default_factory=pd.DataFrame)
    unmapped_columns: tuple = ()        # (file, heading) of every export column the codebook does not know
    codebook_info: dict = field(default_factory=dict)   # codebook name, hash and the items this round holds

    @property
    def n_changed_by_reason(self) -> dict:
        changed = self.log[self.log["action"] == "gewijzigd"]
        return {k: int(v) for k, v in changed["reason_code"].value_counts().sort_index().items()}

    @property
    def n_flagged_by_reason(self) -> dict:
        flagged = self.log[self.log["action"] == "gemarkeerd"]
        return {k: int(v) for k, v in flagged["reason_code"].value_counts().sort_index().items()}

    @property
    def not_asked_items(self) -> list[str]:
        """Items the round did not ask (logged ``niet_gevraagd``): their columns are empty."""
        return list(dict.fromkeys(self.log.loc[self.log["reason_code"] == "niet_gevraagd", "column"]))

    def warnings(self) -> list[str]:
        """One Dutch warning line per kind of value set to missing, and per file for what the intake noticed
        (lines not in UTF-8, formula cells without a value, worksheets not read)."""
        lines = [f"Waarschuwing: {WARNINGS[k].format(n=n)} (zie het opschoonlogboek)."
                 for k, n in self.n_changed_by_reason.items() if k in WARNINGS]
        return lines + [f"Waarschuwing: {text} (zie het opschoonlogboek)." for text in self.intake_notices()]

    def intake_notices(self) -> list[str]:
        """Per file, in Dutch: lines read as Windows-1252, formula cells without a value, sheets not read."""
        log = self.log[self.log["reason_code"].isin(NOTICE_CODES)]
        out = []
        for (file, code), group in log.groupby(["source_file", "reason_code"], sort=False):
            rows = ", ".join(str(r) for r in group["source_row"].head(10)) + (" …" if len(group) > 10 else "")
            if code == "tekencodering":
                out.append(f"bestand '{file}': {len(group)} regel(s) zonder geldige UTF-8 zijn als Windows-1252 "
                           f"gelezen (regel {rows}); controleer de bijzondere tekens daar")
            elif code == "formule_zonder_waarde":
                out.append(f"bestand '{file}': {len(group)} formulecel(len) zonder opgeslagen waarde zijn als "
                           f"ontbrekend opgeslagen (rij {rows}); open het bestand in Excel en sla het opnieuw op")
            else:
                out += [f"bestand '{file}': {reason}" for reason in group["reason"]]
        return out

    def summary(self) -> str:
        """Dutch multi-line summary: rows in/kept, dropped by reason, changed values, flags."""
        dropped = sum(self.n_dropped_by_reason.values())
        lines = [f"Ronde {self.round_name}: {len(self.files)} bestand(en), {self.n_in} rijen ingelezen, "
                 f"{self.n_kept} bewaard, {dropped} verwijderd."]
        for title, counts in (("Verwijderde rijen", self.n_dropped_by_reason),
                              ("Gewijzigde waarden", self.n_changed_by_reason),
                              ("Gemarkeerde rijen", self.n_flagged_by_reason)):
            if counts:
                lines.append(f"{title}:")
                lines += [f"  - {REASONS.get(k, k)}: {n}" for k, n in counts.items()]
            else:
                lines.append(f"{title}: geen")
        notices = self.intake_notices()
        if notices:
            lines.append("Meldingen bij het inlezen:")
            lines += [f"  - {text}" for text in notices]
        not_asked = self.not_asked_items
        if not_asked:
            lines.append("Niet gevraagd in deze ronde (kolom leeg): " + ", ".join(not_asked))
        if self.unmapped_columns:
            lines.append(f"Niet herkende kolommen ({len(self.unmapped_columns)}), niet meegenomen; voeg ze toe aan het "
                         "codeboek als ze bij de vragenlijst horen (zie 'informeel codebook check'):")
            lines += [f"  - {file}: '{heading}'" for file, heading in self.unmapped_columns]
        else:
            lines.append("Niet herkende kolommen: geen")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """Per file: tool, rows in, kept, dropped."""
        return self.files.copy()

    def __repr__(self) -> str:
        return (f"CleaningResult(round_name={self.round_name!r}, n_in={self.n_in}, n_kept={self.n_kept}, "
                f"dropped={self.n_dropped_by_reason}, changed={self.n_changed_by_reason}, "
                f"flagged={self.n_flagged_by_reason})")


# --- helpers -------------------------------------------------------------------------

def _nearest(value, categories) -> str | None:
    index = {}
    for cat in categories:
        for alias in (cat.code, cat.label, *cat.aliases):
            index.setdefault(normalise_text(alias), cat.code)
    close = difflib.get_close_matches(normalise_text(value), list(index), n=1, cutoff=0.5)
    return index[close[0]] if close else None


def _heading_note(raw_heading: str, canon: str) -> str:
    """' (kop "...")' when the raw heading differs from the canonical column name."""
    return "" if raw_heading in (None, canon) else f" (kop '{raw_heading}')"


def _raw_heading(export: Export, canon: str):
    return next((h for h, c in export.column_map.items() if c == canon), None)


def _unknown_category(kind: str, value, categories, *, file, row, column, heading=None):
    suggestion = _nearest(value, categories)
    hint = f" Bedoelt u '{suggestion}'?" if suggestion else ""
    known = ", ".join(c.code for c in categories)
    key = {"organisatie": "organisations", "functie/rol": "roles"}[kind]
    raise InputError(f"onbekende {kind} '{value}'{_heading_note(heading, column)}.{hint} Bekende waarden: {known}. "
                     f"Is het dezelfde, voeg deze schrijfwijze dan als alias toe aan het codeboek ({key} → aliases).",
                     file=file, column=column, row=row)


def scrub_contacts(text):
    """Replace e-mail addresses and phone numbers; returns (text, n_emails, n_phones)."""
    if text is None:
        return None, 0, 0
    text, n_mail = EMAIL.subn("[e-mail]", text)
    text, n_phone = PHONE.subn("[telefoonnummer]", text)
    return text, n_mail, n_phone


def _log(entries, rnd, file, row, respondent, action, column, old, new, code, reason=None):
    entries.append({
        "round": rnd, "source_file": file, "source_row": int(row), "respondent": respondent, "action": action,
        "column": column, "old_value": old, "new_value": new, "reason_code": code,
        "reason": reason or REASONS.get(code, code),
    })


def _collect_paths(paths) -> list[Path]:
    if isinstance(paths, (str, Path)):
        paths = [paths]
    out = []
    for p in paths:
        p = Path(p)
        if not p.exists():
            raise InputError("dit pad bestaat niet.", file=str(p))
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and not f.name.startswith((".", "~$"))
                           and f.suffix.lower() in SUPPORTED_EXTENSIONS)
            if not found:
                raise InputError("deze map bevat geen exportbestanden (" + ", ".join(SUPPORTED_EXTENSIONS) + ").",
                                 file=str(p))
            out += found
        else:
            out.append(p)
    if not out:
        raise InputError("geen bestanden opgegeven.")
    return out


def _strict_error(issues):
    first = issues[0]
    more = ""
    if len(issues) > 1:
        shown = "; ".join(f"kolom {i.column}, rij {i.row}: '{i.value}'" for i in issues[1:6])
        more = f" En nog {len(issues) - 1} andere: {shown}{' …' if len(issues) > 6 else ''}."
    raise InputError(f"waarde '{first.value}'{_heading_note(first.raw_column, first.column)} is ongeldig: "
                     f"{first.reason}{more} (strikte modus: corrigeer de export of draai zonder --streng om deze "
                     "waarden als ontbrekend op te slaan.)", file=first.file, column=first.column, row=first.row)


# --- per-file cleaning -------------------------------------------------------------------

def _prepare_file(export: Export, *, rnd: str, cb: Codebook, salt: str, log: list, order_offset: int) -> pd.DataFrame:
    """Resolve categories, pseudonymise, scrub one export; returns a frame with bookkeeping columns."""
    df = export.data  # read only here: no copy of every export (memory on large rounds)
    name = export.source_file
    rows = list(export.source_rows)
    n = len(df)
    out = pd.DataFrame(index=range(n))
    out["source_file"] = name
    out["source_row"] = np.asarray(rows, dtype="int64")
    out["_order"] = np.arange(order_offset, order_offset + n)
    out["_tool"] = export.tool
    # pseudonyms (the raw personal code never leaves this function)
    codes = df["personal_code"] if "personal_code" in df else pd.Series([None] * n)
    ids = df["respondent_id"] if "respondent_id" in df else pd.Series([None] * n)
    sources = [f"{rnd}:{name}:{sid if sid is not None else f'rij{row}'}" for sid, row in zip(ids, rows)]
    keys = [respondent_key(code, tool=export.tool, source_id=source) for code, source in zip(codes, sources)]
    resp = [pseudonym(key, salt) for key in keys]
    out["respondent"] = resp
    _log_placeholder_codes(codes, keys, rows, resp, rnd=rnd, name=name, log=log)
    _add_categories(out, export, df, rows, resp, cb=cb, rnd=rnd, log=log)
    for col in ("team_size", "tenure", "contract_hours", "duration_s"):
        out[col] = df[col].to_numpy(dtype=float) if col in df else np.nan
    out["submitted"] = df["submitted"].to_numpy() if "submitted" in df else pd.NaT
    out["submitted"] = pd.to_datetime(out["submitted"])
    for item in cb.item_codes:
        out[item] = df[item].to_numpy(dtype=float) if item in df else np.nan
    out["_n_available"] = sum(c in df for c in cb.item_codes)
    # value issues from intake: one log line each
    resp_by_row = dict(zip(rows, resp))
    for issue in export.issues:
        old = _masked(issue.value)  # a name or phone typed into an item cell never reaches the log
        _log(log, rnd, name, issue.row, resp_by_row.get(issue.row), "gewijzigd", issue.column, old, None,
             issue.reason_code, f"{issue.reason.rstrip('.')}; opgeslagen als ontbrekend")
    for note in export.notices:  # lines not in UTF-8, formula cells without a value, sheets not read
        _log(log, rnd, name, note.row, resp_by_row.get(note.row), note.action, note.column, None, None,
             note.reason_code, note.reason)
    for col in cb.open_questions:
        out[col] = _deidentified_open_answers(df, col, codes, rows, resp, rnd=rnd, name=name, log=log)
    return out


def _log_placeholder_codes(codes, keys, rows, resp, *, rnd: str, name: str, log: list) -> None:
    """One log line per filled-in personal code that is a placeholder ('nvt', 'geen', '-', ...): it counts as no
    code (its pseudonym key is the source key). The placeholder itself is shown (it identifies no one); a real
    code never reaches the log."""
    candidates = [i for i, key in enumerate(keys) if not key.startswith("code:")]
    codes = list(codes) if candidates else []
    for i in candidates:
        code, row, r = codes[i], rows[i], resp[i]
        if code is not None:
            _log(log, rnd, name, row, r, "gewijzigd", "personal_code", printable(str(code), limit=20), None,
                 "code_plaatshouder")


def _separate_organisations(frame: pd.DataFrame, salt: str, log: list, rnd: str) -> pd.DataFrame:
    """One pseudonym used in more than one organisation (the same personal code typed by people of different
    organisations) becomes one pseudonym per organisation, ``pseudonym(<pseudonym>|<organisation>)``, so
    duplicates are only ever looked for within one organisation; every changed row is logged."""
    repeated = frame["respondent"].duplicated(keep=False) & frame["organisation"].notna()  # few rows: fast
    pairs = frame.loc[repeated, ["respondent", "organisation"]].drop_duplicates()
    shared = repeated & frame["respondent"].isin(pairs.loc[pairs["respondent"].duplicated(), "respondent"])
    if not shared.any():
        return frame
    frame = frame.copy()
    new = [pseudonym(f"{r}|organisatie:{o}", salt)
           for r, o in zip(frame.loc[shared, "respondent"], frame.loc[shared, "organisation"])]
    frame.loc[shared, "respondent"] = new
    for (_, r) in frame[shared].iterrows():
        _log(log, rnd, r["source_file"], r["source_row"], r["respondent"], "gewijzigd", "respondent", None, None,
             "code_meerdere_organisaties")
    return frame


def _add_categories(out, export: Export, df, rows, resp, *, cb: Codebook, rnd: str, log: list) -> None:
    """Organisation and role (an unknown value is an InputError), team (de-identified), sector (an unknown
    value becomes missing, logged)."""
    name, n = export.source_file, len(df)

    def resolve_all(column, what, resolve, categories):
        resolved = []
        for value, row in zip(df[column] if column in df else [None] * n, rows):
            canon = None if value is None else resolve(value)
            if value is not None and canon is None:
                _unknown_category(what, value, categories, file=name, row=row, column=column,
                                  heading=_raw_heading(export, column))
            resolved.append(canon)
        return resolved

    out["organisation"] = resolve_all("organisation", "organisatie", cb.resolve_organisation, cb.organisations)
    out["team"] = _deidentified_teams(df["team"] if "team" in df else pd.Series([None] * n), out["organisation"])
    out["role"] = resolve_all("role", "functie/rol", cb.resolve_role, cb.roles)
    sectors = []
    for value, row, r in zip(df["sector"] if "sector" in df else [None] * n, rows, resp):
        canon = None if value is None else cb.resolve_sector(value)
        if value is not None and canon is None:
            _log(log, rnd, name, row, r, "gewijzigd", "sector", _masked(value), None, "onbekende_sector")
        sectors.append(canon)
    out["sector"] = sectors


def _deidentified_open_answers(df, col, codes, rows, resp, *, rnd: str, name: str, log: list) -> pd.Series:
    """Open answers de-identified (deduce + own patterns, the respondent's own code too); the log gets the
    kinds that were removed, never the old value."""
    texts = []
    for value, code, row, r in zip(df[col] if col in df else [None] * len(df), codes, rows, resp):
        text, kinds = _deidentify_answer(value, code)
        if kinds:
            _log(log, rnd, name, row, r, "gewijzigd", col, None, None, "gegevens_verwijderd",
                 f"{REASONS['gegevens_verwijderd']}: " + ", ".join(f"{k} ({v})" for k, v in sorted(kinds.items())))
        texts.append(text)
    return pd.Series(texts, dtype=object)


@lru_cache(maxsize=65536)
def _deidentify_cached(text: str):
    return deidentify(text)


def _deidentify_answer(value, code):
    """De-identify one open answer; the shared cache serves texts that do not contain the respondent's code."""
    if value is None:
        return None, {}
    text = str(value)
    squashed = re.sub(r"[\s\-_.]", "", str(code or "")).lower()
    if len(squashed) >= 3 and squashed in re.sub(r"[\s\-_.]", "", text).lower():
        return deidentify(text, personal_codes=[str(code)])
    return _deidentify_cached(text)


def _masked(value) -> str | None:
    """A raw cell value as it may appear in the log: de-identified (a name typed into a cell is not copied)."""
    if value is None:
        return None
    return _deidentify_cached(str(value))[0]


@lru_cache(maxsize=65536)
def _deidentified_label(text: str):
    """:func:`deidentify_label` once per distinct team name (a round repeats a few hundred names on every row)."""
    return deidentify_label(text)


def _deidentified_teams(teams: pd.Series, organisations) -> list:
    """Team names with person names and contact details removed ('Team van Marieke de Vries' -> 'Team van
    [naam]'); places and institutions stay (they name a team, not a person). Two teams of one organisation
    that would get the same name are numbered, each team keeping its number on every row."""
    out, assigned, taken, shared = [], {}, set(), {}
    for team, org in zip(teams, organisations):
        if team is None or (isinstance(team, float) and np.isnan(team)):
            out.append(None)
            continue
        original = str(team)
        name = assigned.get((org, original))
        if name is None:
            name = _unique_team_name(_shown_team_name(original), org, taken)
            assigned[(org, original)] = name
            taken.add((org, name))
        out.append(shared.setdefault(name, name))  # one string per name, not one per row (memory)
    return out


_PERSONAL_KINDS = {"naam", "telefoon", "email", "code", "nummer", "ip", "datum", "leeftijd"}


def _shown_team_name(team: str) -> str:
    text, kinds = _deidentified_label(team)
    return text if _PERSONAL_KINDS & set(kinds) else team


def _unique_team_name(name: str, organisation, taken: set) -> str:
    """``name``, or ``name (2)``, ``name (3)``, ... when another team of the organisation already has it."""
    candidate, number = name, 1
    while (organisation, candidate) in taken:
        number += 1
        candidate = f"{name} ({number})"
    return candidate


def _drop(frame, mask, code, reason_fn, log, rnd, dropped):
    if not mask.any():
        return frame  # nothing to drop: no copy of a large round
    for _, r in frame[mask].iterrows():
        _log(log, rnd, r["source_file"], r["source_row"], r["respondent"], "verwijderd", None, None, None, code,
             reason_fn(r))
        dropped.append((r["source_file"], code))
    return frame[~mask]


def _duplicate_mask(frame: pd.DataFrame) -> pd.Series:
    """True for every submission of a respondent that is not the last one (by time, else file order)."""
    keep = pd.Series(True, index=frame.index)
    repeated = frame["respondent"].duplicated(keep=False)  # only these can be duplicates: no loop over everyone
    for _, group in frame[repeated].groupby("respondent", sort=False):
        if len(group) < 2:
            continue
        if group["submitted"].notna().all():
            last = group.sort_values(["submitted", "_order"]).index[-1]
        else:
            last = group.sort_values("_order").index[-1]
        keep[group.index] = False
        keep[last] = True
    return ~keep


def speeder_threshold(durations, *, min_seconds: float = 60.0, fraction: float = 1 / 3) -> float:
    """Speeder limit: ``max(min_seconds, fraction * median duration)`` (median over known durations)."""
    d = pd.Series(durations, dtype=float).dropna()
    median = float(d.median()) if len(d) else 0.0
    return max(float(min_seconds), fraction * median)


def straightliner_mask(frame: pd.DataFrame, cb: Codebook, *, min_answered: float = 0.8) -> pd.Series:
    """Rows that answered >= ``min_answered`` of the available items and gave the same raw answer to every
    answered item of the scales that contain reversed items (so agreeing with opposite statements)."""
    items = [c for c in cb.item_codes if c in frame]
    answered = frame[items].notna().sum(axis=1)
    available = frame["_n_available"].where(frame["_n_available"] > 0, len(items)) if "_n_available" in frame \
        else len(items)
    mixed = [c for code, sc in cb.scales.items() if sc.reverse_items for c in sc.item_codes if c in frame]
    if not mixed:
        return pd.Series(False, index=frame.index)
    block = frame[mixed].to_numpy(dtype=float)
    answered_mixed = (~np.isnan(block)).sum(axis=1)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():  # a row without answers: all-NaN, not same
        warnings.simplefilter("ignore", RuntimeWarning)
        # one distinct answer <=> the largest equals the smallest (row-wise nunique is slow on large rounds)
        same = pd.Series((np.nanmax(block, axis=1) == np.nanmin(block, axis=1)) & (answered_mixed >= 2),
                         index=frame.index)
    return (answered >= min_answered * available) & same


def _assemble(frame: pd.DataFrame, cb: Codebook, rnd: str) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    out["respondent"] = frame["respondent"].astype(object)
    out["round"] = rnd
    for col in ("organisation", "team", "role", "sector"):
        out[col] = frame[col].astype(object).where(frame[col].notna(), None)
    out["team_size"] = pd.array(frame["team_size"].round(), dtype="Int64")
    out["tenure"] = frame["tenure"].astype(float)
    out["contract_hours"] = frame["contract_hours"].astype(float)
    out["duration_s"] = frame["duration_s"].astype(float)
    out["submitted"] = pd.to_datetime(frame["submitted"])
    for item in cb.item_codes:
        out[item] = frame[item].astype("float64")
    for col in cb.open_questions:
        out[col] = frame[col].astype(object).where(frame[col].notna(), None)
    out["flag_straightliner"] = frame["flag_straightliner"].astype(bool)
    out["flag_speeder"] = frame["flag_speeder"].astype(bool)
    out["source_file"] = frame["source_file"].astype(object)
    out["source_row"] = frame["source_row"].astype("int64")
    return out.reset_index(drop=True)


# --- public API ----------------------------------------------------------------------------

def clean(exports, *, round_name, codebook=None, straightliners="flag", speeders="drop", strict=False, salt=None,
          speeder_min_seconds=60.0, speeder_fraction=1 / 3, not_asked=None) -> CleaningResult:
    """Clean the exports of one round that are already in memory.

    Parameters
    ----------
    exports : list of Export or DataFrame
        Results of :func:`~informeel_lib.io.intake.read_export`, or raw DataFrames (run through the
        intake as a CSV export named ``dataframe<i>``).
    round : str
        Round name, e.g. ``"2022-05"``.
    straightliners, speeders : {"flag", "drop"}
        Flag (``flag_*`` column) or drop. Defaults, as on the command line: straight-liners are
        flagged (their answers may be honest), speeders are dropped (their answers are not read).
    strict : bool
        Out-of-range values and unknown labels raise InputError instead of becoming missing.
    salt : str, optional
        Pseudonymisation salt; else ``$INFORMEEL_SALT``, else ``.informeel_salt``.
    not_asked : dict, optional
        Items the round did not ask, with the reason for the log (:func:`not_asked_items`); items
        whose codebook ``since`` is a later round always count. The log gets one ``niet_gevraagd``
        line per export and such item that the export lacks (the column stays empty).
    speeder_min_seconds, speeder_fraction : float
        A speeder took less than ``max(speeder_min_seconds, speeder_fraction * median duration)``.

    Returns
    -------
    CleaningResult

    Notes
    -----
    Order of the rules: rows without any answer or without organisation are dropped; then
    duplicate pseudonyms (keep the last by submission time, else by file order); then speeders
    (median over the remaining rows); then straight-liners.
    Straight-liner: answered >= 80% of the items and all answers identical within the scales
    that contain reversed items.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from informeel_lib.synth.example import example_survey
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> export = example_survey(20, seed=1).drop(columns=["respondent", "round"])
    >>> export.rename(columns={"organisation": "organisatie", "role": "rol"}).to_csv(folder / "zinn.csv", index=False)
    >>> from informeel_lib.io.intake import read_export
    >>> result = clean([read_export(folder / "zinn.csv")], round_name="2022-05", salt="voorbeeld")
    >>> print(result.summary().splitlines()[0])
    Ronde 2022-05: 1 bestand(en), 20 rijen ingelezen, 20 bewaard, 0 verwijderd.

    There is no single R equivalent; ``careless::longstring`` covers straight-lining and
    ``dplyr::distinct`` the duplicate rule.
    """
    return _clean(exports, round_name=round_name, codebook=codebook, straightliners=straightliners,
                  speeders=speeders, strict=strict, salt=salt, speeder_min_seconds=speeder_min_seconds,
                  speeder_fraction=speeder_fraction, not_asked=not_asked)


def _clean(exports, *, round_name, codebook, straightliners, speeders, strict, salt, speeder_min_seconds,
           speeder_fraction, not_asked=None, hand_over=False) -> CleaningResult:
    """:func:`clean`. With ``hand_over`` the caller gives up its list ``exports`` (it is emptied) and every
    export's rows are released as soon as they are prepared: the raw export and the prepared rows are then
    never in memory at the same time (a large round needs a third less memory)."""
    rnd, cb, checked = _checked_inputs(exports, round_name, codebook, straightliners, speeders)
    if hand_over:
        exports.clear()
    exports = checked
    names = [e.source_file for e in exports]
    issues = tuple(i for e in exports for i in e.issues)
    if strict and issues:
        _strict_error(issues)
    salt = get_salt(salt)
    n_in = {e.source_file: len(e.data) for e in exports}
    info = codebook_info(cb, exports)
    # every rule that drops rows copies the round once: with hand_over, what the previous copy freed goes back
    # to the operating system first, so two copies are the most ever held (not one more per rule). Only for a
    # large round: a full garbage collection costs more than a small round's copies (the tests clean hundreds)
    large = sum(n_in.values()) >= RELEASE_FROM_ROWS
    release = release_memory if hand_over and large else (lambda: None)

    log: list = []
    frames, offset = [], 0
    for i, export in enumerate(exports):
        frames.append(_prepare_file(export, rnd=rnd, cb=cb, salt=salt, log=log, order_offset=offset))
        offset += len(export.data)
        if hand_over:
            exports[i] = export = _released(export)
            release()
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    del frames
    release()
    frame = _separate_organisations(frame, salt, log, rnd)
    dropped: list = []
    frame = _drop_unusable(frame, cb, log, rnd, dropped)
    release()
    limit = speeder_threshold(frame["duration_s"], min_seconds=speeder_min_seconds, fraction=speeder_fraction)
    frame = _apply_speeder_rule(frame, speeders, limit, log, rnd, dropped)
    release()
    frame = _apply_straightliner_rule(frame, straightliners, cb, log, rnd, dropped)
    release()

    data = _assemble(frame, cb, rnd)
    del frame
    release()
    unmapped = tuple((e.source_file, h) for e in exports for h in e.unmapped_columns)
    for file, heading in unmapped:
        _log(log, rnd, file, 1, None, "kolom_genegeerd", heading, None, None, "onbekende_kolom")
    _log_not_asked(exports, cb, rnd, not_asked, log)
    log_df = pd.DataFrame(log, columns=LOG_COLUMNS)
    if len(log_df):
        log_df = log_df.sort_values(["source_file", "source_row"], kind="stable", key=_file_order_key(names))
        log_df = log_df.reset_index(drop=True)
    log_df["source_row"] = log_df["source_row"].astype("int64")
    files = _account(exports, n_in, data, dropped)
    by_reason: dict = {}
    for _, code in dropped:
        by_reason[code] = by_reason.get(code, 0) + 1
    return CleaningResult(round_name=rnd, data=data, log=log_df, n_in=int(files["n_in"].sum()), n_kept=len(data),
                          n_dropped_by_reason=dict(sorted(by_reason.items())), issues=issues, files=files,
                          unmapped_columns=unmapped, codebook_info=info)


def _released(export: Export) -> Export:
    """The export without its rows (columns, issues and notices stay): what the cleaning needs after it."""
    return replace(export, data=pd.DataFrame(columns=export.data.columns), source_rows=[])


# rows from which a handed-over round gives freed memory back to the operating system after each copying step
RELEASE_FROM_ROWS = 50_000


def release_memory() -> None:
    """Give memory that Python freed back to the operating system where the C library keeps it (glibc holds
    freed blocks of a large heap until asked; elsewhere this does nothing)."""
    import gc

    gc.collect()
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl without malloc_trim)
        pass


def _earlier_items(round_name, out) -> dict | None:
    """The items ``{code: wording}`` an earlier cleaning of this round into ``out`` recorded (None: none)."""
    parquet = Path(out) / f"{safe_name(str(round_name))}.parquet" if out is not None else None
    if parquet is None or not parquet.exists():
        return None
    try:
        return round_metadata(parquet).get("items") or None
    except (OSError, ValueError):  # an unreadable earlier round decides nothing; the new clean replaces it
        return None


def _keep_earlier_wording(info: dict, earlier: dict | None, cb: Codebook) -> None:
    """Re-cleaning a round with a codebook that reworded an item since (old wording under ``was``): the round
    keeps the wording its earlier cleaning recorded, so the reports still name the item as reworded."""
    for code, text in info.get("items", {}).items():
        old = (earlier or {}).get(code)
        if old and old != text and old in cb.item_texts(code):
            info["items"][code] = old


def not_asked_items(cb: Codebook, round_name, out=None) -> dict[str, str]:
    """Items round ``round_name`` did not ask, with the reason (Dutch), so their columns may be missing.

    An item whose codebook ``since`` is a later round; and, when the round was cleaned before into
    ``out``, an item that the earlier cleaning did not hold either (the codebook gained it afterwards:
    re-cleaning an old round with a newer codebook).
    """
    out_reasons = {it.code: f"item pas gevraagd sinds ronde {it.since} (codeboek: since): de kolom blijft leeg"
                   for it in cb.items if not it.asked_in(round_name)}
    recorded = _earlier_items(round_name, out)
    for code in cb.item_codes if recorded else ():
        if code not in recorded and code not in out_reasons:
            out_reasons[code] = ("item stond niet in de eerder opgeschoonde data van deze ronde (het codeboek kreeg "
                                 "het later): niet gevraagd, de kolom blijft leeg")
    return out_reasons


def _log_not_asked(exports, cb: Codebook, rnd: str, not_asked: dict | None, log: list) -> None:
    """One log line per export and item that the round did not ask and the export lacks."""
    reasons = {c: REASONS["niet_gevraagd"] for c in cb.items_not_asked(rnd)} | dict(not_asked or {})
    for export in exports:
        for code in cb.item_codes:
            if code in reasons and code not in export.data.columns:
                _log(log, rnd, export.source_file, 1, None, "niet_gevraagd", code, None, None, "niet_gevraagd",
                     reasons[code])


def _checked_inputs(exports, round_name, codebook, straightliners, speeders):
    """The safe round name, the codebook and the exports as :class:`Export` objects (unique file names)."""
    for name, rule in (("straightliners", straightliners), ("speeders", speeders)):
        if rule not in RULES:
            raise InputError(f"'{name}' moet 'flag' of 'drop' zijn, niet '{rule}'.")
    rnd = str(round_name)
    if not rnd.strip():
        raise InputError("geef een rondenaam op, bijvoorbeeld 2022-05.")
    rnd = safe_name(rnd)
    cb = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
    exports = [e if isinstance(e, Export) else export_from_frame(e, name=f"dataframe{i + 1}", codebook=cb,
                                                                 not_asked=cb.items_not_asked(rnd))
               for i, e in enumerate(exports)]
    if not exports:
        raise InputError("geen exports om op te schonen.")
    names = [e.source_file for e in exports]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise InputError("twee exports hebben dezelfde bestandsnaam; geef ze unieke namen.", file=dup)
    return rnd, cb, exports


def _drop_unusable(frame, cb, log, rnd, dropped):
    """Drop rows without any item answer, rows without an organisation, and earlier duplicate submissions."""
    items = [c for c in cb.item_codes if c in frame]
    frame = _drop(frame, frame[items].notna().sum(axis=1) == 0, "geen_antwoorden",
                  lambda r: REASONS["geen_antwoorden"], log, rnd, dropped)
    frame = _drop(frame, frame["organisation"].isna(), "organisatie_ontbreekt",
                  lambda r: REASONS["organisatie_ontbreekt"], log, rnd, dropped)
    dup = _duplicate_mask(frame)
    kept = frame[~dup & frame["respondent"].isin(frame.loc[dup, "respondent"])]  # the kept ones of the duplicates
    last = {resp: {"source_file": f, "source_row": row}
            for resp, f, row in zip(kept["respondent"], kept["source_file"], kept["source_row"])}
    return _drop(frame, dup, "dubbel",
                 lambda r: f"{REASONS['dubbel']} (bewaard: bestand '{last[r['respondent']]['source_file']}', "
                           f"rij {last[r['respondent']]['source_row']})", log, rnd, dropped)


def _apply_speeder_rule(frame, rule, limit, log, rnd, dropped):
    """Drop (``"drop"``) or flag (``"flag"``: column ``flag_speeder``) respondents faster than ``limit`` seconds."""
    fast = frame["duration_s"].notna() & (frame["duration_s"] < limit)

    def reason_fast(r):
        return f"{REASONS['te_snel']} ({r['duration_s']:.0f} s; grens {limit:.0f} s)"

    if rule == "drop":
        frame = _drop(frame, fast, "te_snel", reason_fast, log, rnd, dropped)
        fast = fast[frame.index]
    else:
        for _, r in frame[fast].iterrows():
            _log(log, rnd, r["source_file"], r["source_row"], r["respondent"], "gemarkeerd", "flag_speeder", None,
                 True, "te_snel", reason_fast(r))
    return frame.assign(flag_speeder=fast & (rule == "flag"))


def _apply_straightliner_rule(frame, rule, cb, log, rnd, dropped):
    """Drop or flag (column ``flag_straightliner``) straight-liners (:func:`straightliner_mask`)."""
    straight = straightliner_mask(frame, cb)
    if rule == "drop":
        frame = _drop(frame, straight, "rechte_lijn", lambda r: REASONS["rechte_lijn"], log, rnd, dropped)
        straight = straight[frame.index]
    else:
        for _, r in frame[straight].iterrows():
            _log(log, rnd, r["source_file"], r["source_row"], r["respondent"], "gemarkeerd", "flag_straightliner",
                 None, True, "rechte_lijn")
    return frame.assign(flag_straightliner=straight & (rule == "flag"))


def codebook_info(cb: Codebook, exports) -> dict:
    """What a processed round records about its questionnaire: codebook name and content hash, and the
    items the round holds (recognised in at least one export) with their wording at the time."""
    held = {c for e in exports for c in e.data.columns}
    return {"codebook": {"name": cb.name, "hash": cb.content_hash, "source": str(cb.source)},
            "items": {it.code: it.text for it in cb.items if it.code in held}}


def _file_order_key(names):
    order = {n: i for i, n in enumerate(names)}

    def key(col):
        return col.map(order) if col.name == "source_file" else col
    return key


def _account(exports, n_rows, data, dropped) -> pd.DataFrame:
    """Per-file accounting (``n_rows``: rows read per file); raises if rows in != rows kept + rows dropped."""
    rows = []
    kept = data["source_file"].value_counts().to_dict()
    for e in exports:
        n_in = n_rows[e.source_file]
        n_kept = int(kept.get(e.source_file, 0))
        n_dropped = sum(1 for f, _ in dropped if f == e.source_file)
        if n_in != n_kept + n_dropped:
            raise RuntimeError(f"Interne fout in de opschoning: bestand '{e.source_file}' heeft {n_in} rijen in, "
                               f"maar {n_kept} bewaard + {n_dropped} verwijderd. Meld dit bij het onderzoeksteam.")
        rows.append({"source_file": e.source_file, "tool": e.tool, "n_in": n_in, "n_kept": n_kept,
                     "n_dropped": n_dropped, "identifier_columns_dropped": len(e.dropped_identifier_columns),
                     "unmapped_columns": len(e.unmapped_columns), "values_set_missing": len(e.issues)})
    return pd.DataFrame(rows, columns=["source_file", "tool", "n_in", "n_kept", "n_dropped",
                                       "identifier_columns_dropped", "unmapped_columns", "values_set_missing"])


def clean_files(paths, *, round_name, out=None, codebook=None, straightliners="flag", speeders="drop",
                strict=False, salt=None, speeder_min_seconds=60.0, speeder_fraction=1 / 3) -> CleaningResult:
    """Read and clean the exports of one round; write ``out/<round>.parquet`` and ``out/<round>_log.csv``.

    Parameters
    ----------
    paths : path or list of paths
        Export files (``.csv``, ``.xlsx``, ``.sav``) and/or folders (all such files in them).
    round : str
        Round name, e.g. ``"2022-05"``.
    out : path, optional
        Folder for the processed data and the log (created if needed); nothing written if None.
    codebook, straightliners, speeders, strict, salt, speeder_min_seconds, speeder_fraction
        See :func:`clean`.

    Returns
    -------
    CleaningResult

    Raises
    ------
    InputError
        A path that does not exist, an unreadable file, missing columns, an unknown
        organisation or role, or (strict) an invalid value; the message names file, column, row.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from informeel_lib.synth.example import example_survey
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> export = example_survey(20, seed=1).drop(columns=["respondent", "round"])
    >>> export.rename(columns={"organisation": "organisatie", "role": "rol"}).to_csv(folder / "zinn.csv", index=False)
    >>> res = clean_files([folder], round_name="2022-05", out=folder / "processed", salt="voorbeeld")
    >>> sorted(p.name for p in (folder / "processed").iterdir())
    ['2022-05.parquet', '2022-05_log.csv', '2022-05_manifest.json']
    """
    safe_name(str(round_name))  # before reading anything: a bad round name is refused at once
    cb = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
    not_asked = not_asked_items(cb, round_name, out)
    exports = [e for p in _collect_paths(paths) for e in read_exports(p, codebook=cb, not_asked=not_asked)]
    result = _clean(exports, round_name=round_name, codebook=cb, straightliners=straightliners, speeders=speeders,
                    strict=strict, salt=salt, speeder_min_seconds=speeder_min_seconds,
                    speeder_fraction=speeder_fraction, not_asked=not_asked,
                    hand_over=True)  # the exports' rows go once prepared
    _keep_earlier_wording(result.codebook_info, _earlier_items(round_name, out), cb)
    if out is not None:
        write_round(result, out)
    return result


def _safe_round_name(rnd: str) -> str:
    return safe_name(rnd)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage
    return) get a leading apostrophe, as OWASP recommends against CSV injection; numbers stay numbers."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = [("'" + v) if isinstance(v, str) and v.startswith(_FORMULA_START) else v for v in out[col]]
    return out


def _manifest_path(out: Path, name: str) -> Path:
    return out / f"{name}_manifest.json"


def write_round(result: CleaningResult, out) -> tuple[Path, Path]:
    """Write ``<round>.parquet``, ``<round>_log.csv`` and ``<round>_manifest.json`` into ``out``, together.

    Both files are written to temporary files in the same folder and fsynced; the current set is kept
    as ``.<name>.prev`` hard links; then the new files are moved into place and the manifest (with
    both SHA-256 hashes) last. :func:`load_round` checks the hashes; a set interrupted half-way is
    recognised and the previous complete set is restored. The log is safe to open in a spreadsheet
    (:func:`spreadsheet_safe`).
    """
    import json
    import os

    from ..files import commit, sha256_file, temp_path

    out = Path(out)
    name = _safe_round_name(result.round_name)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"de uitvoermap kan niet aangemaakt worden ({exc.strerror}).", file=str(out)) from exc
    parquet, log, manifest = out / f"{name}.parquet", out / f"{name}_log.csv", _manifest_path(out, name)
    tmp = {p: temp_path(p) for p in (parquet, log, manifest)}
    try:
        _write_parquet(result.data, tmp[parquet], {"round": result.round_name, **result.codebook_info})
        spreadsheet_safe(result.log).to_csv(tmp[log], index=False, encoding="utf-8")
        tmp[manifest].write_text(json.dumps({"round": name, "parquet": sha256_file(tmp[parquet]),
                                             "log": sha256_file(tmp[log])}), encoding="utf-8")
        _keep_previous(parquet, log, manifest)
        for final in (parquet, log, manifest):  # the manifest last: it makes the new set valid
            commit(tmp[final], final)
        for final in (parquet, log, manifest):
            _previous(final).unlink(missing_ok=True)
        fd = os.open(out, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    finally:
        for t in tmp.values():
            t.unlink(missing_ok=True)
    return parquet, log


def _previous(path: Path) -> Path:
    return path.with_name(f".{path.name}.prev")


def _keep_previous(*paths: Path) -> None:
    """Hard-link the current complete set to ``.<name>.prev`` (only if it verifies)."""
    import os

    if not all(p.exists() for p in paths) or _verified(*paths) is not True:
        return
    for p in paths:
        prev = _previous(p)
        prev.unlink(missing_ok=True)
        os.link(p, prev)


def _verified(parquet: Path, log: Path, manifest: Path):
    """True if the manifest's hashes match both files, False if not, None without a manifest."""
    import json

    from ..files import sha256_file

    if not manifest.exists():
        return None
    try:
        info = json.loads(manifest.read_text(encoding="utf-8"))
        return info["parquet"] == sha256_file(parquet) and info["log"] == sha256_file(log)
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _restore_previous(parquet: Path, log: Path, manifest: Path) -> bool:
    """After an interrupted write: put the previous complete set back; True if that worked."""
    import os

    prevs = [_previous(p) for p in (parquet, log, manifest)]
    if not all(p.exists() for p in prevs) or _verified(*prevs) is not True:
        return False
    for prev, final in zip(prevs, (parquet, log, manifest)):
        os.replace(prev, final)
    return True


def verify_round(folder, round_name) -> Path:
    """The path of ``<round>.parquet`` after checking it against its manifest (restoring the previous set
    after an interrupted write); InputError (Dutch) if the set is incomplete."""
    folder = Path(folder)
    name = _safe_round_name(str(round_name))
    parquet, log, manifest = folder / f"{name}.parquet", folder / f"{name}_log.csv", _manifest_path(folder, name)
    state = _verified(parquet, log, manifest) if parquet.exists() else None
    if state is False and not _restore_previous(parquet, log, manifest):
        raise InputError("de opgeschoonde ronde is niet volledig weggeschreven (onderbroken?): het parquet-bestand, "
                         "het logboek en het manifest horen niet bij elkaar. Draai 'informeel clean' opnieuw.",
                         file=str(parquet))
    if state is None and any(folder.glob(f".{name}[._]*.tmp")):  # the very first write was interrupted
        raise InputError("de opgeschoonde ronde is niet volledig weggeschreven (onderbroken?). Draai 'informeel "
                         "clean' opnieuw.", file=str(parquet))
    if parquet.exists():
        check_round_columns(parquet)
    return parquet


ROUND_COLUMNS = ("respondent", "round", "organisation", "team", "role")
"""Columns every processed round has (besides the items the cleaning recorded in its metadata)."""


def check_round_columns(path) -> None:
    """Refuse (Dutch InputError naming the file) a processed round that cannot be read or lacks a column the
    analyses need: :data:`ROUND_COLUMNS` and every item the cleaning recorded for the round. Reads only the
    file's schema, so it is cheap enough to run before any report."""
    import json

    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
        raw = (schema.metadata or {}).get(ROUND_METADATA_KEY)
        items = list(json.loads(raw.decode("utf-8")).get("items") or {}) if raw else []
    except Exception as exc:  # whatever pyarrow raises on a damaged file
        raise InputError("dit is geen leesbaar parquet-bestand (beschadigd of van een ander type); maak de ronde "
                         "opnieuw met 'informeel clean'.", file=str(path)) from exc
    missing = [c for c in (*ROUND_COLUMNS, *items) if c not in schema.names]
    if missing:
        raise InputError("dit is geen volledige opgeschoonde ronde; kolommen ontbreken: " + ", ".join(missing)
                         + ". Maak de ronde opnieuw met 'informeel clean'.", file=str(path))


ROUND_METADATA_KEY = b"informeel"


def _write_parquet(data: pd.DataFrame, path: Path, info: dict) -> None:
    """``data`` as parquet with ``info`` (JSON) in the file's schema metadata."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(data, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[ROUND_METADATA_KEY] = json.dumps(info, ensure_ascii=False).encode("utf-8")
    pq.write_table(table.replace_schema_metadata(meta), path)


def round_metadata(path) -> dict:
    """What :func:`write_round` recorded about a processed round: ``{"round", "codebook": {name, hash,
    source}, "items": {code: text}}``; ``{}`` for a file written before this was recorded."""
    import json

    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    raw = meta.get(ROUND_METADATA_KEY)
    return json.loads(raw.decode("utf-8")) if raw else {}


def load_round(path_or_dir, round_name=None) -> pd.DataFrame:
    """Read a processed round back.

    Parameters
    ----------
    path_or_dir : path
        A ``.parquet`` file, or the folder holding ``<round>.parquet``.
    round : str, optional
        Needed when ``path_or_dir`` is a folder.

    Returns
    -------
    DataFrame with the columns of docs/data-contract.md.
    """
    path = Path(path_or_dir)
    if path.is_dir():
        if round_name is None:
            raise InputError("geef de ronde op om uit een map te laden.", file=str(path))
        path = verify_round(path, round_name)
    elif path.suffix == ".parquet" and _manifest_path(path.parent, path.stem).exists():
        verify_round(path.parent, path.stem)
    if not path.exists():
        raise InputError("de opgeschoonde ronde bestaat niet; draai eerst 'informeel clean'.", file=str(path))
    check_round_columns(path)
    try:
        data = pd.read_parquet(path)
    except Exception as exc:
        raise InputError("dit is geen leesbaar parquet-bestand.", file=str(path)) from exc
    if round_name is not None and len(data) and not (data["round"].astype(str) == str(round_name)).all():
        raise InputError(f"het bestand bevat niet (alleen) ronde '{round_name}'.", file=str(path))
    return data
