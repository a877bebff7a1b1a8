"""IPEDS 2023: the institutions table from the real files, and NSC codes -> UnitIDs."""

from __future__ import annotations

import pandas as pd
import pytest

from netlab import cli, sources
from tests._support import SHARED_PUBLIC

IPEDS = SHARED_PUBLIC / "ipeds-2023"
needs_ipeds = pytest.mark.skipif(not IPEDS.is_dir(), reason=f"the IPEDS files are not at {IPEDS}")
pytestmark = [needs_ipeds, pytest.mark.public]


@pytest.fixture(scope="module")
def institutions() -> pd.DataFrame:
    return sources.read_ipeds(IPEDS)[0].set_index("unitid")


def test_published_graduation_rates(institutions):
    berkeley = institutions.loc["110635"]
    sdsu = institutions.loc["122409"]
    assert berkeley["name"] == "University of California-Berkeley"
    assert berkeley["grad_rate"] == pytest.approx(0.93)
    assert sdsu["grad_rate"] == pytest.approx(0.78)
    # Pell recipients' rates, the 2023 collection, and the OPEID regains its zeros
    assert (berkeley["grad_rate_pell"], sdsu["grad_rate_pell"]) == pytest.approx((0.88, 0.74))
    assert berkeley["grad_rate_year"] == 2023 and berkeley["opeid"] == "00131200"
    assert (berkeley["level"], berkeley["control"], berkeley["state"]) == (
        "4-year",
        "public",
        "CA",
    )


def test_every_institution_once_and_admin_units_left_out(institutions):
    raw = pd.read_csv(IPEDS / "institutions.csv", dtype=str)
    admin = (raw["SECTOR"] == "0").sum()
    assert len(institutions) == len(raw) - admin and institutions.index.is_unique
    assert institutions["grad_rate"].dropna().between(0, 1).all()
    assert set(institutions["level"].dropna()) == {"4-year", "2-year", "less-than-2-year"}


def test_nsc_codes_map_through_opeid(institutions):
    inst = institutions.reset_index()
    codes = pd.Series(["001312-00", "001151-00", "001315-00", "001312-05", "1151-00", "999999-00"])
    got = sources.map_college_codes(codes, inst).set_index("college_code")
    assert got.loc["001312-00", "unitid"] == "110635"
    assert got.loc["001151-00", "unitid"] == "122409"
    assert got.loc["001315-00", "unitid"] == "110662"  # UCLA
    assert got.loc["001312-05", ["unitid", "how"]].tolist() == ["110635", "main campus"]
    assert got.loc["1151-00", "unitid"] == "122409"  # zeros lost in Excel
    assert got.loc["999999-00", "how"] == "not in IPEDS"
    # Every IPEDS OPEID as an NSC code: each maps; those IPEDS repeats are flagged as shared.
    opeids = inst["opeid"].dropna()
    all_codes = opeids.str[:6] + "-" + opeids.str[6:]
    mapped = sources.map_college_codes(all_codes, inst)
    assert mapped["unitid"].notna().all()
    shared = mapped["how"].str.contains("shared").sum()
    assert 0 < shared < 0.02 * len(mapped)
    print(f"\nIPEDS 2023: {len(mapped):,} distinct OPEIDs as NSC codes, all map; {shared} shared")


def test_import_public_ipeds_cli(tmp_path, capsys):
    assert (
        cli.main(["import-public", "ipeds", "--source", str(IPEDS), "--out", str(tmp_path)]) == 0
    )
    out = capsys.readouterr().out
    assert "institutions" in out and "NSC college codes can map" in out
    written = pd.read_csv(tmp_path / "institutions.csv", dtype=str)
    row = written.set_index("unitid").loc["122409"]
    assert row["grad_rate"] == "0.78" and row["opeid"] == "00115100"
