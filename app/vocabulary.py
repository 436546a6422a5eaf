"""One source for each word: the policy's vocabulary, read from the policy data and never redeclared.

The policy data (data.retention.config: policies/retention/config/data.json,
validated by policy_schemas/config.schema.json) owns the words the policy and
the service share: the reason classes, offer types and approval-chain roles
(vocabulary), the discount tier names (discount.tiers[].name), which offer
types cost money (evidence.costed_offer_types), which count as concessions
(offers.concession_types), the owner role (approval.owner_role), the default
deadline (approval.default_sla_hours) and the escalation targets. This module
is the only place Python reads them; everything else imports them from here.

**Where they come from.** The API contract needs static enums, so they are
built when this module is imported, from the bundle shipped with the service:
``POLICY_DIR/retention/config/data.json``, the directory the embedded OPA
loads (``policies/`` locally, ``/srv/app/policies`` in the image). A service
pointed at an external OPA (``OPA_URL``) still takes its vocabulary from the
bundle shipped with it, so that OPA must serve the same bundle
(``python -m app.policy.bundle`` builds it). If the two disagree, a decision
naming a word this service does not know is refused as a malformed decision
document (503), never guessed. A change of vocabulary changes the API
contract: regenerate ``openapi/openapi.json``.

**What stays in Python**, because it is not data:

- the policy's own answers, which the data may not use as names: the reason
  class ``unclear`` (classification.rego, when no class fits) and the discount
  tiers ``none`` (not a discount) and ``not_allowed`` (above every tier), from
  offers.rego;
- the CRM's reason category ``unknown`` (the CRM does not know the reason);
- ``csm``, a directory-only role: customer success managers raise cases, but
  no chain or escalation gives that role a task.

mypy cannot see the members of an enum built from data (they are not literals),
so each enum below carries ``type: ignore[misc]``; each is still a StrEnum type
for annotations, and code reaches members by value (``Role("finance")``) or
compares with the plain strings of this module, never by attribute.
"""

import json
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Final, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from app.config import get_settings

CONFIG_FILE: Final = Path("retention") / "config" / "data.json"

# The policy's answers (see the module docstring): never names in the data.
UNCLEAR_REASON: Final = "unclear"
NO_DISCOUNT_TIER: Final = "none"
DISCOUNT_NOT_ALLOWED: Final = "not_allowed"
UNKNOWN_CATEGORY: Final = "unknown"
# Held by people in the directory, never by a task.
DIRECTORY_ONLY_ROLES: Final = ("csm",)


# A word is a lower-case identifier, so it is also a valid enum member name.
Word = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
Words = Annotated[tuple[Word, ...], Field(min_length=1)]


class VocabularyError(RuntimeError):
    """The shipped policy data cannot give the service its vocabulary; the service does not start."""


class _Section(BaseModel):
    # Only the keys read here; the JSON Schema validates the whole document.
    model_config = ConfigDict(frozen=True, extra="ignore")


class _VocabularySection(_Section):
    reason_classes: Words
    offer_types: Words
    roles: Words


class _Tier(_Section):
    name: Word


class _DiscountSection(_Section):
    tiers: Annotated[tuple[_Tier, ...], Field(min_length=1)]


class _EvidenceSection(_Section):
    costed_offer_types: tuple[Word, ...]


class _OffersSection(_Section):
    concession_types: tuple[Word, ...]


class _ApprovalSection(_Section):
    owner_role: Word
    default_sla_hours: Annotated[int, Field(strict=True, ge=1)]
    escalation_targets: dict[Word, Word]


def _unique(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(words))


