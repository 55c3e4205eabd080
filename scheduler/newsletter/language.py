"""Detecting an issue's language among the languages the team writes in."""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=8)
def _factory(languages: tuple[str, ...]) -> Any:
    # Loading only the candidate profiles takes ~30 ms instead of ~200 ms for all 55.
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    profiles = []
    for code in languages:
        path = os.path.join(PROFILES_DIRECTORY, code)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                profiles.append(handle.read())
    if profiles:
        factory.load_json_profile(profiles)
    factory.set_seed(0)  # deterministic
    return factory


def detect_language(text: str, candidates: Sequence[str]) -> str:
    """The most likely of `candidates` (ISO 639-1 codes) for `text`; the first candidate when unsure."""
    from langdetect.lang_detect_exception import LangDetectException

    candidates = tuple(candidates) or ("en",)
    if len(candidates) == 1:
        return candidates[0]
    factory = _factory(candidates)
    if not factory.langlist:
        return candidates[0]
    detector = factory.create()
    detector.append(text)
    try:
        return str(detector.detect())
    except LangDetectException:
        return candidates[0]
