"""Links in newsletter text: web addresses and e-mail addresses, including obfuscated ones."""

from __future__ import annotations

import re

from scheduler.text.entities import url_spans

# name(at)domain.de, name [at] domain [dot] de, name{at}domain.de, name(ät)domain.de
_OBFUSCATED_AT = re.compile(r"\s?[\(\[\{]\s*(?:at|ät|@)\s*[\)\]\}]\s?", re.IGNORECASE)
_OBFUSCATED_DOT = re.compile(r"\s?[\(\[\{]\s*(?:dot|punkt)\s*[\)\]\}]\s?", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")


def deobfuscate(text: str) -> str:
    """`aktif-vernetzt(at)gsub.de` → `aktif-vernetzt@gsub.de` (only where an address results)."""

    def at(match: re.Match[str]) -> str:
        before, after = text[: match.start()], text[match.end() :]
        return "@" if re.search(r"[\w.+-]$", before) and re.match(r"[\w-]", after) else match.group(0)

    text = _OBFUSCATED_AT.sub(at, text)
    return _OBFUSCATED_DOT.sub(".", text) if "@" in text else text


def extract_links(text: str) -> tuple[str, ...]:
    """Web links (`https://…`, `www.…` as `https://www.…`) then e-mail addresses as `mailto:`,
    in order of appearance, without duplicates."""
    found: list[tuple[int, str]] = []
    for span in url_spans(text):
        url = span.text if "://" in span.text else "https://" + span.text
        found.append((span.start, url))
    covered = [(span.start, span.end) for span in url_spans(text)]
    found.extend(
        (match.start(), "mailto:" + match.group(0))
        for match in _EMAIL.finditer(text)
        if not any(start <= match.start() < end for start, end in covered)
    )
    ordered = [link for _, link in sorted(found)]
    return tuple(dict.fromkeys(ordered))
