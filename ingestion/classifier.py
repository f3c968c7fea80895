"""Account category from the bio: the keyword classifier (docs/ingestion.md), keyword lists in one place.

Order matters: the first category whose keywords match wins, from the most
specific signal (a YC batch, an investor title) to the broadest (developer).
"""

from __future__ import annotations

import re

CATEGORIES = ("yc_alumni", "vcs", "c_level", "founders", "ai_creators", "media", "developers", "others")

# What a person reads. The keys stay in the JSON API and the CSV files; every page, report,
# PDF and alert shows these (templates through the `category_label` filter).
CATEGORY_LABELS = {
    "founders": "Founders", "vcs": "Investors/VCs", "ai_creators": "AI creators", "media": "Media",
    "developers": "Developers", "c_level": "C-level", "yc_alumni": "YC alumni", "others": "Other",
}
# One account of the category, as alert headlines name it ("Investor @ada").
CATEGORY_NOUNS = {
    "founders": "Founder", "vcs": "Investor", "ai_creators": "AI creator", "media": "Media account",
    "developers": "Developer", "c_level": "Executive", "yc_alumni": "YC founder", "others": "Account",
}


def category_label(key: str | None) -> str:
    """Human label of an account category; an unknown key is shown as it is rather than hidden."""
    return CATEGORY_LABELS.get(key or "others", key or "Other")

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

_SPACES = re.compile(r"\s+")


def normalize_bio(bio: str | None) -> str:
    # Padding with spaces lets keywords like " ai " match at the edges of the bio.
    return f" {_SPACES.sub(' ', (bio or '').lower())} "


def categorize(bio: str | None, name: str | None = None) -> str:
    text = normalize_bio(f"{bio or ''} {name or ''}")
    for category in CATEGORIES[:-1]:
        if any(keyword in text for keyword in KEYWORDS[category]):
            return category
    return "others"
