"""The programme's tests use the approvers' clients of the approval tests."""

from tests.approvals.conftest import people

__all__ = ["people"]
