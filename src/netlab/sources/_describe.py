"""Descriptions of exports in YAML: which files, which header is which field, what values mean.

One machinery serves every file netlab reads in a layout of its own: a state's public
school files (``netlab/data/sources/florida.yaml``), the National Student Clearinghouse
detail file, IPEDS, application trackers, a student information system's roster, a state
aid agency's files. A description names the files it covers (patterns), the header of each
field (aliases compared in canonical spelling, or regular expressions), value maps, types,
date formats, how to build a school id when the file has none, and how to turn a wide file
(a column per measure and/or per year) into long rows. ``docs/bringing-your-data.md``
documents the keys; this module loads descriptions and builds school ids,
:mod:`netlab.sources._header_match` matches headers to them, and
:mod:`netlab.sources._read` reads a file through one.

The cell helpers (:mod:`netlab.sources._sheets`: reading any workbook or CSV as raw cells;
finding a header row by content, in :mod:`netlab.sources._header_match`) serve
:mod:`netlab.sources._state` and :mod:`netlab.sources._fsa` as well.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from netlab import paths, schemas, yamlfile
from netlab.exceptions import InputError
from netlab.sources._header_match import _matches, is_regex

BUILTIN_DIR = paths.PACKAGE_DATA / "sources"


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
    # How each measure reads on a page: {fafsa_submitted: {label: ..., short_label: ...}}.
    labels: dict[str, dict[str, str]] = {}


class DescriptionModel(_Spec):
    """The keys a description may hold (unknown keys are errors)."""

    name: str = ""
    format: str | None = None
    kind: str | None = None
    files: list[str] = []
    detect: list[str] = []
    # Markers a header must not hold (a student id says a file is not a school-level file).
    detect_absent: list[str] = []
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
    out = {**base, "columns": _without_claimed(base.get("columns", {}), over.get("columns"))}
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
        elif key == "wide" and isinstance(value, Mapping) and isinstance(out.get("wide"), Mapping):
            # A hub's wide block changes the built-in's measure by measure.
            wide = {**out["wide"], **value}
            for part in ("measures", "labels"):
                if isinstance(value.get(part), Mapping):
                    wide[part] = {**out["wide"].get(part, {}), **value[part]}
            out[key] = wide
        else:
            out[key] = value
    return out


def _without_claimed(columns: Mapping[str, Any], mine: Any) -> dict[str, Any]:
    """A built-in's roles less the headers a hub names for another role.

    A hub that writes ``student_id: [Student_Number]`` means that column is the student id,
    so the built-in's ``local_id`` alias ``student_number`` must no longer claim it.
    """
    if not isinstance(mine, Mapping):
        return dict(columns)
    named: dict[str, str] = {}
    for role, pats in mine.items():
        for p in pats if isinstance(pats, list) else [pats]:
            if isinstance(p, str):
                named[schemas.canonical_name(p)] = str(role)
    out: dict[str, Any] = {}
    for role, pats in columns.items():
        pats = pats if isinstance(pats, list) else [pats]
        kept = [
            p
            for p in pats
            if not isinstance(p, str) or named.get(schemas.canonical_name(p), role) == role
        ]
        if kept:
            out[role] = kept
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
        data = yamlfile.load(path.read_text(encoding="utf-8")) or {}
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
    _check_patterns(source, spec)
    return Description(key=key, source=str(source), spec=spec, builtin=builtin)


def _check_patterns(source: Path, spec: DescriptionModel) -> None:
    """Every regular expression of a description compiles, and an id's format names roles."""
    found: list[tuple[str, str | int]] = []  # a column may be named by its position
    for role, pats in spec.columns.items():
        found += [(f"columns: {role}", p) for p in (pats if isinstance(pats, list) else [pats])]
    found += [("detect", p) for p in spec.detect]
    found += [("detect_absent", p) for p in spec.detect_absent]
    if spec.wide is not None and spec.wide.years:
        found.append(("wide: years", spec.wide.years))
    for key, pat in found:
        if not isinstance(pat, str) or not is_regex(pat):
            continue
        try:
            re.compile(pat)
        except (re.error, RecursionError, OverflowError) as err:
            raise InputError(
                f"{source.name}: the pattern {pat!r} under `{key}` is not a regular "
                f"expression that works ({err}).",
                file=str(source),
                hint="Write the header as plain text (`['Race Code 1']`), or escape the "
                "characters ( ) [ ] | * + ? { } ^ $ \\ with a backslash.",
            ) from None
    if spec.school_id is not None and not re.findall(r"{(\w+)}", spec.school_id.format):
        raise InputError(
            f"{source.name}: `school_id: format: {spec.school_id.format}` names no field.",
            file=str(source),
            hint='Name the fields in braces, e.g. `format: "{district}.{school_name}"`.',
        )


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
        The checked description: the hub's keys over those of the built-in its ``format:``
        names (or its own alone), with where it was read from.

    Raises
    ------
    InputError
        When the YAML cannot be read, holds an unknown key, or names no kind.
    """
    path = Path(path)
    data = _yaml(path)
    _checked(path.stem, path, data, builtin=False)  # the hub's own keys, before merging
    base = data.get("format")
    if base is not None:
        if not isinstance(base, str) or base not in builtin_names():
            raise InputError(
                f"No built-in description called {str(base)!r} (`format:` in {path.name})"
                + (
                    f"; did you mean {near!r}?"
                    if (near := schemas.suggest(str(base), builtin_names()))
                    else "."
                ),  # fmt: skip
                file=str(path),
                hint=f"Write `format:` as one of {builtin_names()} (or leave it out and give "
                "`kind:` and every column).",
            )
        builtin = load_builtin(base)
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


def detect(header: Sequence[str], description: Description) -> bool:
    """True when a header row holds every ``detect`` marker of a description, and none of
    its ``detect_absent`` markers."""
    markers = description.spec.detect
    cells = list(header)
    return (
        bool(markers)
        and all(_matches(cells, m, regex=False) is not None for m in markers)
        and not any(
            _matches(cells, m, regex=False) is not None for m in description.spec.detect_absent
        )
    )
