"""The API's request and response shapes (they are also its OpenAPI documentation)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from serving.decisions import Decision, ReasonCode


class Message(BaseModel):
    """An error or status message."""

    detail: str = Field(description="What went wrong (or happened), in plain words.")


class ValidationMessage(Message):
    """A request whose values break the schema: which parameter or field, and which rule."""

    errors: list[dict] = Field(default_factory=list, description="One entry per problem: location and rule.")


class Reason(BaseModel):
    """One reason behind a score, from the model's explanation."""

    group: str = Field(description="The group of related facts, e.g. 'School attendance'.")
    text: str = Field(description="The reason in plain English.")
    direction: str = Field(description="'raises' or 'lowers': which way it moves the score.")
    contribution: float = Field(description="Its contribution to the score, in log-odds.")


class DecisionRecord(BaseModel):
    """One recorded decision about a family."""

    cohort: int
    family_id: str
    borough: str
    decision: Decision
    reason_code: ReasonCode
    recorded_by: str = Field(description="Login name of the member of staff who recorded it.")
    recorded_at: str = Field(description="When (UTC, ISO 8601).")
    model_version: str = Field(description="The model version whose list the family was on.")


class FamilyRow(BaseModel):
    """One family on a ranked list."""

    family_id: str = Field(description="Pseudonymous family ID.")
    cohort: int = Field(description="Year 6 cohort (school year ending in this calendar year).")
    borough: str
    school_ids: list[str] = Field(description="Schools of the family's Year 6 children.")
    rank: int = Field(description="1 = highest score in the cohort.")
    rank_in_borough: int
    score: float = Field(description="Model score (log-odds) of the family's highest-scoring child.")
    probability: float = Field(description="Calibrated probability of entering care within the horizon.")
    percentile: float = Field(description="Share of families with a lower score (0-100).")
    n_children: int
    open_to_social_care: bool = Field(description="A child of the family is open to social care now.")
    reasons: list[Reason] = Field(description="The top reasons behind the score.")
    data_quality: list[str] = Field(description="Plain-language notes on gaps or doubts in the data.")
    latest_decision: DecisionRecord | None = Field(description="The most recent decision recorded, if any.")


class FamilyPage(BaseModel):
    """One page of a cohort's ranked list."""

    cohort: int
    model_version: str
    borough: str | None = Field(description="The borough the list is limited to, if any.")
    school: str | None = Field(description="The school the list is limited to, if any.")
    total: int = Field(description="Families matching the filters (all pages).")
    limit: int
    offset: int
    families: list[FamilyRow]


class Child(BaseModel):
    """One Year 6 child of a family, with their own reasons."""

    pupil_id: str = Field(description="Pseudonymous pupil ID.")
    school_id: str
    score: float
    probability: float
    reasons: list[Reason]


class FamilyDetail(FamilyRow):
    """One family: its place on the list, each child's reasons and every decision recorded."""

    model_version: str
    children: list[Child]
    decisions: list[DecisionRecord] = Field(description="Every decision recorded, oldest first.")


class DecisionIn(BaseModel):
    """A decision about a family. Codes only: no free text about a family is stored."""

    model_config = ConfigDict(extra="forbid")

    decision: Decision
    reason_code: ReasonCode = Field(description="Why; must be one of the reasons that go with the decision.")
    cohort: int | None = Field(default=None, ge=2000, le=2100, description="Cohort year; default the latest.")


class CohortInfo(BaseModel):
    """Aggregate facts about one cohort's list (no family-level data)."""

    year: int
    n_families: int
    n_children: int
    families_by_borough: dict[str, int]
    decisions_recorded: int


class CohortsOut(BaseModel):
    """The cohorts with a ranked list in the loaded model version."""

    model_version: str
    latest: int
    cohorts: list[CohortInfo]


class ModelOut(BaseModel):
    """The champion model serving the lists."""

    model_name: str
    version: str
    run_id: str | None
    trained_cohorts: list[int] | list[str] | None
    training_period: str | None = Field(description="The cohorts (school years) the model learned from.")
    capacity: int | None = Field(description="Families the programme can offer help to each year (k).")
    metrics_at_capacity: dict = Field(
        description="Held-out metrics at capacity k (precision@k, recall@k, ...)."
    )
    loaded_at: str
    model_card: str = Field(description="The model card (Markdown).")
    info: dict = Field(description="Everything else recorded about the model version.")


class Prediction(BaseModel):
    """One scored pupil."""

    pupil_id: str
    probability: float


class ScoreOut(BaseModel):
    """Probabilities for an uploaded feature matrix."""

    model_version: str
    n_rows: int
    predictions: list[Prediction]


class ScoreIn(BaseModel):
    """A feature matrix as JSON: one object per pupil with `pupil_id` and every feature column."""

    rows: list[dict[str, float | int | str | bool | None]] = Field(
        description="One object per pupil: pupil_id plus the model's feature columns (numbers)."
    )


class AuditEntry(BaseModel):
    """One access-log entry."""

    id: int
    at: str
    user: str
    role: str
    endpoint: str
    family_ids: list[str] | None
    query: dict | None
    result_size: int


class ReloadOut(BaseModel):
    """The model now serving after a reload."""

    detail: str
    version: str
    previous_version: str | None
    cohorts: list[int]


class Health(BaseModel):
    """Liveness or readiness."""

    status: str
    model_version: str | None = None
    detail: str | None = None
