"""What GET /v1/policy says about shadow mode."""

from pydantic import BaseModel, Field


class ShadowRead(BaseModel):
    """The shadow release evaluated beside the live policy, and what became of its evaluations."""

    release: str = Field(description="The shadow release (SHADOW_RELEASE).")
    running: bool = Field(description="False when the shadow OPA could not start: live decisions go on without it.")
    pending: int = Field(description="Evaluations waiting or running now.")
    written: int = Field(description="Shadow decisions stored since the service started.")
    dropped: int = Field(description="Evaluations skipped because SHADOW_MAX_PENDING were already pending.")
    failed: int = Field(description="Evaluations or writes that failed (logged); the live answers were unaffected.")
