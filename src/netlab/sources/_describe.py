"""Descriptions of exports in YAML: which files, which header is which field, what values mean.

One machinery serves every file netlab reads in a layout of its own: a state's public
school files (``netlab/data/sources/florida.yaml``), the National Student Clearinghouse
detail file, IPEDS, application trackers, a student information system's roster, a state
aid agency's files. A description names the files it covers (patterns), the header of each
field (aliases compared in canonical spelling, or regular expressions), value maps, types,
date formats, how to build a school id when the file has none, and how to turn a wide file
(a column per measure and/or per year) into long rows. ``docs/bringing-your-data.md``
documents the keys; this module loads descriptions and matches headers, and
:mod:`netlab.sources._read` reads a file through one.

The cell helpers here (reading any workbook or CSV as raw cells, finding a header row by
content) serve :mod:`netlab.sources._state` and :mod:`netlab.sources._fsa` as well.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from netlab import paths, schemas
from netlab.exceptions import InputError

_EXCEL = {".xls", ".xlsx", ".xlsm", ".xlsb", ".ods"}
# A pattern holding one of these is a regular expression; otherwise it is an alias.
_REGEX_CHARS = re.compile(r"[\^$()\[\]|\\*+?{}]")
BUILTIN_DIR = paths.PACKAGE_DATA / "sources"


# --------------------------------------------------------------------------- cells and sheets
def _text(value: Any) -> str:
    """A cell as text: blank for missing, ``12`` for 12.0, whitespace collapsed."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _text_series(values: pd.Series) -> pd.Series:
    return pd.Series([_text(v) for v in values], index=values.index, dtype=object)


