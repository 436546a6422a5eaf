"""Who is calling: a person with their own token, a CRM integration, or a signed webhook."""

from dataclasses import dataclass
from enum import StrEnum

from app.errors import Forbidden


class TokenKind(StrEnum):
    PERSONAL = "personal"
    # Issued by an administrator for someone else, like a temporary password:
    # it can only be exchanged, once, for a personal token of its holder.
    TEMPORARY = "temporary"
    SERVICE = "service"
    # A web page session (app.auth.sessions): a person's personal token exchanged at sign-in for a cookie
    # that expires; it works only on the pages, never as an API bearer token.
    SESSION = "session"


@dataclass(frozen=True, kw_only=True)
class Principal:
    person_id: str | None = None
    service_name: str | None = None
    webhook_source: str | None = None
    is_admin: bool = False
    token_id: str | None = None
    token_kind: TokenKind | None = None

    @property
    def is_integration(self) -> bool:
        """A CRM or other system, not a person: it may decide cases and read what it decided."""
        return self.service_name is not None or self.webhook_source is not None

    @property
    def source(self) -> str | None:
        """The CRM source this integration may speak for."""
        return self.webhook_source or self.service_name


def require_admin(principal: Principal) -> str:
    """The administrator's person id, or 403."""
    if not principal.is_admin or principal.person_id is None:
        raise Forbidden("Only directory administrators may do this.")
    return principal.person_id


def require_person(principal: Principal) -> str:
    """The calling person's id, or 403 for integrations."""
    if principal.person_id is None:
        raise Forbidden("Only a person may do this, with their own API token.")
    return principal.person_id