class Vocabulary(_Section):
    """The words of data.retention.config the service reads, as the data spells and orders them."""

    vocabulary: _VocabularySection
    discount: _DiscountSection
    evidence: _EvidenceSection
    offers: _OffersSection
    approval: _ApprovalSection

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        words = self.vocabulary
        # Each list, and the words the enums built from it add (which the data may not use).
        named: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
            "vocabulary.reason_classes": (words.reason_classes, frozenset({UNCLEAR_REASON, UNKNOWN_CATEGORY})),
            "vocabulary.offer_types": (words.offer_types, frozenset()),
            "vocabulary.roles": (words.roles, frozenset()),
            "discount.tiers[].name": (self.tier_names, frozenset({NO_DISCOUNT_TIER, DISCOUNT_NOT_ALLOWED})),
        }
        for key, (values, reserved) in named.items():
            if len(set(values)) != len(values):
                raise ValueError(f"{key} names a word twice: {list(values)}")
            if taken := sorted(reserved & set(values)):
                raise ValueError(
                    f"{key} uses {taken}, which are the policy's own answers, not data (app/vocabulary.py)"
                )
        for key, listed in (
            ("evidence.costed_offer_types", self.evidence.costed_offer_types),
            ("offers.concession_types", self.offers.concession_types),
        ):
            if unknown := sorted(set(listed) - set(words.offer_types)):
                raise ValueError(f"{key} names offer types outside vocabulary.offer_types: {unknown}")
        if self.approval.owner_role not in words.roles:
            raise ValueError(f"approval.owner_role {self.approval.owner_role!r} is not one of vocabulary.roles")
        return self

    @property
    def reason_classes(self) -> tuple[str, ...]:
        return self.vocabulary.reason_classes

    @property
    def offer_types(self) -> tuple[str, ...]:
        return self.vocabulary.offer_types

    @property
    def roles(self) -> tuple[str, ...]:
        """The roles of an approval chain (vocabulary.roles)."""
        return self.vocabulary.roles

    @property
    def tier_names(self) -> tuple[str, ...]:
        """The discount tiers' names in the data's order (discount.tiers[].name)."""
        return tuple(tier.name for tier in self.discount.tiers)

    @property
    def costed_offer_types(self) -> frozenset[str]:
        """Offer types that cost money (evidence.costed_offer_types)."""
        return frozenset(self.evidence.costed_offer_types)

    @property
    def concession_types(self) -> frozenset[str]:
        """Offer types that count as a concession (offers.concession_types)."""
        return frozenset(self.offers.concession_types)

    @property
    def owner_role(self) -> str:
        """The first stage of every chain and the only one of a paused or declined case (approval.owner_role)."""
        return self.approval.owner_role

    @property
    def default_sla_hours(self) -> int:
        """A stage's deadline when no renewal window applies (approval.default_sla_hours)."""
        return self.approval.default_sla_hours

    @property
    def task_roles(self) -> tuple[str, ...]:
        """Roles that can hold a task: the chain's roles, then the escalation targets' roles (finance_lead)."""
        targets = self.approval.escalation_targets
        return _unique([*self.roles, *(role for pair in targets.items() for role in pair)])

    @property
    def directory_roles(self) -> tuple[str, ...]:
        """Roles a person can hold: every task role, then the directory-only roles (csm)."""
        return _unique([*self.task_roles, *DIRECTORY_ONLY_ROLES])


def load_vocabulary(path: Path) -> Vocabulary:
    """Read the vocabulary from a policy data file; raise VocabularyError naming the file and the key."""
    try:
        return Vocabulary.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:  # ValidationError and JSONDecodeError are ValueErrors
        detail = _describe(exc) if isinstance(exc, ValidationError) else str(exc)
        raise VocabularyError(f"The policy vocabulary cannot be read from {path}: {detail}") from exc


def _describe(exc: ValidationError) -> str:
    described = []
    for error in exc.errors(include_url=False):
        if not error["loc"]:  # a cross-key check, whose message names its keys
            described.append(str(error.get("ctx", {}).get("error", error["msg"])))
        else:
            described.append(f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}")
    return "; ".join(described)


def shipped_config_path() -> Path:
    """The policy data of the bundle shipped with the service (POLICY_DIR)."""
    return get_settings().policy_dir / CONFIG_FILE


VOCABULARY: Final = load_vocabulary(shipped_config_path())

COSTED_OFFER_TYPES: Final = VOCABULARY.costed_offer_types
CONCESSION_TYPES: Final = VOCABULARY.concession_types
OWNER_ROLE: Final = VOCABULARY.owner_role
DEFAULT_SLA_HOURS: Final = VOCABULARY.default_sla_hours


def _members(*groups: Iterable[str]) -> dict[str, str]:
    return {word: word for group in groups for word in group}


# The enums of the API contract, named as its schemas are.
Role = StrEnum("Role", _members(VOCABULARY.roles), module=__name__)  # type: ignore[misc]
Role.__doc__ = "A role of an approval chain (vocabulary.roles of the policy data)."

OfferType = StrEnum("OfferType", _members(VOCABULARY.offer_types), module=__name__)  # type: ignore[misc]
OfferType.__doc__ = "An approved save option (vocabulary.offer_types of the policy data)."

ReasonClass = StrEnum(  # type: ignore[misc]
    "ReasonClass", _members(VOCABULARY.reason_classes, [UNCLEAR_REASON]), module=__name__
)
ReasonClass.__doc__ = "The policy's reason class: one of vocabulary.reason_classes, or unclear when none fits."

ReasonCategory = StrEnum(  # type: ignore[misc]
    "ReasonCategory", _members(VOCABULARY.reason_classes, [UNKNOWN_CATEGORY]), module=__name__
)
ReasonCategory.__doc__ = "The CRM's reason category: one of vocabulary.reason_classes, or unknown."

DiscountTier = StrEnum(  # type: ignore[misc]
    "DiscountTier",
    _members([NO_DISCOUNT_TIER], VOCABULARY.tier_names, [DISCOUNT_NOT_ALLOWED]),
    module=__name__,
)
DiscountTier.__doc__ = (
    "none when the offer is not a discount, else the name of its tier (discount.tiers[].name of the policy data), "
    "or not_allowed above every tier."
)

DirectoryRole = StrEnum("DirectoryRole", _members(VOCABULARY.directory_roles), module=__name__)  # type: ignore[misc]
DirectoryRole.__doc__ = (
    "Roles a person can hold: the approval chain's roles (vocabulary.roles), the escalation targets' roles "
    "(approval.escalation_targets, e.g. finance_lead), and csm, a directory-only role that never holds a task."
)
