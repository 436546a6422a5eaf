"""Which tables are chained, and what of each row the chain hashes."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.audit.canonical import plain
from app.audit.personal import without_personal

# The chain columns themselves are outside the content they protect (content_sha256 is the content's digest).
CHAIN_COLUMNS = frozenset({"chain_seq", "prev_hash", "row_hash", "content_sha256"})


@dataclass(frozen=True, kw_only=True)
class ChainSpec:
    """One chain: its table (the chain's name), the columns left out of the hash, and its reading order."""

    table: str
    # Left out: the personal payload (hashed through personal_sha256) and ids the database assigns on insert.
    unhashed: frozenset[str]
    personal: bool = False

    def content(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The hashed content of a row, from its column values."""
        row = {k: plain(v) for k, v in values.items() if k not in CHAIN_COLUMNS and k not in self.unhashed}
        if self.personal:
            row["policy_input"] = without_personal(row.get("policy_input"))
        return row


# Fixed order: a transaction appending to several chains locks their heads in this order.
CHAINS: dict[str, ChainSpec] = {
    "decisions": ChainSpec(table="decisions", unhashed=frozenset({"payload_raw"}), personal=True),
    "outcome_events": ChainSpec(table="outcome_events", unhashed=frozenset()),
    "case_events": ChainSpec(table="case_events", unhashed=frozenset({"id"})),
}
CHAIN_ORDER = tuple(CHAINS)
