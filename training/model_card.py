"""The model card (Mitchell et al. 2019 sections), written from a training run's measured results."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass
class CardFacts:
    """What the card states; every number comes from the run."""

    model_name: str
    version: str | None
    run_id: str
    chosen: str
    capacity: int
    trained_cohorts: tuple[int, ...]
    validation_years: tuple[int, ...]
    current_cohort: int
    horizon_years: int
    as_of: str  # e.g. "1 June"
    summary: pd.DataFrame  # per candidate, mean/std of metrics (from evaluation.summarise)
    ece_latest: float
    calibration_method: str
    base_rates: dict[int, float]  # cohort -> child-level rate of entering care
    top_reasons: list[str]  # global SHAP groups, strongest first
    n_features: int
    fingerprints: dict[str, str]
    synthetic: bool
    flags: list[dict]  # fairness flags on validation cohorts


def _fmt(x: float, pct: bool = False) -> str:
    if x != x:  # NaN
        return "n/a"
    return f"{x:.1%}" if pct else f"{x:.3f}"


def _fingerprints(prints: dict[str, str]) -> str:
    return ", ".join(f"{k} `{v[:12]}`" for k, v in prints.items())


def render_model_card(f: CardFacts) -> str:
    """The model card as Markdown."""
    chosen = f.summary.set_index("candidate").loc[f.chosen]
    rows = []
    for _, r in f.summary.iterrows():
        rows.append(
            f"| {r['candidate']} | {_fmt(r['precision_at_k_mean'])} ± {_fmt(r['precision_at_k_std'])} | "
            f"{_fmt(r['recall_at_k_mean'])} | {_fmt(r['lift_at_k_mean'])} | {_fmt(r['auc_mean'])} | "
            f"{_fmt(r['average_precision_mean'])} | {_fmt(r['brier_mean'])} |"
        )
    rates = ", ".join(f"{y}: {r:.2%}" for y, r in sorted(f.base_rates.items()))
    flags = (
        "\n".join(
            f"- {_cohort_label(fl.get('cohort'))}: {fl.get('attribute')} = {fl.get('group')}, "
            f"{fl.get('metric')} ratio "
            f"{fl.get('ratio', float('nan')):.2f} to {fl.get('reference_group')} (interval wholly "
            f"{fl.get('direction', 'outside')} the 0.8–1.25 band)"
            for fl in f.flags
        )
        or "- none: no group's interval lay wholly outside the 0.8–1.25 band"
    )
    data_note = (
        "**These results come from the package's SYNTHETIC data world, not from real records.**"
        if f.synthetic
        else "Trained on the council's linked school and social-care extract."
    )
    return f"""# Model card: {f.model_name} {("version " + f.version) if f.version else ""}

{data_note}

## Model details
- Developed by the On Track analytics team; MLflow run `{f.run_id}`.
- Chosen candidate: **{f.chosen}** (scikit-learn), calibrated with {f.calibration_method} scaling
  fitted on out-of-time predictions; {f.n_features} features built as of {f.as_of} of Year 6.
- Trained on labelled cohorts {min(f.trained_cohorts)}–{max(f.trained_cohorts)};
  scores cohort {f.current_cohort}.

## Intended use
- To help the On Track team decide which families to **offer** voluntary, intensive early help at the
  transfer to secondary school, up to its capacity of {f.capacity} families a year.
- A practitioner reviews every family on the list, with its reasons, before any contact.

## Out-of-scope uses
- Any decision about a child's safety, a statutory assessment, or care proceedings.
- Any use as evidence about a family, or to withdraw or ration a service.
- Scoring children outside the Year 6 transfer, or other councils, without re-validation.

## Factors
- Groups audited: ethnicity, sex, special educational needs, free school meals, borough
  (and ethnicity × sex). Ethnicity and sex are not model inputs.
- The model only sees what was recorded: groups whose needs are recorded more (or less) often
  than others' can be over- (or under-) ranked. The fairness audit measures this, on each
  validation year and on the years pooled (one year's list is too small to see a moderate bias).

## Metrics
- Primary: precision at k = {f.capacity} families (share of listed families in which a Year 6 child
  entered care within {f.horizon_years} years). Secondary: recall at k, lift over the base rate, AUC,
  average precision, Brier score, expected calibration error (ECE).
- Selection rule: mean precision@k over the validation cohorts minus 0.5 × its standard deviation;
  the simplest candidate within one standard error of the best is chosen.

## Evaluation data
- Rolling-origin validation on cohorts {", ".join(map(str, f.validation_years))}: each validated by a
  model trained only on earlier cohorts.
- Child-level rate of entering care within the horizon by cohort: {rates}.

## Training data
- Input tables and their fingerprints (sha256): {_fingerprints(f.fingerprints)}.

## Quantitative analyses
| candidate | precision@k | recall@k | lift | AUC | AP | Brier |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}

Chosen model on the validation cohorts: precision@k {_fmt(chosen["precision_at_k_mean"])},
recall@k {_fmt(chosen["recall_at_k_mean"])}, AUC {_fmt(chosen["auc_mean"])}. Calibration on the latest
validation cohort (map fitted on the earlier ones): ECE {f.ece_latest:.4f}.

What drives the model most (mean |SHAP|, grouped): {", ".join(f.top_reasons[:6])}.

Fairness flags on the validation cohorts (each year, and the years pooled):
{flags}

## Ethical considerations
- Most families on any such list will never have a child enter care: at the measured precision,
  roughly {_fmt(1 - chosen["precision_at_k_mean"], pct=True)} of listed families would not. The list is
  an offer of help, never an accusation, and must be presented so.
- Records reflect contact with services, which differs by group and area; the audit and the
  practitioners' review are the safeguards. Small groups are suppressed in published outputs.
- Every view of a family's data through the service is logged.

## Caveats and recommendations
- Outcomes are rare (about 1 in 100 children); metrics from one cohort have wide uncertainty.
- Children who move away after Year 6 may enter care elsewhere unseen: precision is a lower bound.
- Retrain and re-audit every school year; do not promote a model whose audit flags a group without
  a documented review.
"""


def _cohort_label(cohort: object) -> str:
    return "validation cohorts pooled" if cohort == "pooled" else f"cohort {cohort}"
