"""Run parameters: one YAML file per run, validated before anything runs.

Unknown keys are errors (papermill itself only warns on an unknown parameter, so a typo
in a YAML file would otherwise pass silently).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from netlab import paths, yamlfile
from netlab.exceptions import ParamsError
from netlab.yamlfile import shorten

#: The longest text each kind of params value may hold: a label of 10,000 characters would
#: reach every sentence, caption and page header (and stretch the network PDF threefold).
MAX_NAME, MAX_LABEL, MAX_PHRASE, MAX_CONDITION = 64, 120, 240, 1000
#: A short name: ids of measures and groups, a term.
Name = Annotated[str, StringConstraints(max_length=MAX_NAME)]
#: A label shown in headings, sentences and captions.
Label = Annotated[str, StringConstraints(max_length=MAX_LABEL)]
#: A phrase or reason said in a sentence.
Phrase = Annotated[str, StringConstraints(max_length=MAX_PHRASE)]


#: The focal measure a run, its aim and an analysis take when none is named.
DEFAULT_MEASURE = "enrolled_likely_grad"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Aim(_Strict):
    """The network's aim: a measure for a group, from a baseline year to a target by a date."""

    measure: Name = DEFAULT_MEASURE
    group: Name = "focal"
    baseline_year: int = 2021
    target: float = Field(0.45, ge=0, le=1, description="target rate, 0 to 1")
    by: dt.date = dt.date(2027, 6, 30)
    outlook_level: float = Field(
        0.95, gt=0, lt=1, description="level of the range the rate may reach by the date"
    )


class LiveCase(_Strict):
    """Settings for live-case matching (who should visit whom)."""

    weight_focal: float = Field(1.0, ge=0)
    weight_low_income: float = Field(1.0, ge=0)
    weight_size: float = Field(0.5, ge=0)
    same_district_bonus: float = Field(0.5, ge=0)
    min_gap_pp: float = Field(5.0, ge=0)
    max_visitors: int = Field(2, ge=1, description="visitors per host; small visits talk candidly")


class BrightSpots(_Strict):
    """The bright-spot rule: how few, how sure and how far above the network."""

    share: float = Field(
        0.10, gt=0, lt=1, description="best share of the network a bright spot is in"
    )
    probability: float = Field(
        0.8, gt=0, lt=1, description="how likely a bright spot must be to be in that share"
    )
    margin_pp: float = Field(
        0.0, ge=0, le=100, description="points above the network its interval must clear"
    )


class Traction(_Strict):
    """Rubric thresholds for the stages of traction (scores run 1 to 4)."""

    threshold: float = Field(3.0, description="score at or above which a dimension counts")
    spotlight_date: dt.date | None = None


def _bool_as_text(v: Any) -> Any:
    # YAML reads an unquoted `true` as a boolean; a condition is text.
    return str(v).lower() if isinstance(v, bool) else v


class GroupDef(_Strict):
    """A group defined by a condition on the student table's columns."""

    label: Label
    condition: str = Field(..., max_length=MAX_CONDITION)

    _text = field_validator("condition", mode="before")(
        classmethod(lambda cls, v: _bool_as_text(v))
    )


class WindowDef(_Strict):
    """When a class's figure is final: ``day`` ``month`` of the graduation year + ``years``."""

    years: int = Field(0, ge=0, le=10, description="years after the graduation year")
    month: int = Field(6, ge=1, le=12)
    day: int = Field(15, ge=1, le=31)


class MeasureDef(_Strict):
    """A measure defined in YAML (see ``netlab/data/measures.yaml`` for the built-ins)."""

    label: Label
    short_label: Label | None = Field(None, description="a few words for sentences and axes")
    phrase: Phrase | None = Field(
        None, description='the measure as words after "students who …" (practice sentences)'
    )
    table: str = "students"
    counts_every_senior: bool = Field(
        False, description="its denominator is every senior: the count of records to report"
    )
    denominator: str | None = None
    numerator: str | None = None
    denominator_label: Phrase | None = None
    direction: Literal["higher", "lower"] = "higher"
    kind: Literal["outcome", "interim", "process"] = "outcome"
    year_column: str | None = None
    window: WindowDef | None = Field(
        None, description="when a class's figure is final (default: at graduation, 15 June)"
    )
    provisional: bool = Field(
        False, description="before the window closes, show a 'so far' figure, marked provisional"
    )

    _text = field_validator("denominator", "numerator", mode="before")(
        classmethod(lambda cls, v: _bool_as_text(v))
    )


