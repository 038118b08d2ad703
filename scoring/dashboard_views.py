from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from core.errors import DomainError
from core.excel import Column, write_workbook, xlsx_response
from scoring.dashboard import PANELS, Period, dashboard_panel, period_check, period_default

# Rows a panel shows on the page; its Excel export and the API carry them all. A chart draws its `top` rows (or
# CHART_ROWS), a line over the period or the rounds all of them: the page sends the script no more than that.
PAGE_ROWS = 15
HALL_ROWS = 10
CHART_ROWS = 20
WHOLE_CHARTS = ("lines", "gauge_trend")


def chart_rows(panel: dict, limit: int) -> list:
    """The rows the page's script needs: what the chart draws (the ranking's bars: the scored units), and the hall's
    tables `limit` (refreshed from the API)."""
    kind, rows = panel["chart"].get("kind"), panel["rows"]
    if kind in WHOLE_CHARTS:
        return rows
    if kind == "ranking_bars":
        rows = [row for row in rows if row.get("score") is not None]
    return rows[: max(panel["chart"].get("top", CHART_ROWS), limit)]


HALL_REFRESH_SECONDS = 60
HALL_ROTATE_SECONDS = 20
DESK_ORDER = [
    "overview", "projection", "lists", "rankings", "problems_trend", "problems_by_unit", "problems_by_category",
    "daily_reports", "shortfalls", "grid_point_types",
]  # fmt: skip


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        try:
            data["period"] = period_check(data.get("start"), data.get("end"))
        except DomainError as error:
            raise ValidationError(error.message) from error
        return data


def period_from(request) -> tuple[PeriodForm, Period]:
    form = PeriodForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["period"]
    return form, period_default()


class DashboardView(LoginRequiredMixin, TemplateView):
    """The ranked cockpit (驾驶舱) at a desk or on a phone; `hall` is the command hall's full screen."""

    template_name = "scoring/dashboard.html"
    hall = False

    def get_template_names(self):
        return ["scoring/dashboard_hall.html" if self.hall else self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = self.request.campaign
        form, period = period_from(self.request)
        context.update(campaign=campaign or None, form=form, period=period, panels=[])
        if not campaign:
            return context
        limit = HALL_ROWS if self.hall else PAGE_ROWS
        for name in DESK_ORDER:
            data = dashboard_panel(name=name, user=self.request.user, campaign=campaign, period=period)
            data["slug"] = PANELS[name].slug
            data["shown_rows"] = data["rows"][:limit]
            data["more"] = max(len(data["rows"]) - limit, 0)
            if data["columns"]:
                data["columns"][0]["first"] = True
            context["panels"].append(data)
        query = f"start={period.start.isoformat()}&end={period.end.isoformat()}"
        context["query"] = query
        context["chart_data"] = {
            "hall": self.hall,
            "rows": limit,
            "refresh": HALL_REFRESH_SECONDS,
            "rotate": HALL_ROTATE_SECONDS,
            "labels": {"yes": str(_("Yes"))},
            "panels": {
                panel["slug"]: {key: panel[key] for key in ("title", "columns", "chart", "summary", "empty")}
                | {"rows": chart_rows(panel, limit)}
                for panel in context["panels"]
            },
            "api": {
                panel["slug"]: f"{reverse('api:dashboard-' + panel['slug'])}?campaign={campaign.pk}&{query}"
                for panel in context["panels"]
            },
        }
        return context


class DashboardExportView(LoginRequiredMixin, View):
    """A panel's whole table in Excel: the same rows as on the page and in the API."""

    def get(self, request, slug):
        names = {panel.slug: name for name, panel in PANELS.items()}
        campaign = request.campaign
        if slug not in names or not campaign:
            raise Http404
        _form, period = period_from(request)
        data = dashboard_panel(name=names[slug], user=request.user, campaign=campaign, period=period)
        columns = [Column(column["label"], 30 if index == 0 else 14) for index, column in enumerate(data["columns"])]
        rows = ([row.get(column["key"]) for column in data["columns"]] for row in data["rows"])
        content = write_workbook(sheets=[(data["title"], columns, rows)])
        return xlsx_response(filename=f"{data['title']}-{period.start}-{period.end}", content=content)
