"""Small-cell suppression: no published figure rests on, or reveals, a count below the threshold."""

import json

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ontrack_model.fairness import AuditConfig, audit_cohort
from ontrack_model.fairness.config import INTERSECTION_SEPARATOR
from ontrack_model.fairness.simulate import simulate_cohort
from ontrack_model.ranking import select_at_capacity

# Written here, independently of the package: the counts a reader could recover from each figure,
# given that group sizes and the other rates of the group are published alongside it.
NEEDS = {
    "group_size": ("n",),
    "base_rate": ("pos", "neg"),
    "selection_rate": ("sel", "unsel"),
    "list_share": ("sel",),
    "selection_to_need": ("sel", "unsel", "pos", "neg"),
    "precision": ("tp", "fp"),
    "fdr": ("tp", "fp"),
    "recall": ("tp", "fn"),
    "fnr": ("tp", "fn"),
    "fpr": ("fp", "tn"),
    "for": ("fn", "tn"),
    "mean_predicted": ("n",),
    "predicted_to_observed": ("pos", "neg"),
}
ATTRS = ("ethnicity", "sex", "fsm")


def _counts(frame: pd.DataFrame, k: int, attribute: str) -> pd.DataFrame:
    """Confusion counts per group, computed directly with pandas."""
    sel = select_at_capacity(frame, k).to_numpy()
    lab = frame["label"].to_numpy(dtype=float) if frame["label"].notna().all() else np.zeros(len(frame))
    if INTERSECTION_SEPARATOR in attribute:
        parts = attribute.split(INTERSECTION_SEPARATOR)
        key = frame[parts[0]].astype(str).str.cat([frame[p].astype(str) for p in parts[1:]],
                                                  sep=INTERSECTION_SEPARATOR)
    else:
        key = frame[attribute].astype(str)
    df = pd.DataFrame({"g": key, "sel": sel, "pos": lab})
    df["tp"] = df["sel"] & (df["pos"] == 1)
    df["fp"] = df["sel"] & (df["pos"] == 0)
    df["fn"] = ~df["sel"] & (df["pos"] == 1)
    df["tn"] = ~df["sel"] & (df["pos"] == 0)
    out = df.groupby("g").agg(n=("sel", "size"), sel=("sel", "sum"), pos=("pos", "sum"), tp=("tp", "sum"),
                              fp=("fp", "sum"), fn=("fn", "sum"), tn=("tn", "sum"))
    out["unsel"] = out["n"] - out["sel"]
    out["neg"] = out["n"] - out["pos"]
    return out


def _check_published(frame: pd.DataFrame, k: int, audit, threshold: int) -> None:
    records = audit.to_records()
    json.dumps(audit.to_json(), allow_nan=False)  # publishable as strict JSON
    for attribute in audit.attributes:
        counts = _counts(frame, k, attribute)
        rows = [r for r in records if r["attribute"] == attribute]
        for r in rows:
            if r["suppressed"]:
                assert r["value"] is None and r["ci_low"] is None and r["ratio"] is None, r
                assert r["ratio_ci_low"] is None and r["ratio_ci_high"] is None, r
                continue
            c = counts.loc[r["group"]]
            for name in NEEDS[r["metric"]]:
                assert c[name] >= threshold, (attribute, r["group"], r["metric"], name)
            if r["metric"] == "list_share":
                assert counts["sel"].sum() - c["sel"] >= threshold or counts["sel"].sum() == c["sel"]
            if r["ratio"] is not None and r["group"] != r["reference_group"]:
                ref = next(x for x in rows
                           if x["group"] == r["reference_group"] and x["metric"] == r["metric"])
                assert not ref["suppressed"]
        # complementary: a single hidden group size could be recovered from the cohort's total
        hidden = [g for g in counts.index
                  if next(x for x in rows if x["group"] == g and x["metric"] == "group_size")["suppressed"]]
        assert len(hidden) != 1, (attribute, hidden)
        if hidden:
            assert counts.loc[hidden, "n"].sum() >= threshold


@st.composite
def cohorts(draw):
    n = draw(st.integers(30, 260))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    n_fam = max(1, int(n * draw(st.floats(0.6, 1.0))))
    eth_p = rng.dirichlet(np.full(4, draw(st.floats(0.3, 3.0))))
    frame = pd.DataFrame({
        "pupil_id": [f"P{i}" for i in range(n)],
        "family_id": [f"F{f}" for f in np.concatenate([np.arange(min(n, n_fam)),
                                                      rng.integers(0, n_fam, max(0, n - n_fam))])],
        "score": rng.normal(size=n),
        "probability": rng.uniform(0, 0.5, size=n),
        "label": (rng.random(n) < draw(st.floats(0.02, 0.5))).astype(int),
        "ethnicity": rng.choice(["WHIT", "BLAC", "ASIA", "MIXD"], n, p=eth_p),
        "sex": rng.choice(["F", "M"], n),
        "fsm": rng.choice(["Y", "N"], n, p=[0.25, 0.75]),
    })
    if draw(st.booleans()):
        frame["label"] = pd.array([pd.NA] * n, dtype="Int64")
    k = draw(st.integers(1, frame["family_id"].nunique()))
    threshold = draw(st.sampled_from([5, 10]))
    return frame, k, threshold


@settings(max_examples=20, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts())
def test_no_published_figure_rests_on_a_small_count(case) -> None:
    frame, k, threshold = case
    config = AuditConfig(attributes=ATTRS, intersections=(("ethnicity", "sex"),), resamples=20, seed=0,
                         suppress_below=threshold, min_reference_size=threshold)
    _check_published(frame, k, audit_cohort(frame, k, config), threshold)


def test_a_small_group_is_hidden_everywhere_with_a_complementary_cell() -> None:
    frame = simulate_cohort(1200, seed=9)
    frame.loc[frame.index[:6], "ethnicity"] = "ZZZZ"  # a group of six children
    config = AuditConfig(attributes=("ethnicity",), intersections=(), resamples=50)
    audit = audit_cohort(frame, 100, config)
    rows = audit.table("ethnicity")
    tiny = rows[rows["group"] == "ZZZZ"]
    assert tiny["suppressed"].all()
    assert tiny[["value", "ci_low", "ci_high", "ratio", "ratio_ci_low", "ratio_ci_high"]].isna().all().all()
    sizes = rows[rows["metric"] == "group_size"]
    assert sizes["suppressed"].sum() >= 2  # otherwise ZZZZ = cohort size - the others
    _check_published(frame, 100, audit, 10)
