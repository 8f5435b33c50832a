"""Small-cell suppression: no published figure rests on, or reveals, a count below the threshold."""

import json

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ontrack_model.fairness import AuditConfig, audit_cohort, audit_cohorts
from ontrack_model.fairness.config import INTERSECTION_SEPARATOR
from ontrack_model.fairness.inputs import pool_cohorts
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


def _known(records: list[dict], attribute: str) -> dict[str, set[str]]:
    """Per group, the counts a reader of these records can recover (from the published figures)."""
    out: dict[str, set[str]] = {}
    for r in records:
        if r["attribute"] == attribute and not r["suppressed"]:
            out.setdefault(r["group"], set()).update(NEEDS[r["metric"]])
    return out


def _check_pooled_beside_years(frames: dict, k: int, pooled, years: dict, threshold: int) -> None:
    """No pooled figure lets a reader subtract the years' visible counts and learn a hidden one."""
    for attribute in pooled.attributes:
        shown = _known(pooled.to_records(), attribute)
        per_year = {y: (_counts(f, k, attribute), _known(years[y].to_records(), attribute))
                    for y, f in frames.items()}
        for group, names in shown.items():
            for name in names:
                hidden = [int(c.loc[group, name]) for c, known in per_year.values()
                          if group in c.index and name not in known.get(group, set())]
                assert not hidden or (len(hidden) > 1 and sum(hidden) >= threshold), (
                    attribute, group, name, hidden)


def test_a_pooled_audit_does_not_reveal_a_years_hidden_count() -> None:
    frames = {2018: simulate_cohort(1200, seed=1), 2019: simulate_cohort(1200, seed=2)}
    frames[2018].loc[frames[2018].index[:6], "ethnicity"] = "ZZZZ"  # six children in 2018
    frames[2019].loc[frames[2019].index[:30], "ethnicity"] = "ZZZZ"  # thirty in 2019
    config = AuditConfig(attributes=("ethnicity",), intersections=(), resamples=20)
    result = audit_cohorts(frames, 100, config)

    def size(audit) -> dict:
        return next(r for r in audit.to_records() if r["group"] == "ZZZZ" and r["metric"] == "group_size")

    assert size(result["audits"][2018])["suppressed"] and size(result["audits"][2019])["value"] == 30
    # 36 children pooled is no small cell, but 36 - 30 would give away 2018's six.
    assert size(result["pooled"])["suppressed"]
    assert not size(audit_cohort(pool_cohorts(frames), 100, config))["suppressed"]  # on its own it would show
    _check_pooled_beside_years(frames, 100, result["pooled"], result["audits"], 10)


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(cohorts(), min_size=2, max_size=3), st.integers(1, 40))
def test_pooled_and_yearly_audits_together_reveal_no_small_count(cases, k) -> None:
    frames = {2015 + i: frame.assign(label=frame["label"].astype(float).fillna(0).astype(int))
              for i, (frame, _, _) in enumerate(cases)}
    k = min([k, *(f["family_id"].nunique() for f in frames.values())])
    config = AuditConfig(attributes=ATTRS, intersections=(), resamples=0, suppress_below=10)
    result = audit_cohorts(frames, k, config)
    for year, frame in frames.items():
        _check_published(frame, k, result["audits"][year], 10)
    _check_pooled_beside_years(frames, k, result["pooled"], result["audits"], 10)
