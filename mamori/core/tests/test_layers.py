"""The apps stay in layers: no import cycle between them, no module over 800 lines, and
no code outside the policy app reading a pack rule's raw `spec` (docs/architecture.md).

Imports are read from the source (every `import` and `from … import`, at module level or
inside a function); tests, migrations and the demo helpers are left out.
"""

import ast
from pathlib import Path

from django.test import SimpleTestCase

PACKAGE = Path(__file__).resolve().parents[2]
MAX_LINES = 800
SKIPPED_DIRS = {"tests", "migrations"}
SKIPPED_FILES = {"testing.py", "demo.py", "conftest.py"}


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if SKIPPED_DIRS & set(relative.parts) or path.name in SKIPPED_FILES:
            continue
        if relative.parts[0] == "demo" or len(relative.parts) < 2:
            continue  # the demo loader, and the project's own modules (urls, api, settings)
        yield relative, path.read_text(encoding="utf-8")


def import_graph() -> dict[str, set[str]]:
    """{app: the other apps it imports}."""
    apps = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    graph: dict[str, set[str]] = {app: set() for app in apps}
    for relative, source in _sources():
        me = relative.parts[0]
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:
                parts = module.split(".")
                if parts[0] == PACKAGE.name and len(parts) > 1 and parts[1] in apps:
                    if parts[1] != me:
                        graph[me].add(parts[1])
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of apps that import one another in a circle (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                group.append(other)
                if other == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


class LayerTests(SimpleTestCase):
    def test_no_two_apps_import_each_other_even_through_others(self):
        self.assertEqual(cycles(import_graph()), [])

    def test_a_cycle_would_be_found(self):
        graph = {"ledger": {"org"}, "org": {"policy"}, "policy": {"ledger"}, "lib": set()}
        self.assertEqual(cycles(graph), [["ledger", "org", "policy"]])
        graph["policy"] = set()
        self.assertEqual(cycles(graph), [])

    def test_the_bottom_layers_import_nothing_above_them(self):
        graph = import_graph()
        below = {
            "lib": set(),
            "background": {"lib"},
            "mail": {"lib"},
            "trail": {"lib", "mail"},
            "access": {"lib", "trail"},
        }
        for app, allowed in below.items():
            with self.subTest(app=app):
                self.assertLessEqual(graph[app], allowed)

    def test_system_accounts_sit_above_the_ledger_and_below_the_domain_apps(self):
        allowed = {"lib", "mail", "trail", "access", "org", "policy", "compliance", "accounts"}
        self.assertLessEqual(import_graph()["sysaccounts"], allowed | {"ledger"})
        for app in ("lib", "mail", "trail", "access", "org", "policy", "compliance", "ledger"):
            with self.subTest(app=app):
                self.assertNotIn("sysaccounts", import_graph()[app])

    def test_training_and_premises_import_only_apps_below_them(self):
        graph = import_graph()
        self.assertLessEqual(
            graph["training"],
            {"lib", "trail", "access", "org", "policy", "compliance", "accounts", "ledger"},
        )
        self.assertLessEqual(
            graph["premises"],
            {"lib", "trail", "access", "org", "policy", "compliance", "accounts", "ledger"},
        )

    def test_outsourcing_sits_above_the_ledger_and_below_core(self):
        graph = import_graph()
        self.assertLessEqual(
            graph["outsourcing"],
            {"lib", "mail", "trail", "access", "org", "policy", "compliance", "accounts", "ledger"},
        )
        for app in ("lib", "mail", "trail", "access", "org", "policy", "compliance", "ledger"):
            with self.subTest(app=app):
                self.assertNotIn("outsourcing", graph[app])

    def test_compliance_imports_no_domain_app(self):
        self.assertFalse(
            import_graph()["compliance"]
            & {"ledger", "approvals", "incidents", "inspections", "training", "premises"}
        )

    def test_no_module_is_over_the_size_limit(self):
        big = [
            f"{relative} ({source.count(chr(10)) + 1})"
            for relative, source in _sources()
            if source.count("\n") + 1 > MAX_LINES
        ]
        self.assertEqual(big, [])

    def test_only_the_policy_app_reads_a_rule_spec(self):
        reads = [
            f"{relative}:{number}"
            for relative, source in _sources()
            if relative.parts[0] != "policy"
            for number, line in enumerate(source.splitlines(), 1)
            if "rule.spec" in line or ".spec[" in line or ".spec.get(" in line
        ]
        self.assertEqual(reads, [])
