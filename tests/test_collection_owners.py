"""One owner per MongoDB collection: only the owning app's modules touch it.

Other apps read an owner's collections through its selector functions and
write them through its services, so a collection's queries (and the indexes
they rely on, docs/scale.md) live in one app. This reads the source (AST) of
every application module and names each module that refers to a collection it
does not own: `mongo.<NAME>`, `mongo.collection("literal")`, or a module-level
name constant such as `xapi.account.spend.SPEND = "api_spend"`.
"""

from __future__ import annotations

import ast
from pathlib import Path

from socap_project import mongo

ROOT = Path(__file__).resolve().parent.parent
APPS = ("socap_project", "xapi", "campaigns", "ingestion", "alerts", "dashboard", "reports", "operations")
PLATFORM = "socap_project/mongo.py"  # names every collection and its indexes; owns none

OWNERS = {
    "xapi": ("api_spend",),
    "ingestion": ("engagements", "worker_state", "metric_snapshots", "metric_deltas", "counters", "poll_cycles",
                  "api_usage", "following_index"),
    "dashboard": ("engagement_rollups", "campaign_accounts", "tweet_engagement_counts", "campaign_stats",
                  "campaign_hours", "campaign_account_scopes", "campaign_rankings"),
    "alerts": ("alert_queue", "alert_planner", "alert_cycle_plans", "tweet_rates"),
    "reports": ("final_reports",),
}
OWNER = {name: app for app, names in OWNERS.items() for name in names}

# (module, collection) pairs allowed while another branch moves them behind their owners'
# functions; each goes when that branch lands (test_pending_allowances_are_still_needed says which).
PENDING: set[tuple[str, str]] = set()


def _module_name(path: str) -> str:
    parts = path[:-len(".py")].split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _string(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def application_sources() -> dict[str, str]:
    sources = {}
    for app in APPS:
        for file in sorted((ROOT / app).rglob("*.py")):
            path = file.relative_to(ROOT).as_posix()
            if "migrations" in file.parts or "tests" in file.parts or file.name.startswith("test_"):
                continue
            sources[path] = file.read_text()
    return sources


def name_constants(sources: dict[str, str]) -> dict[tuple[str, str], str]:
    """(module, NAME) -> collection, for every module-level `NAME = "<collection>"`."""
    constants = {}
    for path, source in sources.items():
        for node in ast.parse(source).body:
            if isinstance(node, ast.Assign) and _string(node.value) in OWNER:
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        constants[(_module_name(path), target.id)] = node.value.value
    return constants


def touched(path: str, source: str, constants: dict[tuple[str, str], str]) -> dict[str, int]:
    """Collections the module refers to, with the first line of each."""
    tree = ast.parse(source)
    modules: dict[str, str] = {}  # local name -> module it stands for
    names: dict[str, str] = {}  # local name -> collection (a constant imported by name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    modules[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                local = alias.asname or alias.name
                if (node.module, alias.name) in constants:
                    names[local] = constants[(node.module, alias.name)]
                else:
                    modules[local] = f"{node.module}.{alias.name}"
    own = _module_name(path)
    found: dict[str, int] = {}

    def add(collection: str, node: ast.AST) -> None:
        found[collection] = min(found.get(collection, node.lineno), node.lineno)

    def reference(node: ast.AST) -> str | None:
        if isinstance(node, ast.Attribute):
            target = node.value
            dotted = target.id if isinstance(target, ast.Name) else None
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                dotted = f"{target.value.id}.{target.attr}"  # socap_project.mongo.NAME
            module = modules.get(dotted, dotted) if dotted else None
            return constants.get((module, node.attr)) if module else None
        if isinstance(node, ast.Name):
            return names.get(node.id) or constants.get((own, node.id))
        return None

    for node in ast.walk(tree):
        collection = reference(node)
        if collection:
            add(collection, node)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called == "collection" and _string(node.args[0]) in OWNER:
                add(node.args[0].value, node)
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Call) and _string(node.slice) in OWNER:
            func = node.value.func
            if (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)) == "db":
                add(node.slice.value, node)  # mongo.db()["<collection>"]
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and any(reference(e) for e in node.elts):
            # A literal in a list of collections (e.g. the ones to delete) is a collection too.
            for element in node.elts:
                if _string(element) in OWNER:
                    add(element.value, element)
    return found


def wrong_owner(path: str, collections: dict[str, int]) -> list[tuple[str, str, int]]:
    app = path.split("/", 1)[0]
    return [(path, name, line) for name, line in sorted(collections.items())
            if path != PLATFORM and OWNER[name] != app]


def _all_wrong_owner() -> list[tuple[str, str, int]]:
    sources = application_sources()
    constants = name_constants(sources)
    return [found for path, source in sources.items()
            for found in wrong_owner(path, touched(path, source, constants))]


def test_every_collection_has_one_owner():
    named = {value for key, value in vars(mongo).items() if key.isupper() and isinstance(value, str)}
    assert set(mongo.INDEXES) | named <= set(OWNER), "add the new collection to OWNERS"
    assert sum(len(names) for names in OWNERS.values()) == len(OWNER), "a collection is listed twice"


def test_only_the_owning_app_touches_a_collection():
    problems = [f"{path}:{line} touches {name}, owned by {OWNER[name]} (call {OWNER[name]}'s functions)"
                for path, name, line in _all_wrong_owner() if (path, name) not in PENDING]
    assert not problems, "\n".join(problems)


def test_pending_allowances_are_still_needed():
    stale = PENDING - {(path, name) for path, name, _ in _all_wrong_owner()}
    assert not stale, f"fixed, remove from PENDING: {sorted(stale)}"


def test_the_checker_flags_a_module_touching_another_apps_collection():
    constants = name_constants(application_sources())
    source = "\n".join([
        "from socap_project import mongo",
        "from xapi.account import spend",
        "from xapi.account.spend import SPEND as TOTALS",
        "def read(campaign_id):",
        "    mongo.collection(mongo.ENGAGEMENTS).find_one({'campaign_id': campaign_id})",
        "    mongo.collection('campaign_stats').find_one({'_id': campaign_id})",
        "    mongo.db()['alert_queue'].find_one({})",
        "    return [mongo.collection(name) for name in (mongo.COUNTERS, 'final_reports', spend.SPEND, TOTALS)]",
    ])
    found = touched("dashboard/fake.py", source, constants)
    assert set(found) == {"engagements", "campaign_stats", "alert_queue", "counters", "final_reports", "api_spend"}
    assert found["engagements"] == 5
    assert [name for _, name, _ in wrong_owner("dashboard/fake.py", found)] == [
        "alert_queue", "api_spend", "counters", "engagements", "final_reports"]
    assert [name for _, name, _ in wrong_owner("ingestion/fake.py", found)] == [
        "alert_queue", "api_spend", "campaign_stats", "final_reports"]
    assert not wrong_owner(PLATFORM, found)
