"""`--format json`."""

from __future__ import annotations

import json
from collections.abc import Sequence

from scheduler.report import to_data
from scheduler.service import IssuePreview


def render(previews: Sequence[IssuePreview]) -> str:
    return json.dumps(to_data(previews), ensure_ascii=False, indent=2) + "\n"
