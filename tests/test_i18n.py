"""The Chinese catalog is complete, compiled, and covers every string in the code."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from tests.conftest import services_required

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
SOURCES = ["campaign", "core", "config", "rectification", "scoring", "templates", "manage.py"]


def entries(catalog):
    return {(e.msgctxt, e.msgid, e.msgid_plural) for e in catalog if not e.obsolete and e.msgid}


def test_every_message_is_translated_and_none_is_fuzzy():
    catalog = polib.pofile(str(PO))
    untranslated = [e.msgid for e in catalog.untranslated_entries()]
    fuzzy = [e.msgid for e in catalog.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []
    assert len(catalog.translated_entries()) > 100


def test_the_compiled_catalog_matches_the_source():
    po = polib.pofile(str(PO))
    mo = polib.mofile(str(MO))
    assert entries(po) == entries(mo)
    mo_strings = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in mo}
    for e in po:
        if e.obsolete or not e.msgid:
            continue
        assert mo_strings[(e.msgctxt, e.msgid)] == (e.msgstr, tuple(sorted(e.msgstr_plural.items()))), e.msgid


def test_makemessages_finds_no_string_missing_from_the_catalog(tmp_path):
    if shutil.which("xgettext") is None:
        if services_required() or os.environ.get("CI"):
            pytest.fail("GNU gettext (xgettext) is needed for this check in CI; .ci/run installs it")
        pytest.skip("GNU gettext is not installed")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    (tmp_path / "locale").mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_DEBUG": "1", "VAR_DIR": str(tmp_path / "var")}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-location"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    fresh = polib.pofile(str(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    missing = entries(fresh) - entries(polib.pofile(str(PO)))
    assert missing == set(), "run `make messages` and translate the new strings"
