"""IPEDS: the institutions table from the federal files, and NSC college codes -> UnitIDs.

The directory (HD) gives each institution's UnitID, name, state, OPEID, level and control;
the Graduation Rates survey its 150%-of-normal-time rate for all students and for Pell
Grant recipients; Outcome Measures the share of all entering students with any award
within six years. Each file is read through its built-in description
(``netlab/data/sources/ipeds-*.yaml``), so a differently named or laid out year is a new
YAML, not new code.

A National Student Clearinghouse college code is ``NNNNNN-BB``: the 6-digit OPEID and a
2-digit branch. OPEID8 = code + branch matches IPEDS's ``OPEID``; when no institution has
the branch, the main campus (branch ``00``) is the usual fallback. OPEIDs repeat in IPEDS
and some are placeholders, so a hub's own map (``college_codes.csv``) overrides the match,
and every code that maps nowhere is listed, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from netlab.exceptions import InputError
from netlab.sources._describe import load_builtin
from netlab.sources._read import read_export
from netlab.sources._state import _files

INSTITUTION_COLUMNS = [
    "unitid",
    "name",
    "state",
    "level",
    "control",
    "opeid",
    "grad_rate",
    "grad_rate_pell",
    "grad_rate_year",
    "award_rate_6yr",
]
_LEVELS = {1: "4-year", 2: "2-year", 3: "less-than-2-year"}
_CONTROLS = {1: "public", 2: "private nonprofit", 3: "private for-profit"}
CODE_COLUMNS = ["college_code", "opeid8", "unitid", "how", "candidates"]


def _problems_to_error(read) -> None:
    errors = [p for p in read.problems if p["severity"] == "error"]
    if errors:
        p = errors[0]
        raise InputError(f"{read.file}: {p['rule']}", file=read.file, hint=p["what_to_do"])


def institutions_from_reads(hd, grad=None, outcomes=None) -> tuple[pd.DataFrame, list[str]]:
    """The institutions table from read IPEDS files (see :func:`read_ipeds`)."""
    notes = []
    f = hd.frame
    admin = f["sector"].fillna(-1).astype(int).eq(0) if "sector" in f else pd.Series(False)
    opeid = f["opeid"].astype("str").str.strip()
    valid = opeid.str.fullmatch(r"\d{1,8}").fillna(False).astype(bool) & (opeid != "0")
    out = pd.DataFrame(
        {
            "unitid": f["unitid"].astype("str"),
            "name": f["name"].astype("str"),
            "state": f["state"].astype("str") if "state" in f else None,
            "level": f["level"].map(_LEVELS).astype("str"),
            "control": f["control"].map(_CONTROLS).astype("str"),
            "opeid": opeid.str.zfill(8).where(valid).astype("str"),
        }
    )
    notes.append(
        f"{hd.file}: {len(out):,} institutions; {int(valid.sum()):,} with an OPEID "
        f"({int((~valid).sum()):,} blank or placeholder such as -2)"
    )
    if admin.any():
        notes.append(
            f"{hd.file}: {int(admin.sum()):,} administrative units (sector 0) left out "
            "(they enroll no students)"
        )
        out = out[~admin.to_numpy()]
    if grad is not None:
        g = grad.frame.dropna(subset=["grad_rate"]) if "grad_rate" in grad.frame else grad.frame
        g = g.sort_values("year").drop_duplicates("unitid", keep="last")
        pell = grad.frame.dropna(subset=["grad_rate_pell"]) if (
            "grad_rate_pell" in grad.frame) else None  # fmt: skip
        rates = g.set_index("unitid")
        out["grad_rate"] = out["unitid"].map(rates["grad_rate"] / 100)
        out["grad_rate_year"] = out["unitid"].map(rates["year"]).astype("Int64")
        if pell is not None:
            pell = pell.sort_values("year").drop_duplicates("unitid", keep="last")
            out["grad_rate_pell"] = out["unitid"].map(
                pell.set_index("unitid")["grad_rate_pell"] / 100
            )
        latest = int(g["year"].max()) if len(g) else None
        older = int((out["grad_rate_year"] < latest).sum()) if latest else 0
        notes.append(
            f"{grad.file}: graduation rates (150% of normal time) for "
            f"{int(out['grad_rate'].notna().sum()):,} institutions, collection year {latest}"
            + (f" ({older:,} from an earlier year, their latest reported)" if older else "")
        )
    if outcomes is not None:
        om = outcomes.frame.drop_duplicates("unitid").set_index("unitid")
        out["award_rate_6yr"] = out["unitid"].map(om["award_rate_6yr"] / 100)
    for col in INSTITUTION_COLUMNS:
        if col not in out.columns:
            out[col] = np.nan
    return out[INSTITUTION_COLUMNS].reset_index(drop=True), notes


def read_ipeds(source_dir: str | Path) -> tuple[pd.DataFrame, list[str]]:
    """Read a folder of IPEDS files into the institutions table.

    Parameters
    ----------
    source_dir : str or Path
        A folder with the IPEDS directory (HD) and, optionally, the graduation rates and
        outcome measures files (found by the built-in descriptions' file patterns).

    Returns
    -------
    (DataFrame, list of str)
        Columns :data:`INSTITUTION_COLUMNS` (rates as shares, 0 to 1; ``opeid`` the 8-digit
        text), and notes on what was read.
    """
    source_dir = Path(source_dir)
    reads = {}
    for key in ("ipeds-hd", "ipeds-grad-rates", "ipeds-outcome-measures"):
        desc = load_builtin(key)
        files = _files(source_dir, desc.spec.files)
        if not files:
            if key == "ipeds-hd":
                raise InputError(
                    f"No IPEDS directory file in {source_dir} (looked for {desc.spec.files}).",
                    file=str(source_dir),
                    hint="Give the folder holding IPEDS's HD file (institutions.csv).",
                )
            continue
        read = read_export(files[0], desc)
        _problems_to_error(read)
        reads[key] = read
    return institutions_from_reads(
        reads["ipeds-hd"], reads.get("ipeds-grad-rates"), reads.get("ipeds-outcome-measures")
    )


@dataclass
class IpedsImport:
    """What :func:`import_ipeds` wrote."""

    path: Path
    institutions: pd.DataFrame
    notes: list[str]

    @property
    def summary(self) -> pd.DataFrame:
        inst = self.institutions
        return pd.DataFrame(
            {
                "what": [
                    "institutions",
                    "with an OPEID (NSC college codes can map to them)",
                    "with a graduation rate (all students)",
                    "with a graduation rate (Pell recipients)",
                ],
                "count": [
                    len(inst),
                    int(inst["opeid"].notna().sum()),
                    int(inst["grad_rate"].notna().sum()),
                    int(inst["grad_rate_pell"].notna().sum()),
                ],
            }
        )


def import_ipeds(source_dir: str | Path, out_dir: str | Path) -> IpedsImport:
    """Write ``institutions.csv`` for a raw folder from the IPEDS files.

    Parameters
    ----------
    source_dir : str or Path
        Folder of the IPEDS files (see :func:`read_ipeds`).
    out_dir : str or Path
        Raw folder to write into (created if missing).

    Returns
    -------
    IpedsImport
        Where ``institutions.csv`` was written, the institutions table itself, and notes on
        what was read.
    """
    inst, notes = read_ipeds(source_dir)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "institutions.csv"
    inst.to_csv(path, index=False)
    return IpedsImport(path=path, institutions=inst, notes=notes)


# --------------------------------------------------------------------------- college codes
def opeid8(codes: pd.Series) -> pd.Series:
    """NSC college codes (``001312-00``, ``00131200``, ``1312-00``) as 8-digit OPEIDs."""
    # Parsed once per distinct code: a state's file has millions of rows, a few thousand codes.
    idx, uniques = pd.factorize(codes.astype("str"))
    text = pd.Series(uniques, dtype="str").str.strip().str.replace(" ", "", regex=False)
    parts = text.str.extract(r"^(\d{1,6})(?:-?(\d{1,2}))?$")
    six = parts[0].str.zfill(6)
    branch = parts[1].fillna("00").str.zfill(2)
    out = (six + branch).where(parts[0].notna()).to_numpy(dtype=object)
    # the code past the last stands for a missing one (a blank object cell: numpy's typing
    # takes None only as an array)
    values = np.append(out, np.array(None, dtype=object))[np.where(idx < 0, len(out), idx)]
    return pd.Series(values, index=codes.index, dtype="str")


def map_college_codes(
    codes: pd.Series,
    institutions: pd.DataFrame | None,
    overrides: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Map NSC college codes to IPEDS UnitIDs.

    Parameters
    ----------
    codes : Series of str
        College codes as they appear (each distinct one is mapped once).
    institutions : DataFrame or None
        The institutions table with ``opeid`` (8-digit text) and ``unitid``.
    overrides : DataFrame, optional
        ``college_code`` -> ``unitid``, the hub's own map; it wins over the OPEID match.

    Returns
    -------
    DataFrame
        One row per distinct code: ``college_code``, ``opeid8``, ``unitid`` (missing when
        unmapped), ``how`` (``override``, ``code and branch``, ``main campus``,
        ``shared OPEID`` (several institutions; the one with a graduation rate and the
        lowest UnitID was taken), ``not in IPEDS``, ``no institutions table``,
        ``not a college code``), ``candidates`` (UnitIDs sharing the OPEID).
    """
    distinct = pd.Series(pd.unique(codes.dropna().astype("str")), dtype="str")
    out = pd.DataFrame({"college_code": distinct, "opeid8": opeid8(distinct)})
    out["unitid"] = pd.Series([None] * len(out), dtype="str")
    out["candidates"] = ""
    out["how"] = np.where(out["opeid8"].isna(), "not a college code", "not in IPEDS")
    if institutions is None or "opeid" not in institutions.columns:
        out.loc[out["opeid8"].notna(), "how"] = "no institutions table"
    else:
        inst = institutions.dropna(subset=["opeid"]).copy()
        inst["_rated"] = inst["grad_rate"].notna() if "grad_rate" in inst else False
        inst["_n"] = pd.to_numeric(inst["unitid"], errors="coerce")
        inst = inst.sort_values(["opeid", "_rated", "_n"], ascending=[True, False, True])
        shared = inst.groupby("opeid")["unitid"].agg(lambda s: " ".join(s) if len(s) > 1 else "")
        first = inst.drop_duplicates("opeid").set_index("opeid")["unitid"]
        direct = out["opeid8"].map(first)
        main = (out["opeid8"].str[:6] + "00").map(first)
        hit = direct.notna()
        fall = ~hit & main.notna()
        out.loc[hit, "unitid"] = direct[hit]
        out.loc[hit, "how"] = "code and branch"
        out.loc[fall, "unitid"] = main[fall]
        out.loc[fall, "how"] = "main campus"
        key = out["opeid8"].where(hit, out["opeid8"].str[:6] + "00")
        out["candidates"] = key.map(shared).fillna("")
        many = (hit | fall) & (out["candidates"] != "")
        out.loc[many, "how"] = out.loc[many, "how"] + ", shared OPEID"
    if overrides is not None and len(overrides):
        ov = overrides.dropna(subset=["college_code", "unitid"]).copy()
        ov["opeid8"] = opeid8(ov["college_code"])
        by_code = ov.drop_duplicates("opeid8", keep="last").set_index("opeid8")["unitid"]
        got = out["opeid8"].map(by_code)
        out.loc[got.notna(), "unitid"] = got[got.notna()]
        out.loc[got.notna(), "how"] = "override"
    return out[CODE_COLUMNS]


def code_summary(mapping: pd.DataFrame) -> str:
    """One sentence: how many codes mapped, and how."""
    n = len(mapping)
    mapped = mapping["unitid"].notna()
    how = mapping.loc[mapped, "how"].str.replace(", shared OPEID", "", regex=False)
    parts = ", ".join(f"{k} {v:,}" for k, v in how.value_counts().items())
    shared = int(mapping["how"].str.contains("shared", regex=False).sum())
    return (
        f"{int(mapped.sum()):,} of {n:,} college codes map to an IPEDS UnitID"
        + (f" ({parts})" if parts else "")
        + (f"; {shared:,} share their OPEID with other institutions" if shared else "")
        + (f"; {n - int(mapped.sum()):,} do not map" if n > int(mapped.sum()) else "")
    )


__all__ = [
    "CODE_COLUMNS",
    "INSTITUTION_COLUMNS",
    "import_ipeds",
    "map_college_codes",
    "opeid8",
    "read_ipeds",
]
