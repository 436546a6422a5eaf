"""The fast canonical JSON writes exactly the bytes of the RFC 8785 reference implementation."""

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from app.audit.canonical import canonical

_numbers = st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1) | st.floats(allow_nan=False, allow_infinity=False)
_scalars = st.none() | st.booleans() | _numbers | st.text()
_json = st.recursive(_scalars, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=30)


@settings(max_examples=400)
@given(_json)
def test_canonical_json_is_rfc_8785(value: object) -> None:
    assert canonical(value) == rfc8785.dumps(value)


def test_the_cases_where_the_standard_library_differs_are_written_as_rfc_8785() -> None:
    value = {"b": 1e21, "a": 1e-7, "\U0001f600": 1.0, "\ufb01": [12.0, 0.1, -0.0, "\u2028\x7f\x1f"]}

    assert canonical(value) == rfc8785.dumps(value)
    assert canonical({"x": 12.0, "y": 5}) == b'{"x":12,"y":5}'
