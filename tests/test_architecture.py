"""The dependency direction of docs/architecture.md, checked on the import graph.

Between apps: each app imports only apps below it (operations > reports > alerts | dashboard >
ingestion > campaigns > xapi > socap_project), counting every import, entry points included, so no
two apps import each other and the platform imports none. Inside an app: core modules never import
the app's own entry points (views, APIs, admin, forms, URLs, management commands, template tags).
Imports inside functions are allowed only in Celery task bodies (services import the tasks they
enqueue) and AppConfig.ready.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("socap_project", "xapi", "campaigns", "ingestion", "alerts", "dashboard", "reports", "operations")
RANK = {"socap_project": 0, "xapi": 1, "campaigns": 2, "ingestion": 3, "alerts": 4, "dashboard": 4,
        "reports": 5, "operations": 6}
ENTRY = 9
ENTRY_NAMES = {"views", "api", "admin", "admin_forms", "forms", "urls"}
# The project's wiring: URL routes, health (asks every store), settings and context processors.
PROJECT_ENTRY = {"socap_project.urls", "socap_project.views", "socap_project.health",
                 "ingestion.context_processors", "socap_project.settings", "socap_project.schedules",
                 "socap_project.tasks", "socap_project.wsgi", "socap_project.management"}


def app_of(module: str) -> str:
    return module.split(".")[0]


def rank_of(module: str) -> int:
    parts = module.split(".")
    if (len(parts) > 1 and parts[1] in ENTRY_NAMES) or "management" in parts or "templatetags" in parts:
        return ENTRY
    if any(module == m or module.startswith(m + ".") for m in PROJECT_ENTRY):
        return ENTRY
    return RANK[parts[0]]


def allowed(importer: str, imported: str, in_task: bool = False) -> bool:
    if app_of(imported) not in RANK:
        return True  # the standard library and third-party packages
    # A task body is an entry point like a view: it calls services (its module's top level
    # imports nothing that enqueues, so services may import the tasks they enqueue).
    mine, theirs = ENTRY if in_task else rank_of(importer), rank_of(imported)
    if theirs == ENTRY and mine != ENTRY:
        return False  # core code never reaches up into an entry point
    if app_of(importer) == app_of(imported) or mine == ENTRY:
        return True
    return theirs < mine


def _is_task(node) -> bool:
    return any("task" in ast.unparse(d) for d in node.decorator_list)


def _imports(tree: ast.Module):
    """(module imported, line, deferred outside a task body or ready(), inside a task body)."""
    tasks: set[int] = set()
    ready: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and _is_task(node):
            tasks.update(id(child) for child in ast.walk(node))
        elif isinstance(node, ast.FunctionDef) and node.name == "ready":
            ready.update(id(child) for child in ast.walk(node))
    top = {id(node) for node in tree.body}
    for node in tree.body:
        if isinstance(node, ast.If):  # `if TYPE_CHECKING:` blocks
            top.update(id(child) for child in node.body)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from app import module` imports app.module: rank it as such.
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        deferred = id(node) not in top and id(node) not in tasks and id(node) not in ready
        for name in names:
            yield name, node.lineno, deferred, id(node) in tasks


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def violations(module: str, source: str) -> list[str]:
    problems = []
    for name, line, deferred, in_task in _imports(ast.parse(source)):
        where = f"{module}:{line}"
        if deferred:
            problems.append(f"{where} imports {name} inside a function (only task bodies and ready() may)")
        if not allowed(module, name, in_task):
            problems.append(f"{where} imports {name}: {app_of(module)} (layer {rank_of(module)}) may not "
                            f"depend on {app_of(name)} (layer {rank_of(name)})")
    return problems


def project_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield module_name(path), path


def test_imports_follow_the_layers():
    problems = [p for module, path in project_modules() for p in violations(module, path.read_text())]
    assert not problems, "wrong-way or deferred imports:\n" + "\n".join(problems)


def app_edges(modules) -> dict[tuple[str, str], list[str]]:
    """(importing app, imported app) -> where, for every import of another app, at any depth
    (module level, function bodies, task bodies, entry points alike)."""
    edges: dict[tuple[str, str], list[str]] = {}
    for module, source in modules:
        for name, line, _deferred, _in_task in _imports(ast.parse(source)):
            if app_of(name) in RANK and app_of(name) != app_of(module):
                edges.setdefault((app_of(module), app_of(name)), []).append(f"{module}:{line} imports {name}")
    return edges


def app_level_problems(modules) -> list[str]:
    edges = app_edges(modules)
    problems = []
    for (mine, theirs), where in sorted(edges.items()):
        if mine == "socap_project" and not all(w.startswith("socap_project.urls:") for w in where):
            problems.append(f"the platform imports {theirs}: " + "; ".join(where))
        elif RANK[theirs] >= RANK[mine] and mine != "socap_project":
            problems.append(f"{mine} imports {theirs}, which is not below it: " + "; ".join(where))
    return problems


def test_no_two_apps_import_each_other():
    """Every app imports only apps below it, so no pair imports each other, whatever the kind of module."""
    modules = [(module, path.read_text()) for module, path in project_modules()]
    problems = app_level_problems(modules)
    assert not problems, "app-level imports that run the wrong way:\n" + "\n".join(problems)


@pytest.mark.parametrize("modules", [
    [("campaigns.admin", "from alerts.holding import held_counts\n")],
    [("socap_project.api", "from campaigns.inputs import CampaignInputError\n")],
    [("dashboard.views", "from reports.builder import frozen_report\n")],
    [("ingestion.tasks",
      "from celery import shared_task\n@shared_task\ndef t():\n    from dashboard import services\n")],
])
def test_the_app_level_check_catches_an_entry_point_reaching_up(modules):
    assert app_level_problems(modules)


# What other apps may import of ingestion: its announcements, reads, writes and the engagement's shape.
INGESTION_SURFACE = ("ingestion.signals", "ingestion.selectors", "ingestion.services", "ingestion.contract")


def surface_problems(modules) -> list[str]:
    """Imports of ingestion's internals from another app (at any depth, entry points included)."""
    return [f"{module}:{line} imports {name}" for module, source in modules if app_of(module) != "ingestion"
            for name, line, _deferred, _in_task in _imports(ast.parse(source))
            if app_of(name) == "ingestion"
            and not any(name == s or name.startswith(s + ".") for s in INGESTION_SURFACE)]


