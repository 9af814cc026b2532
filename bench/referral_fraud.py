"""Referral fraud checks measured on the labelled corpus.

    .venv/bin/python bench/referral_fraud.py

Assesses every referral of ``growth/tests/fraud_corpus.py`` with
``growth.fraud.assess`` at the corpus's ``NOW`` and prints: the confusion matrix
of ``quarantined`` against the labels, precision, recall and false-positive
rate; the same per pattern family; the misjudged cases with their reasons; the
fraud caught with no margin (exactly at the threshold); what other thresholds
would catch and hold; and what quarantining households (address or network
evidence alone) would change. Pure Python, no database; ``--verbose`` prints
every case.

The corpus was written before the rules, by the engineer who wrote them: the
figures are optimistic.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from doorstep.growth.fraud import QUARANTINE_SCORE, Reason, assess
from doorstep.growth.tests.fraud_corpus import CASES, FRAUD, NOW


def _ratio(numerator: int, denominator: int) -> str:
    return f"{numerator / denominator:.3f}" if denominator else "—"


def _figures(rows: list[tuple[str, bool, int]], threshold: int) -> dict[str, int]:
    cells = {"tp": 0, "fn": 0, "fp": 0, "tn": 0}
    for _, fraud, score in rows:
        held = score >= threshold
        cells[("tp" if held else "fn") if fraud else ("fp" if held else "tn")] += 1
    return cells


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true", help="print every case")
    args = parser.parse_args(argv)

    assessed = [(c, assess(c.case, now=NOW)) for c in CASES]
    rows = [(c.family, c.label == FRAUD, a.score) for c, a in assessed]
    frauds = sum(1 for _, fraud, _ in rows if fraud)
    print(
        f"{len(CASES)} referrals: {frauds} fraud, {len(CASES) - frauds} honest; "
        f"quarantine at score >= {QUARANTINE_SCORE}\n"
    )

    cells = _figures(rows, QUARANTINE_SCORE)
    tp, fn, fp, tn = cells["tp"], cells["fn"], cells["fp"], cells["tn"]
    print("Confusion matrix")
    print("                 quarantined   paid")
    print(f"  fraud          {tp:>11}   {fn:>4}")
    print(f"  honest         {fp:>11}   {tn:>4}")
    print(
        f"\nprecision {_ratio(tp, tp + fp)}   recall {_ratio(tp, tp + fn)}   "
        f"false-positive rate {_ratio(fp, fp + tn)}\n"
    )

    print("Per family (fraud caught / fraud; honest held / honest)")
    print(
        f"  {'family':<15} {'fraud':>5} {'honest':>6} {'TP':>3} {'FN':>3} "
        f"{'FP':>3} {'TN':>3} {'precision':>9} {'recall':>6} {'FPR':>5}"
    )
    for family in sorted({family for family, _, _ in rows}):
        f = _figures([r for r in rows if r[0] == family], QUARANTINE_SCORE)
        print(
            f"  {family:<15} {f['tp'] + f['fn']:>5} {f['fp'] + f['tn']:>6} "
            f"{f['tp']:>3} {f['fn']:>3} {f['fp']:>3} {f['tn']:>3} "
            f"{_ratio(f['tp'], f['tp'] + f['fp']):>9} "
            f"{_ratio(f['tp'], f['tp'] + f['fn']):>6} "
            f"{_ratio(f['fp'], f['fp'] + f['tn']):>5}"
        )

    print("\nMisjudged")
    for c, a in assessed:
        if a.quarantined != (c.label == FRAUD):
            kind = "missed fraud" if c.label == FRAUD else "honest held "
            reasons = ", ".join(f"{r} {p}" for r, p in a.points) or "nothing"
            print(f"  {kind} {a.score:>3}  {c.id}: {reasons}")

    edge = [
        c.id for c, a in assessed if c.label == FRAUD and a.score == QUARANTINE_SCORE
    ]
    print(f"\nFraud caught exactly at the threshold (no margin): {len(edge)}")
    for case_id in edge:
        print(f"  {case_id}")

    print("\nOther thresholds")
    header = ("score >=", "TP", "FN", "FP", "TN", "recall", "FPR")
    widths = (8, 3, 3, 3, 3, 6, 5)
    print("  " + " ".join(f"{h:>{w}}" for h, w in zip(header, widths, strict=True)))
    for threshold in (15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70):
        f = _figures(rows, threshold)
        print(
            f"  {threshold:>8} {f['tp']:>3} {f['fn']:>3} {f['fp']:>3} {f['tn']:>3} "
            f"{_ratio(f['tp'], f['tp'] + f['fn']):>6} "
            f"{_ratio(f['fp'], f['fp'] + f['tn']):>5}"
        )

    household = {Reason.SHARED_ADDRESS, Reason.SHARED_NETWORK}
    paid_households = [
        (c, a) for c, a in assessed if not a.quarantined and household & set(a.reasons)
    ]
    print(
        "\nIf address or network evidence alone quarantined (households held for ops):"
    )
    print(
        f"  {sum(1 for c, _ in paid_households if c.label != FRAUD)} more honest "
        f"held, {sum(1 for c, _ in paid_households if c.label == FRAUD)} more "
        "fraud caught:"
    )
    for c, a in paid_households:
        print(f"    {c.label:<6} {a.score:>3}  {c.id}")

    if args.verbose:
        print("\nEvery case")
        for c, a in assessed:
            reasons = ", ".join(f"{r} {p}" for r, p in a.points)
            mark = "held" if a.quarantined else "paid"
            print(f"  {c.label:<6} {mark} {a.score:>3}  {c.id}: {reasons}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
