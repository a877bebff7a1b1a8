"""Validate netlab.variation against planted truth on many synthetic networks.

Prints, for the focal group and the focal measure (enrolled where likely to graduate):

- recall of the planted bright spots (share of planted ones found by ``bright_spots``),
- on null networks (no school effects, no bright spots): the per-school false bright-spot
  rate and the share of networks with any false bright spot,
- on planted networks: the share of flagged schools that are not planted bright spots
  (these may still be truly strong schools, since school effects are planted too),
- coverage of the planted school-year rates by the 95% intervals of the shrunken estimates,
- the share of funnel points outside the 99.8% limits on null networks (additive method),
- recall when the planted bright-spot effect is halved (12 -> 6 points).

Usage: ``python bench/validate_variation.py [n_networks]`` (default 50).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from netlab import synth, variation

MEASURE = "enrolled_likely_grad"


def _rates(network: synth.SynthNetwork) -> pd.DataFrame:
    counts = network.tables["counts"].rename(columns={"school_id": "unit_id"})
    return counts.assign(rate=counts["numerator"] / counts["denominator"])


def one_network(seed: int, *, null: bool, effect: float = 0.12) -> dict[str, float]:
    """Statistics of one simulated network."""
    net = synth.generate(
        n_schools=30, seed=seed, grain="counts", null=null, bright_spot_effect=effect
    )
    rates = _rates(net)
    shrunk = variation.shrunken(rates, measure=MEASURE, group="focal")
    truth = net.truth.school_year_rates
    truth = truth[(truth["measure"] == MEASURE) & (truth["group"] == "focal")]
    both = shrunk.merge(
        truth.rename(columns={"school_id": "unit_id"}), on=["unit_id", "year", "measure", "group"]
    )
    covered = ((both["low"] <= both["p"]) & (both["p"] <= both["high"])).to_numpy()
    found = set(variation.bright_spots(rates, measure=MEASURE, shrunk=shrunk)["unit_id"])
    planted = set(net.truth.bright_spots)
    n_units = rates["unit_id"].nunique()
    # a flagged school is truly better when its planted rate over the window beats the network's
    last3 = both[both["year"].isin(sorted(both["year"].unique())[-3:])]
    true_net = np.average(last3["p"], weights=last3["denominator"])
    true_unit = last3.groupby("unit_id").apply(
        lambda g: np.average(g["p"], weights=g["denominator"]), include_groups=False
    )
    not_better = [u for u in found if true_unit.get(u, 0.0) <= true_net]
    fun = variation.funnel(rates, measure=MEASURE)
    return {
        "recall": len(found & planted) / len(planted) if planted else np.nan,
        "false_rate": len(found - planted) / (n_units - len(planted)),
        "any_false": float(bool(found - planted)),
        "flagged_not_better": len(not_better) / len(found) if found else np.nan,
        "coverage": covered.mean(),
        "n_intervals": covered.size,
        "funnel_outside": (fun["flag"] != "within").mean(),
    }


def main(n: int = 50) -> pd.DataFrame:
    """Run ``n`` planted and ``n`` null networks and print the summary table."""
    start = time.perf_counter()
    planted = pd.DataFrame([one_network(1000 + s, null=False) for s in range(n)])
    null = pd.DataFrame([one_network(5000 + s, null=True) for s in range(n)])
    small = pd.DataFrame([one_network(9000 + s, null=False, effect=0.06) for s in range(n)])
    table = pd.DataFrame(
        [
            ("bright spots: recall of planted ones", planted["recall"].mean(), ">= 0.80"),
            ("recall when the planted effect is 6 points", small["recall"].mean(), "(report)"),
            ("null: false bright-spot rate per school", null["false_rate"].mean(), "<= 0.05"),
            ("null: networks with any false bright spot", null["any_false"].mean(), "(report)"),
            ("planted: flagged schools not planted", planted["false_rate"].mean(), "(report)"),
            (
                "planted: flagged schools truly not better",
                planted["flagged_not_better"].mean(),
                "(report)",
            ),
            ("planted: 95% interval coverage", planted["coverage"].mean(), "0.90-0.98"),
            ("null: 95% interval coverage", null["coverage"].mean(), "(report)"),
            ("null: funnel points outside 99.8%", null["funnel_outside"].mean(), "~0.002"),
        ],
        columns=["figure", "value", "target"],
    )
    print(
        f"netlab.variation validation: {n} planted (+{n} with a 6-point effect) and {n} null "
        "networks of 30 schools"
    )
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"({time.perf_counter() - start:.1f} s)")
    return table


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
