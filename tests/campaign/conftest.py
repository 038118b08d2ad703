# The light city of the ledger's tests serves the daily reports too.
from tests.rectification.conftest import city, media_in_tmp  # noqa: F401
