"""Self-contained HTML report of a cohort's SCORE-15 change (plots embedded as base64 PNG)."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, select_autoescape

from ontrack_model.score15.change import DateLike, change_tables
from ontrack_model.score15.config import SCORES, Score15Config
from ontrack_model.score15.io import ResponseSet
from ontrack_model.score15.plots import paired_figure, png_base64, trajectory_figure
from ontrack_model.score15.scoring import score_administrations
from ontrack_model.score15.summary import COUNT_KEYS, cohort_summary

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SCORE-15 change: cohort summary</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}
th,td{border:1px solid #bbb;padding:.3rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}
dt{font-weight:600;margin-top:.5rem}img{max-width:100%}.note{color:#555;font-size:.9rem}
</style></head><body>
<h1>SCORE-15 change: cohort summary</h1>
<p>{{ s.sentence }}</p>
{% if s.reliable_change_sentence %}<p>{{ s.reliable_change_sentence }}</p>{% endif %}
<table><caption>Families by score (a fall in score is positive change)</caption>
<tr><th>Score</th>{% for k in keys %}<th>{{ k.replace('_', ' ') }}</th>{% endfor %}</tr>
{% for score in scores %}<tr><td>{{ s[score].name }}</td>
{% for k in keys %}<td>{{ s[score][k] }}</td>{% endfor %}</tr>
{% endfor %}</table>
{% if s.suppression %}<p class="note">Small numbers: {{ s.suppression.rule }}.</p>{% endif %}
{% if plots %}<h2>Trajectories</h2>
<img alt="Family mean score at each administration, per dimension and total"
 src="data:image/png;base64,{{ plots.trajectory }}">
<h2>First and latest score</h2><img alt="First and latest family score, per dimension and total"
 src="data:image/png;base64,{{ plots.paired }}">
{% else %}
<p class="note">Per-family plots are left out of a report with small-number suppression.</p>
{% endif %}
<h2>Reliable Change Index inputs</h2>
<table><tr><th>Score</th><th>reference SD</th><th>SD source</th><th>reliability</th><th>source</th>
<th>smallest reliable change</th></tr>
{% for score, p in s.rci.parameters.items() %}<tr><td>{{ s[score].name }}</td>
<td>{{ fmt(p.reference_sd) }}</td><td>{{ p.reference_sd_source }}</td><td>{{ fmt(p.reliability) }}</td>
<td>{{ p.reliability_source }}</td><td>{{ fmt(p.critical_change) }}</td></tr>{% endfor %}</table>
<h2>Rules used</h2><dl>{% for k, v in s.rules.items() %}<dt>{{ k.replace('_', ' ') }}</dt><dd>{{ v }}</dd>
{% endfor %}</dl>
<h2>Data</h2><dl>{% for k, v in s.data.items() %}<dt>{{ k.replace('_', ' ') }}</dt><dd>{{ v }}</dd>
{% endfor %}
{% if s.window.from or s.window.to %}<dt>window</dt>
<dd>{{ s.window.from or 'start' }} to {{ s.window.to or 'latest' }}</dd>{% endif %}</dl>
</body></html>
"""

_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))


def _fmt(value: Any) -> str:
    return "-" if value is None else f"{value:.3g}"


def render_html(summary: dict[str, Any], plots: dict[str, str] | None) -> str:
    """HTML page from a `cohort_summary` dict and base64 PNGs ('trajectory', 'paired'), or none."""
    return _ENV.from_string(_TEMPLATE).render(
        s=summary, plots=plots, keys=COUNT_KEYS, scores=SCORES, fmt=_fmt
    )


def cohort_report_html(
    responses: ResponseSet,
    config: Score15Config = Score15Config(),
    suppress_below: int | None = None,
    from_date: DateLike = None,
    to_date: DateLike = None,
) -> str:
    """The cohort summary as a self-contained HTML page; per-family plots only without suppression."""
    summary = cohort_summary(responses, config, suppress_below, from_date, to_date)
    plots = None
    if suppress_below is None:  # per-family lines would undo the suppression of small counts
        _, families, _ = change_tables(responses, config, from_date, to_date)
        plots = {
            "trajectory": png_base64(trajectory_figure(score_administrations(responses, config))),
            "paired": png_base64(paired_figure(families)),
        }
    return render_html(summary, plots)
