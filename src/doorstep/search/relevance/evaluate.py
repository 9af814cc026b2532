"""Score the real search on the relevance set.

``corpus.json`` holds about three hundred listings written as providers write
them; ``queries.json`` holds the queries, each with graded judgements of corpus
keys (2: what the customer wants; 1: acceptable). Both were written by hand,
before the semantic ranking existed, and are not tuned to any engine.

:func:`load_corpus` creates the listings through the catalogue's own services
(``create_listing`` then ``publish_listing``, which index them), in the category
tree the demo seeds (``demo.builders.ensure_category_tree``), so every listing
is published, bookable and in the search index as any provider's would be.
:func:`evaluate` then runs each query through ``search_listings`` in each text
mode and scores its first page of ten:

* **nDCG@10**: DCG = Σ gain / log2(rank + 1) over the first ten hits, the gain
  being the judgement (0, 1 or 2, as ``trec_eval`` does); divided by the DCG of
  the ideal order of the judged listings.
* **recall@10**: judged listings (grade ≥ 1) among the first ten, over all the
  judged listings of the query (so a query with more than ten cannot reach 1).

Modes are ``lexical``, ``semantic`` and ``blended`` (``search_listings(...,
text_mode=...)``). A mode the running code cannot serve (no ``text_mode``
keyword yet, or no semantic model) is reported as unavailable, not guessed.
"""

import importlib
import inspect
import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.test import override_settings

MODES = ("lexical", "semantic", "blended")
LANGUAGES = ("en", "zh-hans", "zh-hant")
KINDS = ("exact", "synonym", "colloquial", "cross", "short", "long", "typo")
CUTOFF = 10
HERE = Path(__file__).resolve().parent
# Where the corpus's providers are based: one city, a wide radius, so the place
# never decides what a query finds.
BASE = (31.2304, 121.4737)
PROVIDER_LANGUAGE = {"en": "en", "zh-hans": "zh-hans", "zh-hant": "zh-hant"}


@dataclass(frozen=True)
class Query:
    key: str
    language: str
    kind: str
    text: str
    judgements: dict[str, int]
    title_of: str | None = None


@dataclass
class Score:
    ndcg: float
    recall: float
    found: list[str] = field(default_factory=list)


@dataclass
class Summary:
    """Mean figures over a group of queries."""

    queries: int
    ndcg: float
    recall: float


@dataclass
class Report:
    """Per mode: the score of every query (by key), or why the mode is absent."""

    queries: list[Query]
    scores: dict[str, dict[str, Score]]
    unavailable: dict[str, str]

    def summary(self, mode: str, *, language=None, kind=None) -> Summary | None:
        if mode not in self.scores:
            return None
        chosen = [
            q
            for q in self.queries
            if (language is None or q.language == language)
            and (kind is None or q.kind == kind)
        ]
        if not chosen:
            return None
        scores = [self.scores[mode][q.key] for q in chosen]
        return Summary(
            queries=len(chosen),
            ndcg=sum(s.ndcg for s in scores) / len(scores),
            recall=sum(s.recall for s in scores) / len(scores),
        )


def corpus() -> list[dict]:
    return json.loads((HERE / "corpus.json").read_text("utf-8"))["listings"]


def queries() -> list[Query]:
    rows = json.loads((HERE / "queries.json").read_text("utf-8"))["queries"]
    return [
        Query(
            key=row["key"],
            language=row["language"],
            kind=row["kind"],
            text=row["text"],
            judgements=dict(row["judgements"]),
            title_of=row.get("title_of"),
        )
        for row in rows
    ]


@transaction.atomic
# The corpus's providers stand for vetted ones: the documents some categories
# require before publishing are not what this measures.
@override_settings(DOORSTEP_REQUIRE_VERIFIED_DOCUMENTS=False)
def load_corpus(listings: Iterable[dict] | None = None) -> dict[int, str]:
    """Create every corpus listing as its provider would and return the corpus
    key of each listing id. Each listing has its own provider (named neutrally,
    so a provider's name never matches a query), all in one city."""
    from doorstep.accounts.models import User
    from doorstep.accounts.services import become_provider
    from doorstep.catalog.models import PricingModel
    from doorstep.catalog.services import create_listing, publish_listing
    from doorstep.demo.builders import ensure_category_tree

    ensure_category_tree()
    keys: dict[int, str] = {}
    for number, row in enumerate(listings or corpus(), start=1):
        user = User.objects.create_user(
            email=f"relevance-{number:04d}@example.com",
            password=None,
            name=f"Provider {number:04d}",
            language=row["language"],
        )
        provider = become_provider(
            user=user,
            display_name=f"Provider {number:04d}",
            latitude=BASE[0],
            longitude=BASE[1],
            service_radius_km=Decimal(50),
            languages=[PROVIDER_LANGUAGE[row["language"]]],
        )
        listing = create_listing(
            provider=provider,
            category=row["category"],
            title=row["title"],
            description=row["description"],
            pricing_model=PricingModel.FIXED,
            currency="CNY",
            price_amount=20000,
            duration_minutes=120,
        )
        publish_listing(actor=user, listing_id=listing.public_id)
        keys[listing.pk] = row["key"]
    return keys


