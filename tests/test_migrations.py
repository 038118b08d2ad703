from io import StringIO

from django.core.management import call_command


def test_models_and_migrations_agree(db):
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:  # makemigrations --check exits 1 when a migration is missing
        raise AssertionError(f"a migration is missing; run makemigrations:\n{out.getvalue()}") from exit_
    assert "No changes detected" in out.getvalue()
