"""The replay's JSON codec reads and writes every logged input, including what orjson alone refuses."""

import json
import math

from app.impact.codec import json_dumps, json_loads


def test_a_logged_input_round_trips() -> None:
    document = {"case": {"account": {"id": "acct-1", "arr": 120000.5}, "text": "Support was late — again."}}
    assert json_loads(json_dumps(document)) == document
    assert json_loads(json_dumps(document).encode()) == document


def test_integers_wider_than_64_bits_fall_back_to_the_json_module() -> None:
    wide = 2**70
    assert json_loads(json.dumps({"n": wide})) == {"n": wide}
    assert json.loads(json_dumps({"n": wide})) == {"n": wide}


def test_nan_as_the_json_module_writes_it_is_still_read() -> None:
    assert math.isnan(json_loads('{"x": NaN}')["x"])