def ndcg(ranked: list[str], judgements: dict[str, int], cutoff: int = CUTOFF) -> float:
    dcg = sum(
        judgements.get(key, 0) / math.log2(rank + 1)
        for rank, key in enumerate(ranked[:cutoff], start=1)
    )
    ideal_gains = sorted(judgements.values(), reverse=True)[:cutoff]
    ideal = sum(g / math.log2(rank + 1) for rank, g in enumerate(ideal_gains, start=1))
    return dcg / ideal if ideal else 0.0


def recall(
    ranked: list[str], judgements: dict[str, int], cutoff: int = CUTOFF
) -> float:
    relevant = {key for key, grade in judgements.items() if grade > 0}
    if not relevant:
        return 0.0
    return len(relevant & set(ranked[:cutoff])) / len(relevant)


def mode_support() -> tuple[list[str], dict[str, str]]:
    """The modes the running code serves, and why each other one is absent."""
    from doorstep.search.queries import search_listings

    if "text_mode" not in inspect.signature(search_listings).parameters:
        reason = "search_listings has no text_mode yet"
        return ["lexical"], {"semantic": reason, "blended": reason}
    try:
        semantic = importlib.import_module("doorstep.search.semantic")
    except ImportError:
        reason = "doorstep.search.semantic does not exist yet"
        return ["lexical"], {"semantic": reason, "blended": reason}
    if not semantic.available():
        reason = "the semantic model is not installed"
        return ["lexical"], {"semantic": reason, "blended": reason}
    return list(MODES), {}


def run_query(query: Query, mode: str, *, text_modes: bool) -> list[int]:
    """Listing ids of the first page of ten for ``query`` in ``mode``."""
    from doorstep.search.params import parse_search_params
    from doorstep.search.queries import search_listings

    params = parse_search_params({"q": query.text, "limit": str(CUTOFF)})
    extra = {"text_mode": mode} if text_modes else {}
    results = search_listings(params, language=query.language, **extra)
    return [hit.listing_id for hit in results.hits]


def evaluate(keys: dict[int, str], modes: Iterable[str] | None = None) -> Report:
    """Score every query in each mode against the loaded corpus (``keys``: the
    corpus key of each listing id, from :func:`load_corpus`)."""
    available, unavailable = mode_support()
    wanted = [m for m in (modes or MODES) if m in available]
    unavailable = {m: r for m, r in unavailable.items() if m in (modes or MODES)}
    text_modes = "semantic" in available
    labelled = queries()
    scores: dict[str, dict[str, Score]] = defaultdict(dict)
    for mode in wanted:
        for query in labelled:
            ranked = [
                keys.get(pk, f"?{pk}")
                for pk in run_query(query, mode, text_modes=text_modes)
            ]
            scores[mode][query.key] = Score(
                ndcg=ndcg(ranked, query.judgements),
                recall=recall(ranked, query.judgements),
                found=ranked,
            )
    return Report(queries=labelled, scores=dict(scores), unavailable=unavailable)


def table(report: Report) -> str:
    """The figures as a Markdown table: one row per group, nDCG@10 and recall@10
    per mode."""
    modes = [m for m in MODES if m in report.scores]
    groups: list[tuple[str, dict]] = [("all", {})]
    groups += [(f"language {lang}", {"language": lang}) for lang in LANGUAGES]
    groups += [(f"kind {kind}", {"kind": kind}) for kind in KINDS]
    header = ["queries", "n"] + [
        f"{mode} {metric}" for mode in modes for metric in ("nDCG@10", "R@10")
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, where in groups:
        summaries = [report.summary(mode, **where) for mode in modes]
        present = [s for s in summaries if s is not None]
        if modes and not present:
            continue
        count = present[0].queries if present else 0
        cells = [label, str(count)]
        for summary in summaries:
            cells += [f"{summary.ndcg:.3f}", f"{summary.recall:.3f}"]
        lines.append("| " + " | ".join(cells) + " |")
    for mode, reason in report.unavailable.items():
        lines.append(f"\n{mode}: unavailable ({reason})")
    return "\n".join(lines)
