"""Property-based API test: schemathesis generates requests from /openapi.json (in-process ASGI).

Each operation gets a bounded number of generated requests, valid (positive) and invalid
(negative), sent with the token of a role allowed to call it. No request may get a server error.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from serving.demo import demo_service

MAX_EXAMPLES = 8


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    return demo_service(tmp_path_factory.mktemp("schemathesis"), n_families=40)


def valid_path_parameters(api, path: str) -> dict:
    """Path values that exist (random ones almost always give 404 and never reach the list code)."""
    year = max(api.bundle.families)
    frame = api.bundle.families[year]
    known = {"year": year, "family_id": str(frame.loc[frame["borough"] == "LBHF", "family_id"].iloc[0])}
    return {name: value for name, value in known.items() if "{" + name + "}" in path}


def user_for(path: str) -> str:
    """A role allowed to call the operation, so generated requests get past authorisation."""
    if path.startswith(("/v1/admin", "/v1/audit-log")):
        return "admin"
    if path.endswith("/decision"):
        return "pract-lbhf"
    return "analyst"


def run_examples(strategy, headers: dict, checks: list, calls: list) -> None:
    """Send a bounded, reproducible set of generated requests; record each status code."""

    @given(case=strategy)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case) -> None:
        calls.append(case.call_and_validate(headers=headers, checks=checks).status_code)

    check()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_generated_requests_never_get_a_server_error(api, mode) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15  # every route is in the schema
    # Valid requests must also get answers that match the documented status codes and shapes.
    checks = [not_a_server_error]
    if mode == GenerationMode.POSITIVE:
        checks += [status_code_conformance, response_schema_conformance]
    exercised, calls = 0, []
    for operation in operations:
        headers = api.headers(user_for(operation.path))
        strategy = operation.as_strategy(generation_mode=mode)
        fixed = valid_path_parameters(api, operation.path)
        if fixed:  # half the examples at real cohorts and families, half anywhere
            strategy = strategy | operation.as_strategy(generation_mode=mode, path_parameters=fixed)

        try:
            run_examples(strategy, headers, checks, calls)
        except Unsatisfiable:
            # Only in invalid mode, for operations without parameters or body: nothing can be invalid.
            assert mode == GenerationMode.NEGATIVE, operation.path
            continue
        except Exception as exc:
            raise AssertionError(f"{operation.method.upper()} {operation.path}: {exc}") from exc
        exercised += 1
    assert exercised >= 12 and len(calls) >= 5 * exercised
    if mode == GenerationMode.POSITIVE:
        assert calls.count(200) + calls.count(201) >= len(calls) // 3  # valid requests mostly succeed
