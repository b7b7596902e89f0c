"""No test reads today's date when pytest collects it (see tests/dates.py): a run that
crosses midnight in Los Angeles would check yesterday's rules."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLOCK_CALLS = {"localdate", "today", "now", "localtime"}


def collection_time_clock_calls(tree: ast.Module):
    """Calls of the clock evaluated at import: module and class bodies, decorators, defaults."""
    found = []

    def visit(node):
        if isinstance(node, ast.Lambda):
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for expr in [*node.decorator_list, *node.args.defaults, *[d for d in node.args.kw_defaults if d]]:
                visit(expr)
            return
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in CLOCK_CALLS:
                found.append(node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def test_the_scan_finds_a_module_level_date():
    tree = ast.parse("from django.utils import timezone\nTODAY = timezone.localdate()\n"
                     "import pytest\n@pytest.mark.parametrize('d', [date.today()])\ndef test(d):\n    now = timezone.now()\n")
    assert collection_time_clock_calls(tree) == [2, 4]


def test_no_test_module_reads_the_date_at_collection():
    offenders = []
    for path in ROOT.rglob("*.py"):
        if ".venv" in path.parts or not ("tests" in path.parts or path.name == "conftest.py"):
            continue
        lines = collection_time_clock_calls(ast.parse(path.read_text(encoding="utf-8")))
        offenders += [f"{path.relative_to(ROOT)}:{line}" for line in lines]
    assert not offenders, f"read the date inside the test (tests/dates.py): {offenders}"
