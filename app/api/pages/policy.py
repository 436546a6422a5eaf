"""The policy page: the revision and release OPA serves now, and every revision decided with."""

from fastapi import Request
from fastapi.responses import Response

from app.api.deps import DatabaseDep, EmbeddedOpaDep, PolicyDep
from app.api.pages.rendering import render
from app.api.pages.routing import page_router
from app.api.pages.session import PageUserDep
from app.policy.release import release_name
from app.releases import service as revision_history
from app.releases.schemas import PolicyRevisionRead

router = page_router()


@router.get("/policy", name="policy")
async def policy_page(
    request: Request, user: PageUserDep, database: DatabaseDep, policy: PolicyDep, embedded: EmbeddedOpaDep
) -> Response:
    """The active policy and its history (anyone signed in, as in the API)."""
    status = await policy.status()
    async with database.read() as session:
        history = [PolicyRevisionRead.model_validate(r) for r in await revision_history.history(session, limit=100)]
    context = {
        "title": "Policy",
        "nav": "policy",
        "user": user,
        "status": status,
        "release": release_name(status.revision),
        "embedded": embedded is not None,
        "history": history,
    }
    return render(request, "policy.html", context)