def test_other_apps_reach_ingestion_through_its_surface_only():
    modules = [(module, path.read_text()) for module, path in project_modules()]
    problems = surface_problems(modules)
    assert not problems, "imports of ingestion's internals (use ingestion.selectors/services/contract/signals):\n" \
        + "\n".join(problems)


@pytest.mark.parametrize("source", [
    "from ingestion.storing import engagement_selectors\n",
    "from ingestion.polling.scheduler import enqueue_metrics\n",
    "import ingestion.storing.engagements\n",
    "from ingestion import clock\n",
])
def test_the_surface_check_catches_an_internal_import(source):
    assert surface_problems([("dashboard.selectors", source)])
    assert not surface_problems([("ingestion.tasks", source)])
    assert not surface_problems([("dashboard.selectors", "from ingestion import selectors\n"
                                  "from ingestion.contract import TIME_BEFORE\n")])


def test_no_production_module_imports_the_test_doubles():
    """The simulator and the sinks live in fakes/ and are reached over HTTP/SMTP only."""
    found = [f"{module}:{line} imports {name}" for module, path in project_modules()
             for name, line, _deferred, _in_task in _imports(ast.parse(path.read_text()))
             if app_of(name) == "fakes"]
    assert not found, "\n".join(found)
    assert not (ROOT / "ingestion" / "simulator").exists() and not (ROOT / "alerts" / "sinks.py").exists()


def module_graph(modules: dict[str, str]) -> dict[str, set[str]]:
    """module -> project modules it imports, at any depth (`from a import b` names a.b when that is a module)."""
    graph: dict[str, set[str]] = {}
    for module, source in modules.items():
        targets = set()
        for name, _line, _deferred, _in_task in _imports(ast.parse(source)):
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
        graph[module] = targets
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle_between_modules():
    """Services enqueue the tasks that call them back by name (socap_project.celery.task), so no two
    modules import each other, even through task bodies."""
    modules = {module: path.read_text() for module, path in project_modules()}
    assert circles(module_graph(modules)) == []


def test_the_circle_check_finds_a_circle():
    modules = {"ingestion.polling.scheduler": "from ingestion import tasks\n",
               "ingestion.tasks": "def t():\n    from ingestion.polling import scheduler\n",
               "ingestion.polling": ""}
    assert circles(module_graph(modules)) == [["ingestion.polling.scheduler", "ingestion.tasks"]]


def test_no_ingestion_folder_holds_more_than_a_dozen_modules():
    """A folder is a room a reader can take in: ingestion is split by job (polling, storing, archiving)."""
    crowded = {}
    for app in ("ingestion",):
        for folder in [ROOT / app, *(p for p in (ROOT / app).rglob("*") if p.is_dir())]:
            if "migrations" in folder.parts or "__pycache__" in folder.parts:
                continue
            names = [p.name for p in folder.glob("*.py") if p.name not in ("__init__.py", "apps.py")]
            if len(names) > 12:
                crowded[str(folder.relative_to(ROOT))] = len(names)
    assert not crowded, crowded


def test_import_linter_agrees():
    """An independent reading of the same rule: import-linter's layers contract (.importlinter)."""
    result = subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; "
                             "lint_imports_command()", "--no-cache"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("module, source", [
    ("campaigns.services", "from ingestion import scheduler\n"),
    ("ingestion.storing.handoff", "from dashboard.services import bump_version\n"),
    ("alerts.planning", "from dashboard import selectors\n"),
    ("ingestion.polling.metrics_job", "def f():\n    from alerts import tasks\n"),
    ("dashboard.selectors", "from dashboard import views\n"),
])
def test_the_checker_catches_a_wrong_way_import(module, source):
    assert violations(module, source)


@pytest.mark.parametrize("module, source", [
    ("dashboard.services", "from ingestion import engagements\n"),
    ("operations.admin", "from alerts.holding import release_held_slack\n"),
    ("ingestion.tasks",
     "from celery import shared_task\n@shared_task\ndef t():\n    from ingestion import scheduler\n"),
])
def test_the_checker_lets_the_right_way_through(module, source):
    assert not violations(module, source)
