"""The folder list is the architecture: the packages of core, the directions they may import in, and a README
that names every one of them."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from support import ROOT

CORE = ROOT / "core"
# package -> the packages of core it may import (core/__init__, core/errors and itself always)
ALLOWED = {
    "ingest": set(),
    "codebook": {"ingest"},
    "engine": {"ingest", "codebook"},
    "views": {"ingest", "codebook", "engine"},
    "share": {"ingest", "codebook", "engine", "views"},
    "workbench": {"ingest", "codebook", "engine", "views"},
    "handcoding": {"ingest", "codebook", "engine", "views", "workbench"},
    "access": set(),
    "cli": {"ingest", "codebook", "engine", "views", "share", "workbench", "handcoding", "access"},
}


def packages() -> list[str]:
    return sorted(p.name for p in CORE.iterdir() if (p / "__init__.py").exists())


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (imports inside functions count too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                base = path.relative_to(ROOT).with_suffix("").parts[:-node.level]
                found.add(".".join([*base, node.module] if node.module else base))
            else:
                found.add(node.module or "")
    return found


def test_every_package_is_known_to_these_rules():
    assert packages() == sorted(ALLOWED)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_packages_import_only_in_the_allowed_directions(package):
    wrong = []
    for path in sorted((CORE / package).rglob("*.py")):
        for module in imported_modules(path):
            parts = module.split(".")
            if parts[0] in ("streamlit", "dashboard"):
                wrong.append(f"{path.relative_to(ROOT)} imports {module}: core never imports the UI")
            elif parts[0] == "core" and len(parts) > 1 and parts[1] in ALLOWED and parts[1] != package \
                    and parts[1] not in ALLOWED[package]:
                wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not wrong, "\n".join(wrong)


def test_core_modules_outside_the_packages_import_no_ui():
    for path in CORE.glob("*.py"):
        assert not {m.split(".")[0] for m in imported_modules(path)} & {"streamlit", "dashboard"}, path


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_says_what_it_owns_and_may_import(package):
    doc = ast.get_docstring(ast.parse((CORE / package / "__init__.py").read_text()))
    assert doc and "May import" in doc, f"core/{package}/__init__.py needs a docstring saying what it may import"


def test_the_readme_map_names_every_package_and_module():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index("## How it is built"):]
    names = set(re.findall(r"[\w/]+\.py|\b[\w]+/", block))
    missing = [f"{p}/" for p in packages() if f"{p}/" not in names]
    modules = [m.name for p in packages() for m in (CORE / p).glob("*.py") if m.name != "__init__.py"]
    missing += [m for m in modules if m not in names]
    for folder in ("frame", "pages", "workbench"):
        missing += [m.name for m in (ROOT / "dashboard" / folder).glob("*.py")
                    if m.name != "__init__.py" and m.name not in names]
    assert not missing, f"README's map misses {missing}"
