"""dashboard/paging.py against an in-memory `find`: the rows an independent sort gives, and what the windows read."""

import random

from dashboard import paging


class Store:
    """Documents with `seq` and `score`; `find` answers a closed window and counts what it returned."""

    def __init__(self, docs):
        self.docs, self.reads, self.returned = docs, 0, 0

    def find(self, query: dict) -> list[dict]:
        def ok(doc, field, cond):
            if not isinstance(cond, dict):
                return doc[field] == cond
            return all({"$gte": doc[field] >= v, "$gt": doc[field] > v, "$lt": doc[field] < v}[op]
                       for op, v in cond.items())

        found = [dict(d) for d in self.docs if all(ok(d, f, c) for f, c in query.items())]
        self.reads, self.returned = self.reads + 1, self.returned + len(found)
        return found


def _gappy(count: int, rng: random.Random, scores=(0, 0, 0, 0, 1, 2, 5, 8, 40)) -> tuple[list[dict], int]:
    docs, seq = [], 0
    for _ in range(count):
        seq += 1
        if rng.random() < 0.01:
            seq += rng.randrange(1, 20)  # numbers a run reserved and did not use
        docs.append({"seq": seq, "score": float(rng.choice(scores))})
    return docs, seq + rng.randrange(0, 30)


def test_seq_pages_equal_an_independent_sort_and_read_about_a_page():
    rng = random.Random(5)
    docs, top = _gappy(3000, rng)
    store = Store(docs)
    truth = sorted((d["seq"] for d in docs), reverse=True)
    below, seen, pages = top + 1, [], 0
    while True:
        page = paging.by_seq(store.find, below=below, need=26, density=len(docs) / top)
        seen += [d["seq"] for d in page[:25]]
        pages += 1
        if len(page) <= 25:
            break
        below = page[24]["seq"]
    assert seen == truth
    # About a page per page: the tail after a short window is sized from what it saw, not doubled.
    assert store.returned <= pages * 26 * 1.3, (store.returned, pages)
    assert store.reads <= pages * 1.5, (store.reads, pages)


def test_a_stretch_without_matches_restarts_at_the_first_window():
    # The newest 1,000 numbers hold no match (say, no negative reply); below them one in twenty matches.
    docs = [{"seq": s, "score": 0.0} for s in range(1, 10_001) if s <= 9000 and s % 20 == 0]
    store = Store(docs)
    page = paging.by_seq(store.find, below=10_001, need=26, density=len(docs) / 10_000)
    assert [d["seq"] for d in page] == sorted((d["seq"] for d in docs), reverse=True)[:26]
    assert store.returned <= 2 * 26, store.returned  # doubling would have read twice the page


def test_score_pages_equal_an_independent_sort_and_stop_at_the_page():
    rng = random.Random(9)
    docs, top = _gappy(3000, rng)
    histogram: dict[str, int] = {}
    for doc in docs:
        key = paging.score_key(doc["score"])
        histogram[key] = histogram.get(key, 0) + 1
    truth = [d["seq"] for d in sorted(docs, key=lambda d: (-d["score"], -d["seq"]))]
    store = Store(docs)
    first = paging.by_score(store.find, histogram=histogram, need=26, top_seq=top, score_field="score")
    # The top score alone holds a page: that range is read, not every score up to 200 documents.
    assert store.returned <= histogram[paging.score_key(40)] + 1, store.returned
    after, seen = None, []
    while True:
        page = first if after is None else paging.by_score(
            store.find, histogram=histogram, need=26, top_seq=top, after=after, score_field="score",
            density=len(docs) / top)
        seen += [d["seq"] for d in page[:25]]
        if len(page) <= 25:
            break
        after = (page[24]["score"], page[24]["seq"])
    assert seen == truth
