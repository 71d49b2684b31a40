"""Running a Great Expectations suite (kept as a JSON document) on a pandas frame, offline.

One ephemeral GX context per process, telemetry and progress bars off. Any suite of the product
(raw records, indicator outputs) can run through `run_suite`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Outcome:
    meta: dict
    kwargs: dict
    success: bool
    #: GX's result dict; with COMPLETE format it has `unexpected_index_list`
    result: dict


@cache
def _batch_definition():
    # Telemetry off before GX is imported: no network at run time.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("agora").add_dataframe_asset("frame")
    return asset.add_batch_definition_whole_dataframe("whole_frame")


def run_suite(suite_document: dict, frame, parameters: dict[str, list] | None = None,
              result_format: str = "COMPLETE") -> list[Outcome]:
    """Validate a pandas frame against a suite document; outcomes in the document's order.
    An expectation that cannot run (a bug, not bad data) raises RuntimeError. BOOLEAN_ONLY is
    several times faster than COMPLETE on large frames, for a first pass that usually passes."""
    from great_expectations.core import ExpectationSuite

    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(
        ExpectationSuite(**suite_document), result_format={"result_format": result_format},
        expectation_parameters=parameters or {},
    )
    position = {e["meta"]["rule"]: i for i, e in enumerate(suite_document["expectations"])}
    outcomes = []
    for outcome in result.results:
        config = outcome.expectation_config
        if outcome.exception_info and outcome.exception_info.get("raised_exception"):
            raise RuntimeError(
                f"The expectation {config.meta['rule']} could not run: {outcome.exception_info['exception_message']}"
            )
        outcomes.append(Outcome(dict(config.meta), dict(config.kwargs), bool(outcome.success), outcome.result))
    return sorted(outcomes, key=lambda o: position[o.meta["rule"]])


def warm_up() -> None:
    """Import GX and build its context now (a fixed few seconds per process), e.g. before timing."""
    _batch_definition()
