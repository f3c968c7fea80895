import pytest

from socap_project.vocabulary import ACCOUNT_CATEGORIES
from ingestion.storing.classifier import CATEGORIES, categorize

BIOS = [
    ("yc_alumni", "Co-founder @Payfast (YC W21). Making payroll boring."),
    ("yc_alumni", "Building devtools. Backed by Y Combinator."),
    ("vcs", "General Partner at Northwind Ventures. Pre-seed and seed in B2B SaaS."),
    ("vcs", "Angel investor. Ex-Stripe. DMs open for fintech founders."),
    ("vcs", "Partner @a16z crypto."),
    ("c_level", "CTO at Lumen Health. Previously eng @Google."),
    ("c_level", "Chief Marketing Officer, Brightline. Opinions my own."),
    ("founders", "Founder of Plantbase. Second-time entrepreneur."),
    ("founders", "indie hacker shipping tiny SaaS products, $12k MRR"),
    ("ai_creators", "I write about generative AI tools every week. 120k readers."),
    ("ai_creators", "ML engineer turned LLM tinkerer. Prompt tips daily."),
    ("media", "Senior reporter at TechCrunch covering startups and venture."),
    ("media", "Host of the Build in Public podcast."),
    ("developers", "Rustacean. Open source maintainer of tokio-utils."),
    ("developers", "Full stack developer, TypeScript + Postgres."),
    ("others", "Dog dad. Coffee. Marathon runner in training."),
    ("others", ""),
]


@pytest.mark.parametrize(("expected", "bio"), BIOS)
def test_bio_table(expected, bio):
    assert categorize(bio) == expected


def test_every_category_is_reachable():
    assert {expected for expected, _ in BIOS} == set(CATEGORIES) == set(ACCOUNT_CATEGORIES)


def test_none_bio_is_others():
    assert categorize(None) == "others"
