"""The emulator's layers: one name per module, and each layer importing only those beneath it."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

EMULATOR = Path(__file__).resolve().parents[2] / "emulator"

MAY_IMPORT = {
    "rules": {"rules"},
    "gateway": {"rules", "gateway"},
    "voice": {"rules", "voice"},
    "engine": {"rules", "gateway", "engine"},
    "rest": {"rules", "engine", "rest"},
    "simulator": {"rules", "engine", "simulator"},
}
"""Each layer (a subpackage of ``emulator``) and the layers its modules may import; the
modules at the top (``server``, ``__init__``, ``__main__``) assemble them all."""

TOP = {"__init__.py", "__main__.py", "server.py"}


def modules() -> list[Path]:
    return sorted(EMULATOR.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(EMULATOR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(source: str, package: str) -> set[str]:
    """The ``emulator`` modules (or packages) a module of ``package`` imports, anywhere in it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            found.add(".".join(part for part in (base, node.module) if part))
    return {name for name in found if name == "emulator" or name.startswith("emulator.")}


def package_of(path: Path) -> str:
    name = module_name(path)
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def layer_of(module: str) -> str:
    """The layer of ``emulator.<layer>.<...>``; "top" for the package and its top modules."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in MAY_IMPORT) else "top"


def test_no_two_emulator_modules_share_a_file_name() -> None:
    """commands.py here and rest/commands.py there is one name for two things: each is unique."""
    names = Counter(p.name for p in modules() if p.name not in {"__init__.py", "__main__.py"})
    assert [name for name, count in names.items() if count > 1] == []


def test_every_module_sits_in_a_layer() -> None:
    """Only the assembly sits at the top of emulator/; everything else is in a layer's package."""
    loose = {p.name for p in EMULATOR.glob("*.py")} - TOP
    packages = {p.name for p in EMULATOR.iterdir() if (p / "__init__.py").exists()}
    assert loose == set()
    assert packages == set(MAY_IMPORT)


def test_each_layer_imports_only_the_layers_beneath_it() -> None:
    """Discord's rules import no gateway, REST, voice or simulator; no layer reaches above it."""
    wrong = []
    for path in modules():
        layer = layer_of(module_name(path))
        if layer == "top":
            continue
        for target in sorted(imported(path.read_text(), package_of(path))):
            if layer_of(target) not in MAY_IMPORT[layer]:
                wrong.append(f"{module_name(path)} imports {target}")
    assert wrong == []


def test_the_layer_check_sees_relative_and_late_imports() -> None:
    """The check reads ``from . import x`` and imports inside functions, not just the header."""
    source = "from . import errors\n\ndef later() -> None:\n    from emulator.rest import app\n"
    found = imported(source, "emulator.rules")
    assert found == {"emulator.rules", "emulator.rest"}
    assert {layer_of(name) for name in found} == {"rules", "rest"}
    assert layer_of("emulator.server") == layer_of("emulator") == "top"