def _read_sheets(path: Path, engine: str | None = "calamine") -> dict[str, pd.DataFrame]:
    """Every sheet of a workbook (or the one table of a CSV) as raw cells, no header."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InputError(f"No file at {path}.", file=str(path))
    try:
        if suffix == ".csv":
            for encoding in ("utf-8-sig", "latin-1"):
                try:
                    frame = pd.read_csv(
                        path,
                        header=None,
                        dtype=str,
                        keep_default_na=False,
                        skip_blank_lines=False,
                        encoding=encoding,
                    )
                    break
                except UnicodeDecodeError:
                    continue
            return {path.stem: frame.replace("", np.nan)}
        if suffix in _EXCEL:
            # No default NA strings: "n/a" in a count cell must be seen, not read as blank.
            sheets = pd.read_excel(
                path,
                sheet_name=None,
                header=None,
                dtype=object,
                engine=engine,
                keep_default_na=False,
                na_values=[],
            )
            return {k: v.replace("", np.nan) for k, v in sheets.items()}
    except Exception as err:  # each Excel engine raises its own error types
        if isinstance(err, InputError):
            raise
        raise InputError(
            f"{path.name} cannot be read as a workbook or CSV file ({err}).",
            file=str(path),
            hint="Check that the file is the published spreadsheet, not a web page or a copy "
            "saved in another format.",
        ) from None
    raise InputError(
        f"{path.name} is neither a spreadsheet (.xls, .xlsx) nor a CSV file.", file=str(path)
    )


def is_regex(pattern: str) -> bool:
    """True when a header pattern is a regular expression rather than an alias."""
    return bool(_REGEX_CHARS.search(pattern))


def header_matches(
    header: str, pattern: str | int, position: int | None = None, *, regex: bool = False
) -> bool:
    """Does ``header`` (at 1-based ``position``) match one pattern of a description?

    A number is a column position (files without a header row); a pattern holding regular
    expression characters is searched, case-insensitive, in the header with its whitespace
    collapsed; anything else is an alias, equal to the header in canonical spelling (case,
    spaces and punctuation do not matter: ``Record Found Y/N`` = ``RECORD_FOUND_Y/N``).
    ``regex=True`` reads every pattern as a regular expression (a state's public-file
    descriptions, ``docs/public-sources.md``, are written that way).
    """
    if isinstance(pattern, int):
        return position == pattern
    if not header:
        return False
    if regex:
        return re.search(pattern, header, re.IGNORECASE) is not None
    if is_regex(pattern):
        # Tried on the header as written and in canonical spelling ("race_code_1").
        return any(
            re.search(pattern, text, re.IGNORECASE) is not None
            for text in (header, schemas.canonical_name(header))
        )
    return schemas.canonical_name(header) == schemas.canonical_name(pattern)


def _matches(cells: Sequence[str], pattern: str, *, regex: bool = True) -> int | None:
    """Position of the first cell that ``pattern`` matches (a regular expression), or None."""
    return next(
        (i for i, c in enumerate(cells) if c and header_matches(c, pattern, regex=regex)), None
    )


def _find_header(
    sheets: Mapping[str, pd.DataFrame],
    markers: Sequence[str],
    *,
    scan: int = 60,
    regex: bool = True,
) -> tuple[str, int, list[str]] | None:
    """First (sheet, row position, header cells) whose row matches every marker."""
    for name, frame in sheets.items():
        for pos in range(min(scan, len(frame))):
            cells = [_text(v) for v in frame.iloc[pos].tolist()]
            if all(_matches(cells, m, regex=regex) is not None for m in markers):
                return name, pos, cells
    return None


# --------------------------------------------------------------------------- descriptions
class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SchoolIdSpec(_Spec):
    """How to build a school id from other fields of the file."""

    format: str
    slug: bool = True
    widths: dict[str, int] = {}
    match_schools: bool = True


class WideSpec(_Spec):
    """Wide to long: a column per measure (and/or per year) becomes one row each."""

    years: str | None = None
    measures: dict[str, str | list[str]]
    denominator: str | None = None
    group: str = "all"


class DescriptionModel(_Spec):
    """The keys a description may hold (unknown keys are errors)."""

    name: str = ""
    format: str | None = None
    kind: str | None = None
    files: list[str] = []
    detect: list[str] = []
    header: list[str] | str | None = None
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    columns: dict[str, str | int | list[str | int]] = {}
    values: dict[str, dict[Any, Any]] = {}
    types: dict[str, str] = {}
    dates: dict[str, str | list[str]] = {}
    suppressed: list[str] = []
    school_id: SchoolIdSpec | None = None
    wide: WideSpec | None = None
    join_on: str | None = None
    search_date: str | None = None
    awards: dict[str, list[str]] = {}
    race_codes: dict[str, str] = {}
    defaults: dict[str, Any] = {}


@dataclass
class Description:
    """A checked description of one kind of export.

    Attributes
    ----------
    key : str
        Its name: a built-in's (``studenttracker``) or the stem of the hub's YAML file.
    source : str
        Where it was read from (for messages: "write ... in <source>").
    spec : DescriptionModel
        The keys, with a built-in ``format`` merged in.
    builtin : bool
        True for a description shipped with netlab.
    """

    key: str
    source: str
    spec: DescriptionModel
    builtin: bool = False
    origin: str | None = None

    @property
    def kind(self) -> str:
        return self.spec.kind or ""

    @property
    def label(self) -> str:
        return self.spec.name or self.key

    def patterns(self, role: str) -> list[str | int]:
        got = self.spec.columns.get(role)
        if got is None:
            return []
        return list(got) if isinstance(got, list) else [got]

    def where_for(self, file: str | Path) -> str:
        """Where a hub writes its changes for one file: its own YAML, or, for a built-in,
        a new ``<file stem>.yaml`` beside the file."""
        if self.builtin:
            return f"{Path(file).stem}.yaml beside it (starting `format: {self.key}`)"
        return Path(self.source).name


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """A hub's keys over a built-in's: mappings of roles merge one level deep."""
    out = dict(base)
    for key, value in over.items():
        if key in ("columns", "types", "dates", "defaults", "awards", "race_codes") and isinstance(
            value, Mapping
        ):
            out[key] = {**out.get(key, {}), **value}
        elif key == "values" and isinstance(value, Mapping):
            merged = {r: dict(m) for r, m in out.get("values", {}).items()}
            for role, mapping in value.items():
                merged[role] = {**merged.get(role, {}), **(mapping or {})}
            out[key] = merged
        else:
            out[key] = value
    return out


def builtin_names() -> list[str]:
    """Names of the export descriptions shipped with netlab (``netlab/data/sources``).

    The folder also holds states' public-file descriptions (``florida.yaml``, read by
    :func:`netlab.sources.import_public`); those have a ``state`` key and no ``kind``.
    """
    return [p.stem for p in _builtin_paths()]


def _builtin_paths() -> list[Path]:
    found = []
    for p in sorted(BUILTIN_DIR.glob("*.yaml")):
        head = p.read_text(encoding="utf-8")
        if re.search(r"^kind:", head, re.MULTILINE):
            found.append(p)
    return found


def builtins() -> list[Description]:
    """Every built-in export description."""
    return [load_builtin(p.stem) for p in _builtin_paths()]


def _yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise InputError(
            f"{path.name} is not valid YAML: {str(err).splitlines()[0]}",
            file=str(path),
            hint="Fix the YAML syntax (indentation, quotes around values holding ':' or '#').",
        ) from None
    if not isinstance(data, dict):
        raise InputError(f"{path.name} must hold a mapping of keys to values.", file=str(path))
    return data


def _checked(key: str, source: Path, data: dict[str, Any], builtin: bool) -> Description:
    try:
        spec = DescriptionModel.model_validate(data)
    except ValidationError as err:
        lines = []
        for e in err.errors():
            where = ".".join(str(p) for p in e["loc"])
            if e["type"] == "extra_forbidden":
                lines.append(f"{where}: unknown key")
            else:
                lines.append(f"{where}: {e['msg']}")
        raise InputError(
            f"{source.name} is not a valid description: " + "; ".join(lines),
            file=str(source),
            hint="See docs/bringing-your-data.md for the keys a description may hold.",
        ) from None
    return Description(key=key, source=str(source), spec=spec, builtin=builtin)


def load_builtin(name: str) -> Description:
    """A built-in description by name (``studenttracker``, ``sis-roster``, ...)."""
    path = BUILTIN_DIR / f"{name}.yaml"
    if not path.is_file():
        raise InputError(
            f"No built-in description called {name!r}.",
            hint=f"Use one of {builtin_names()}, or describe the file in full.",
        )
    data = _yaml(path)
    return _checked(name, path, data, builtin=True)


def load_description(path: str | Path) -> Description:
    """Read a hub's description (a YAML file), merged over the built-in it names.

    Parameters
    ----------
    path : str or Path
        The YAML file. ``format: <built-in>`` starts from a shipped description; every
        other key adds to it or replaces it (``columns``, ``values`` and ``types`` merge
        role by role).

    Returns
    -------
    Description

    Raises
    ------
    InputError
        When the YAML cannot be read, holds an unknown key, or names no kind.
    """
    path = Path(path)
    data = _yaml(path)
    base = data.get("format")
    if base is not None:
        builtin = load_builtin(str(base))
        data = _merge(builtin.spec.model_dump(exclude_defaults=True), data)
    desc = _checked(path.stem, path, data, builtin=False)
    desc.origin = str(base) if base else None
    if not desc.spec.kind:
        raise InputError(
            f"{path.name} does not say what the file is (no `kind` and no `format`).",
            file=str(path),
            hint=f"Add `format: <one of {builtin_names()}>` or `kind: roster` (or "
            "studenttracker, applications, aid, counts, schools, institutions, ...).",
        )
    return desc


# --------------------------------------------------------------------------- school ids
def _slug(values: pd.Series) -> pd.Series:
    text = values.astype("str").str.lower().str.replace(r"[^0-9a-z]+", "_", regex=True)
    return text.str.strip("_")


def build_ids(
    parts: Mapping[str, pd.Series],
    fmt: str,
    *,
    slug: bool = True,
    widths: Mapping[str, int] | None = None,
    upper: bool = False,
) -> pd.Series:
    """Build ids from other fields: ``fmt`` names them in braces (``"{district}.{school_name}"``).

    Each part is text with its whitespace collapsed; a part with a width is zero-padded
    when it is all digits; ``slug`` writes parts in lower case with runs of spaces and
    punctuation as ``_`` (so ``Alhambra High`` and ``ALHAMBRA HIGH`` give one id);
    ``upper`` upper-cases them (state codes such as ``98Z``). A row missing any part gets
    no id.
    """
    widths = dict(widths or {})
    names = re.findall(r"{(\w+)}", fmt)
    index = next(iter(parts.values())).index
    missing = pd.Series(False, index=index)
    texts = {}
    for name in names:
        raw = parts[name]
        text = raw.astype("str").str.split().str.join(" ").where(raw.notna())
        missing |= text.isna() | (text == "")
        text = text.fillna("")
        if upper:
            text = text.str.upper()
        if name in widths:
            digits = text.str.fullmatch(r"\d+").fillna(False).astype(bool)
            text = text.where(~digits, text.str.zfill(widths[name]))
        elif slug:
            text = _slug(text)
        texts[name] = text
    pieces = re.split(r"({\w+})", fmt)
    out = pd.Series("", index=index, dtype=object)
    for piece in pieces:
        m = re.fullmatch(r"{(\w+)}", piece)
        out = out + (texts[m.group(1)] if m else piece)
    return out.where(~missing).astype("str")


# --------------------------------------------------------------------------- header plans
@dataclass
class HeaderPlan:
    """Which header each role of a description reads, and what did not fit."""

    columns: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)
    unused: list[str] = field(default_factory=list)


def plan_headers(
    header: Sequence[str],
    roles: Mapping[str, Sequence[str | int]],
    *,
    required: Sequence[str] = (),
    defaults: Mapping[str, Sequence[str]] | None = None,
) -> HeaderPlan:
    """Match a file's header cells to a description's roles.

    Parameters
    ----------
    header : sequence of str
        The header cells, in file order.
    roles : mapping
        Role -> the description's patterns for it (see :func:`header_matches`).
    required : sequence of str
        Roles the file must have.
    defaults : mapping, optional
        Role -> fallback aliases (the contract's spellings) for roles the description does
        not list; a header the description claims explicitly is never a fallback's.

    Returns
    -------
    HeaderPlan
        ``columns`` role -> header position; ``missing`` required roles not found;
        ``ambiguous`` role -> the several headers that matched it; ``unused`` headers no
        role read.
    """
    plan = HeaderPlan()
    claimed: dict[int, str] = {}

    def matches(patterns: Sequence[str | int]) -> list[int]:
        return [
            i for i, h in enumerate(header) if any(header_matches(h, p, i + 1) for p in patterns)
        ]

    for role, patterns in roles.items():
        found = matches(patterns)
        if not found:
            continue
        # Of several, an exact alias beats a regular expression's wider net.
        if len(found) > 1:
            exact = [
                i
                for i in found
                if any(isinstance(p, str) and not is_regex(p) and header_matches(header[i], p)
                       for p in patterns)
            ]  # fmt: skip
            found = exact if len(exact) == 1 else found
        if len(found) > 1:
            plan.ambiguous[role] = [header[i] for i in found]
            continue
        plan.columns[role] = found[0]
        claimed[found[0]] = role
    for role, aliases in (defaults or {}).items():
        if role in roles or role in plan.columns:
            continue
        found = [i for i in matches(aliases) if i not in claimed]
        if len(found) == 1:
            plan.columns[role] = found[0]
            claimed[found[0]] = role
        elif len(found) > 1:
            plan.ambiguous[role] = [header[i] for i in found]
    plan.missing = [r for r in required if r not in plan.columns and r not in plan.ambiguous]
    plan.unused = [h for i, h in enumerate(header) if i not in claimed and h]
    return plan


def contract_aliases(table: str, roles: Sequence[str]) -> dict[str, list[str]]:
    """The contract's spellings of each role that is one of ``table``'s columns."""
    if table not in schemas.TABLES:
        return {}
    local = schemas.TABLE_ALIASES.get(table, {})
    out: dict[str, list[str]] = {}
    for role in roles:
        spellings = [role, *schemas.ALIASES.get(role, ())]
        spellings += [alias for alias, target in local.items() if target == role]
        out[role] = spellings
    return out


def detect(header: Sequence[str], description: Description) -> bool:
    """True when a header row holds every ``detect`` marker of a description."""
    markers = description.spec.detect
    return bool(markers) and all(
        _matches(list(header), m, regex=False) is not None for m in markers
    )


_DELIMITERS = (",", ";", "\t", "|")


def sniff_delimiter(text: str) -> str:
    """Return the delimiter of a CSV sample: comma, semicolon, tab or pipe.

    The delimiter is the candidate that splits the header most often and splits the
    following lines consistently (quoted text is not counted).

    Examples
    --------
    >>> sniff_delimiter("a;b;c\\n1;2,5;3\\n")
    ';'
    """
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    if not lines:
        return ","

    def count(line: str, d: str) -> int:
        # Ignore delimiters inside double quotes.
        return sum(part.count(d) for part in line.split('"')[::2])

    best, best_score = ",", (0, 0)
    for d in _DELIMITERS:
        header = count(lines[0], d)
        if header == 0:
            continue
        consistent = sum(count(ln, d) == header for ln in lines[1:])
        score = (consistent, header)
        if score > best_score:
            best, best_score = d, score
    return best
