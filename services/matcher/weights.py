"""The match weights, read from ``shared/data/match_weights.toml`` once and checked before anything scores.

A weight is the most a feature can add to a score out of 100. The file names every feature of
``FEATURES`` exactly once, each with a sentence on why it weighs what it does; a mistake there stops the
service at start with a message naming the feature, rather than skewing every ranking quietly.
"""

from __future__ import annotations

import math
import tomllib
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from shared import DATA_DIR

WEIGHTS_PATH = DATA_DIR / "match_weights.toml"

FEATURES = (
    "occupation",
    "skills",
    "text",
    "location",
    "salary",
    "education",
    "experience",
    "freshness",
    "programme",
)
"""The named features of a match, in the order ``explain`` lists them."""


class WeightsInvalid(ValueError):
    """The weights file cannot be used; the message says where."""


class _Weight(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weight: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    why: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def read_weights(path: Path = WEIGHTS_PATH) -> dict[str, float]:
    """Feature → weight; ``WeightsInvalid`` when a name is unknown or missing, a weight negative, a
    reason empty, or the weights do not sum to 100 (a perfect fit must score 100)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise WeightsInvalid(f"{path}: {error}") from error
    unknown = sorted(set(raw) - set(FEATURES))
    missing = [name for name in FEATURES if name not in raw]
    if unknown or missing:
        raise WeightsInvalid(f"{path}: unknown features {unknown}, missing features {missing}")
    weights: dict[str, float] = {}
    for name in FEATURES:
        try:
            weights[name] = _Weight.model_validate(raw[name]).weight
        except ValidationError as error:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
            raise WeightsInvalid(f"{path}: [{name}] {problems}") from error
    total = sum(weights.values())
    if not math.isclose(total, 100.0, abs_tol=1e-6):
        raise WeightsInvalid(f"{path}: the weights sum to {total:g}, not 100")
    return weights


@cache
def match_weights() -> dict[str, float]:
    """The weights in force: the file as read at start."""
    return read_weights()
