"""The programme metrics as CSV: one figure per row (section, key, metric, value), for a spreadsheet."""

import csv
import io
from collections.abc import Iterator
from typing import Any

from app.programme.schemas import ProgrammeRead

COLUMNS = ("section", "key", "metric", "value")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def rows(report: ProgrammeRead) -> Iterator[tuple[str, str, str, str]]:
    """Every figure of the report, flattened; lists of breakdowns and regretted saves keep their keys."""
    data = report.model_dump(mode="python", exclude={"filters"})
    for section, value in data.items():
        if isinstance(value, dict) and "cases" in value:
            yield section, "", "count", _cell(value["count"])
            for item in value["cases"]:
                for metric, cell in item.items():
                    if metric != "case_id":
                        yield section, item["case_id"], metric, _cell(cell)
        elif isinstance(value, dict):
            for metric, cell in value.items():
                yield section, "", metric, _cell(cell)
        elif isinstance(value, list):
            for item in value:
                key_name = "key" if "key" in item else "reason_class"
                for metric, cell in item.items():
                    if metric != key_name:
                        yield section, str(item[key_name]), metric, _cell(cell)
        else:
            yield section, "", section, _cell(value)


def to_csv(report: ProgrammeRead) -> str:
    """The report as RFC 4180 CSV with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows(report))
    return out.getvalue()
