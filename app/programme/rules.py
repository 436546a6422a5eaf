"""The programme's numbers that policy data owns: the history window and the outcome windows.

Read from the bundle shipped with the service, like the vocabulary (app.vocabulary):
``history.window_days`` (how far back the service counts an account's concessions for
the policy), ``outcomes.*`` (when a save is confirmed or regretted) and
``margin.floor_pct`` (a save kept below it is regretted).
"""

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field

from app.vocabulary import OfferType, VocabularyError, shipped_config_path

# The offer types the programme counts apart: discount use and cost, credits, discounts that bought a save.
DISCOUNT: Final = OfferType("discount").value
SERVICE_CREDIT: Final = OfferType("service_credit").value

_Days = Annotated[int, Field(strict=True, ge=1)]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class _History(_Section):
    window_days: _Days


class _Outcomes(_Section):
    confirmation_window_days: _Days
    regret_lost_within_days: _Days
    regret_concessions_within_days: _Days
    regret_concessions_at_or_over: Annotated[int, Field(strict=True, ge=1)]


class _Margin(_Section):
    floor_pct: float


class _Config(_Section):
    history: _History
    outcomes: _Outcomes
    margin: _Margin


@dataclass(frozen=True, kw_only=True)
class ProgrammeRules:
    """The windows and counts that classify saves and bound an account's history."""

    history_window: timedelta
    confirmation_window: timedelta
    regret_lost_within: timedelta
    regret_concessions_within: timedelta
    regret_concessions_at_or_over: int
    margin_floor_pct: float


def load_rules(path: Path) -> ProgrammeRules:
    """Read the rules from a policy data file; VocabularyError naming the file and the key."""
    try:
        config = _Config.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:  # ValidationError and JSONDecodeError are ValueErrors
        raise VocabularyError(f"The programme's windows cannot be read from {path}: {exc}") from exc
    outcomes = config.outcomes
    return ProgrammeRules(
        history_window=timedelta(days=config.history.window_days),
        confirmation_window=timedelta(days=outcomes.confirmation_window_days),
        regret_lost_within=timedelta(days=outcomes.regret_lost_within_days),
        regret_concessions_within=timedelta(days=outcomes.regret_concessions_within_days),
        regret_concessions_at_or_over=outcomes.regret_concessions_at_or_over,
        margin_floor_pct=config.margin.floor_pct,
    )


RULES: Final = load_rules(shipped_config_path())
