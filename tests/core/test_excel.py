"""The Excel helpers every export uses."""

import datetime
from decimal import Decimal

from django.utils import timezone, translation

from core.excel import cell_value, choice_label
from rectification.choices import ProblemStatus
from rectification.models import Problem


def test_choice_label_reads_as_get_display_in_each_language():
    problem = Problem(status=ProblemStatus.CLOSED, source="hotline", severity="urgent")
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for field in ("status", "source", "severity"):
                assert choice_label(problem, field) == getattr(problem, f"get_{field}_display")()
    # The labels are worked out once per language: switching gives the other language's, not the first one's.
    with translation.override("en"):
        english = choice_label(problem, "status")
    with translation.override("zh-hans"):
        chinese = choice_label(problem, "status")
    assert english == "Verified and closed (已销号)"
    assert chinese != english and "销号" in chinese


def test_choice_label_gives_an_unknown_value_back_as_it_is():
    assert choice_label(Problem(status="gone"), "status") == "gone"


def test_cell_values_are_local_times_numbers_and_text_that_is_not_a_formula():
    moment = timezone.make_aware(datetime.datetime(2026, 12, 1, 8, 30), datetime.UTC)
    assert cell_value(moment) == datetime.datetime(2026, 12, 1, 16, 30)  # Asia/Shanghai
    assert cell_value(Decimal("1.50")) == 1.5
    assert cell_value(None) == ""
    assert cell_value('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
