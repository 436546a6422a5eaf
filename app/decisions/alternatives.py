"""Save option drafts as people read them: what the owner of a declined offer is told they could propose instead.

The drafts are the policy's (data.retention.alternatives); nothing here chooses, proposes or authorizes one.
"""

from typing import Any

from app.policy.schemas import Alternatives


def alternatives_of(document: dict[str, Any]) -> Alternatives | None:
    """The decision document's save option drafts; None for a decision recorded before the policy drafted them."""
    drafts = document.get("alternatives")
    return None if drafts is None else Alternatives.model_validate(drafts)


def nearest_option_note(*, document: dict[str, Any], proposed_type: str) -> str | None:
    """The owner's guidance on a decline: the nearest allowed draft of the proposed type, or why there is none."""
    drafts = alternatives_of(document)
    if drafts is None or drafts.status != "drafted":
        return None
    revision = "A revision with it is decided again in full, with its own approval chain."
    if drafts.nearest is not None:
        return f"Nearest allowed {proposed_type}: {drafts.nearest.summary} {revision}"
    allowed = ", ".join(option.offer.type for option in drafts.options) or "none"
    why = next((entry.message for entry in drafts.not_allowed if entry.offer_type == proposed_type), "")
    return f"{why} Allowed offer types for this case: {allowed}. {revision}".strip()