class ExclusionAllowance(_Strict):
    """A higher exclusion limit for one table and rule, and why it is right for this run."""

    share: float = Field(..., gt=0, le=1, description="largest share of the table's rows")
    reason: Phrase = Field(..., min_length=3, description="why so many rows may be left out")


class RunParams(_Strict):
    """Everything one run needs; loaded from ``params/<run>.yaml``.

    Relative paths are resolved against the project root.
    """

    run: Name = Field(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    network: Label = "Demo network"
    term: Name = ""
    raw_dir: str = Field(..., description="folder of the term's exports")
    unit: Literal["school", "district"] = "school"
    focal_group: Name | GroupDef = "focal"
    focal_measure: Name = DEFAULT_MEASURE
    aim: Aim = Aim()
    grad_rate_threshold: float = Field(0.6, ge=0, le=1)
    grad_rate_column: Literal["grad_rate", "grad_rate_pell", "award_rate_6yr"] = Field(
        "grad_rate", description="institutions column that says 'likely to graduate'"
    )
    min_cell: int = Field(10, ge=1)
    band_below: int | None = Field(
        None,
        ge=1,
        description="a 0% or 100% on fewer students is shown banded (default twice min_cell)",
    )
    as_of: dt.date | None = Field(
        None,
        description="the run's date (default: the StudentTracker search date, else the "
        "latest date in the data, else the build date)",
    )
    name_peers: bool = Field(
        False,
        description="the network's choice: true when its members have agreed to be named to "
        "each other (the network, traction and school reports then name every school); "
        "the index, the hub's own page, always names them",
    )
    year_notes: dict[int, str] = Field(
        {},
        description="a sentence per year (class or FAFSA season) that explains its figures, "
        "shown on the first screen beside them (e.g. a late FAFSA launch)",
    )
    schools: list[str] | None = None
    districts: list[str] | None = None
    select: dict[str, list[str]] | None = Field(
        None,
        description="the network as the schools whose column holds one of the values "
        "(`select: {county: San Diego}`; any column of the schools table)",
    )
    years: list[int] | None = None
    case_mix: list[str] | None = Field(
        None,
        description="students' columns the case-mix model adjusts for (default: low_income, "
        "race_ethnicity, english_learner, first_gen, gpa); one it cannot use is a warning",
    )
    measures: dict[Name, MeasureDef] = {}
    groups: dict[Name, GroupDef] = {}
    extra_columns: dict[str, dict[str, Literal["int", "float", "bool", "str", "date"]]] = {}
    team_measures: dict[str, Name] = {}
    min_switchers: int = Field(3, ge=1)
    livecase: LiveCase = LiveCase()
    bright_spots: BrightSpots = BrightSpots()
    traction: Traction = Traction()
    seed: int = 2026
    max_excluded_share: float = Field(
        0.01, ge=0, le=1, description="largest share of a table's rows one rule may exclude"
    )
    allow_excluded: dict[str, ExclusionAllowance] = {}
    pdf: bool = Field(True, description="print each report to PDF (needs Chromium)")

    @field_validator("schools", "districts", mode="before")
    @classmethod
    def _as_text(cls, v: Any) -> Any:
        if not isinstance(v, list):
            return v
        odd = [x for x in v if x is None or isinstance(x, bool)]
        if odd:
            # Only a caller passing Python values gets here: the YAML loader keeps text.
            raise ValueError(f"{odd[0]!r} is not an identifier; write identifiers as text")
        return [str(x) for x in v]

    @field_validator("select", mode="before")
    @classmethod
    def _select_as_text(cls, v: Any) -> Any:
        if not isinstance(v, dict):
            return v
        out = {}
        for column, values in v.items():
            values = values if isinstance(values, list) else [values]
            if any(x is None or isinstance(x, dict | list) for x in values):
                raise ValueError(
                    f"select.{column}: write the value(s) the schools' {column} column "
                    f"holds, as text or a list of text (e.g. `select: {{{column}: San Diego}}`)"
                )
            out[str(column)] = [str(x) for x in values]
        return out

    @property
    def raw_path(self) -> Path:
        """Absolute path of the raw folder."""
        return paths.resolve(self.raw_dir)

    @property
    def band_limit(self) -> int:
        """Below this many students a 0% or 100% is shown banded ("≤5%", "≥95%")."""
        return int(self.band_below) if self.band_below is not None else 2 * int(self.min_cell)

    @property
    def unit_label(self) -> str:
        """``"school"`` or ``"district"``, for headings and sentences."""
        return self.unit


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _describe(err: ValidationError, source: str) -> str:
    lines = []
    for e in err.errors():
        key = ".".join(_cut(str(p), 40) for p in e["loc"]) or "(top level)"
        if e["type"] == "extra_forbidden":
            lines.append(
                f"  {key}: unknown key (check its spelling; allowed keys are listed in README)"
            )
        elif e["type"] == "missing":
            lines.append(f"  {key}: required but missing")
        else:
            lines.append(f"  {key}: {str(e['msg'])[:300]} (got {shorten(e.get('input'))})")
    return f"The run parameters in {source} are not valid:\n" + "\n".join(lines)


def from_dict(data: dict[str, Any], *, source: str = "parameters") -> RunParams:
    """Validate a mapping of parameters.

    Parameters
    ----------
    data : dict[str, Any]
        The parameters, as read from YAML.
    source : str, optional
        Where they came from, for messages (a file name).

    Returns
    -------
    RunParams
        The validated parameters.

    Raises
    ------
    ParamsError
        Naming each unknown or invalid key.
    """
    try:
        return RunParams.model_validate(data)
    except ValidationError as err:
        raise ParamsError(_describe(err, source), file=source) from None


#: Keys whose values are identifiers or names: read as written, never as numbers or booleans
#: (YAML 1.1 reads ``0123`` as octal 83 and ``no`` as false). For ``team_measures`` the
#: mapping's keys are school ids.
TEXT_KEYS = frozenset({"run", "network", "term", "schools", "districts", "team_measures"})
_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"


def _as_written(node: yaml.Node) -> None:
    """Mark every plain scalar inside ``node`` as text, keeping the characters written."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag != _NULL or node.value not in ("", "~", "null", "Null", "NULL"):
            node.tag = _STR
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _as_written(item)
    elif isinstance(node, yaml.MappingNode):
        for key, _ in node.value:
            _as_written(key)


def _read_yaml(text: str) -> Any:
    """:func:`netlab.yamlfile.load` that keeps identifiers (:data:`TEXT_KEYS`) as text."""
    root = yamlfile.compose(text)
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if isinstance(key, yaml.ScalarNode) and key.value in TEXT_KEYS:
                if isinstance(value, yaml.ScalarNode) and value.tag == _NULL:
                    continue  # `schools:` left empty means no selection
                _as_written(value)
            elif isinstance(key, yaml.ScalarNode) and key.value == "select":
                # `select: {county: ...}`: the values are names too (a zip code keeps
                # its leading zero).
                for item in value.value if isinstance(value, yaml.MappingNode) else []:
                    _as_written(item[0])
                    _as_written(item[1])
    return yamlfile.construct(root)


def _is_run_name(text: str) -> bool:
    """Whether ``text`` reads as a run's name rather than a path: no folder, no YAML suffix."""
    name = Path(text)
    return name.name == text and name.suffix.lower() not in (".yaml", ".yml")


def load_params(path: str | os.PathLike[str]) -> RunParams:
    """Read and validate ``params/<run>.yaml``.

    Parameters
    ----------
    path : str or Path
        A YAML file, or a run name (``"demo"`` means ``params/demo.yaml``, whatever else
        the working folder holds named ``demo``, unless it is a file).

    Returns
    -------
    RunParams
        The run's validated parameters (defaults filled in); an unknown key or a bad value
        is refused with a ParamsError naming the file.
    """
    p = paths.resolve(path, base=Path.cwd())
    if not p.is_file() and _is_run_name(str(path)):
        p = paths.params_dir() / f"{path}.yaml"
    if p.is_dir():
        raise ParamsError(
            f"{p} is a folder, not a parameter file.",
            file=str(p),
            hint="Give a YAML file such as params/demo.yaml, or a run's name such as demo.",
        )
    if not p.exists():
        raise ParamsError(
            f"No parameter file at {p}.", hint="Give a path such as params/demo.yaml."
        )
    try:
        data = _read_yaml(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise ParamsError(f"{p} is not valid YAML: {err}", file=str(p)) from None
    if not isinstance(data, dict):
        raise ParamsError(f"{p} must hold a mapping of keys to values.", file=str(p))
    return from_dict(data, source=str(p))
