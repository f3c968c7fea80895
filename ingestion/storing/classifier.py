"""Account category from the bio: the keyword classifier (docs/ingestion.md), keyword lists in one place.

Order matters: the first category whose keywords match wins, from the most
specific signal (a YC batch, an investor title) to the broadest (developer).
"""

from __future__ import annotations

import re

from socap_project.vocabulary import OTHERS

# The categories and their labels are socap_project/vocabulary.py's; these are the bio keywords of
# each but "others", in the order they are tried.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "yc_alumni": (
        "y combinator", "ycombinator", "yc alum", "yc w", "yc s", "yc f", "(yc", "yc'", "ycw", "ycs",
        "backed by yc", "yc-backed", "yc backed",
    ),
    "vcs": (
        "venture capital", "venture partner", "general partner", "managing partner", "investor", "investing in",
        "vc ", "vc at", " vc", "angel", "seed fund", "fund i", "capital", "ventures", "lp at", "limited partner",
        "partner at a16z", "a16z", "sequoia", "accel", "benchmark", "index ventures", "pre-seed",
    ),
    "c_level": (
        "ceo", "cto", "cfo", "coo", "cmo", "cpo", "chief executive", "chief technology", "chief product",
        "chief marketing", "chief operating", "vp of", "vice president", "head of", "president at",
    ),
    "founders": (
        "founder", "co-founder", "cofounder", "founding", "building @", "bootstrapp", "indie hacker", "solopreneur",
        "serial entrepreneur", "entrepreneur", "started @",
    ),
    "ai_creators": (
        " ai ", "ai researcher", "machine learning", "deep learning", " llm", "llms", "genai", "generative ai",
        "prompt", "ai creator", "ai newsletter", "ai tools", "gpt", "neural", "artificial intelligence", "ml engineer",
    ),
    "media": (
        "journalist", "reporter", "editor", "writer at", "columnist", "podcast", "newsletter", "correspondent",
        "techcrunch", "the verge", "wired", "bloomberg", "reuters", "forbes", "youtuber", "creator of", "host of",
        "news",
    ),
    "developers": (
        "developer", "engineer", "software", "programmer", "coder", "full stack", "fullstack", "frontend",
        "backend", "devops", "open source", "oss", "rustacean", "python", "javascript", "typescript", "golang",
        "react", "building with", "sre", "hacker",
    ),
}
CATEGORIES = (*KEYWORDS, OTHERS)  # in the order they are tried

_SPACES = re.compile(r"\s+")


def normalize_bio(bio: str | None) -> str:
    # Padding with spaces lets keywords like " ai " match at the edges of the bio.
    return f" {_SPACES.sub(' ', (bio or '').lower())} "


def categorize(bio: str | None, name: str | None = None) -> str:
    text = normalize_bio(f"{bio or ''} {name or ''}")
    for category, keywords in KEYWORDS.items():
        if any(keyword in text for keyword in keywords):
            return category
    return OTHERS
