"""docs/configuration.md names exactly the variables the code reads: those of the settings,
the channels' (credentials.yml) and the tests'."""

from __future__ import annotations

import re

from bot.config import settings

ROOT = settings.PROJECT_ROOT
NAME = re.compile(r"BOUSSOLE_[A-Z0-9_]*[A-Z0-9]")
TEST_VARIABLES = {"BOUSSOLE_TEST_PG_URL", "BOUSSOLE_TEST_MODEL"}


def table_rows() -> dict:
    """Variable → its cells (default, processes, meaning), from every table of the page."""
    rows = {}
    for line in (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells and re.fullmatch(r"`BOUSSOLE_[A-Z0-9_]+`", cells[0]):
            name = cells[0].strip("`")
            assert name not in rows, f"{name} est deux fois dans le tableau"
            rows[name] = cells[1:]
    return rows


def test_the_table_names_every_variable_of_the_settings_and_no_other():
    documented = set(table_rows())
    defined = set(settings.VARIABLES) | set(settings.CHANNEL_VARIABLES) | TEST_VARIABLES
    assert sorted(defined - documented) == [], "variables absentes de docs/configuration.md"
    assert sorted(documented - defined) == [], "variables du tableau que le code ne lit pas"


def test_every_row_gives_a_default_the_processes_and_a_meaning():
    for name, cells in table_rows().items():
        assert len(cells) == 3 and all(cells), name


def test_variables_lists_exactly_what_the_readers_read():
    """A name added to load() or its readers must be added to VARIABLES, then to the table."""
    source = (ROOT / "bot" / "config" / "settings.py").read_text(encoding="utf-8")
    readers = source[source.index("def _text(") : source.index("VARIABLES = (")]
    body = source[source.index("def load(") : source.index("_cached")]
    assert set(NAME.findall(readers + body)) == set(settings.VARIABLES)


def test_the_channels_variables_are_those_of_the_credentials_template():
    template = (ROOT / "credentials.yml").read_text(encoding="utf-8")
    assert set(re.findall(r"\$\{(BOUSSOLE_[A-Z0-9_]+)", template)) == set(settings.CHANNEL_VARIABLES)


def test_no_variable_is_read_outside_the_table():
    """Any BOUSSOLE_* name in the code, the scripts or nginx's template is in the table (a
    new variable read somewhere else fails here)."""
    documented = set(table_rows())
    unknown = {}
    for folder in ("bot", "actions", "scripts"):
        for path in sorted((ROOT / folder).rglob("*")):
            if not path.is_file() or path.suffix in (".pyc",) or "__pycache__" in path.parts:
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            for name in set(NAME.findall(text)) - documented:
                unknown.setdefault(name, []).append(str(path.relative_to(ROOT)))
    assert not unknown, unknown


def test_the_tests_variables_are_the_tests_own():
    read = set()
    for path in (ROOT / "tests").rglob("*.py"):
        read |= {n for n in NAME.findall(path.read_text(encoding="utf-8")) if n.startswith("BOUSSOLE_TEST_")}
    assert read == TEST_VARIABLES


def test_the_readme_links_the_table():
    assert "(docs/configuration.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
