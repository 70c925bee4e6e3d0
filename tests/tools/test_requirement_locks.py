"""The three requirement sets and their locks (requirements/): each set fully pinned, dev
and bench pinning runtime's packages alike, and production free of the dev tools."""

from __future__ import annotations

import importlib.util

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bot.config import settings

REQUIREMENTS = settings.PROJECT_ROOT / "requirements"
SETS = ("runtime", "dev", "bench")
spec = importlib.util.spec_from_file_location(
    "lock_requirements", settings.PROJECT_ROOT / "scripts" / "lock_requirements.py"
)
lock_requirements = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lock_requirements)


def pins(name: str) -> dict[str, str]:
    found = {}
    for line in (REQUIREMENTS / f"{name}.lock").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            package, version = line.split("==")
            found[canonicalize_name(package)] = version
    return found


@pytest.mark.parametrize("name", SETS)
def test_every_requirement_of_a_set_is_pinned_by_its_lock_within_its_range(name):
    locked = pins(name)
    for requirement in lock_requirements.read_requirements(REQUIREMENTS / f"{name}.txt"):
        version = locked.get(canonicalize_name(requirement.name))
        assert version, f"{requirement.name} manque dans {name}.lock"
        assert requirement.specifier.contains(version, prereleases=True), (requirement, version)


@pytest.mark.parametrize("name", ["dev", "bench"])
def test_dev_and_bench_pin_runtime_s_packages_alike(name):
    runtime, other = pins("runtime"), pins(name)
    assert {package: other.get(package) for package in runtime} == runtime


def test_production_installs_no_test_browser_or_profiling_tool():
    assert not {"pytest", "playwright", "py-spy", "pyinstrument", "ruff"} & set(pins("runtime"))


def test_dev_and_bench_include_runtime():
    runtime = {r.name for r in lock_requirements.read_requirements(REQUIREMENTS / "runtime.txt")}
    for name in ("dev", "bench"):
        assert runtime <= {r.name for r in lock_requirements.read_requirements(REQUIREMENTS / f"{name}.txt")}


def test_the_closure_follows_dependencies_extras_and_markers(tmp_path):
    """On the installed packages: pytest's closure holds pluggy, never a package for
    another Python or platform."""
    dists = lock_requirements.installed()
    pinned = lock_requirements.closure([Requirement("pytest"), Requirement("rasa")], dists)
    names = {canonicalize_name(n) for n in pinned}
    assert {"pytest", "pluggy", "iniconfig", "rasa", "tensorflow"} <= names
    assert "tomli" in names  # needed by pytest on Python < 3.11 only
    assert "pywin32" not in names and "colorama" not in names
