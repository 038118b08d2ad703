from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from core.errors import DomainError
from core.excel import Column
from core.views import FilteredListView, OfficeRequiredMixin
from rectification.filters import CategoryPageFilterSet
from rectification.forms import WEEKDAY_CHOICES, CalendarExceptionForm, WorkingHoursForm
from rectification.models import CalendarException, ProblemCategory
from rectification.selectors import (
    calendar_exceptions_by_year,
    calendar_year_summary,
    category_list,
    work_calendar_get,
    worktime_calendar,
)
from rectification.services import (
    calendar_exception_add,
    calendar_exception_remove,
    work_calendar_ensure,
    work_calendar_update,
)


class CategoryListView(OfficeRequiredMixin, FilteredListView):
    """The problem categories of the current campaign with their deadlines and conditions; Excel export."""

    template_name = "rectification/category_list.html"
    filterset_class = CategoryPageFilterSet
    paginate_by = 100
    export_title = gettext_lazy("Problem categories")
    export_columns = [
        Column(gettext_lazy("Code"), 12),
        Column(gettext_lazy("Parent code"), 12),
        Column(gettext_lazy("Name"), 24),
        Column(gettext_lazy("Level"), 8),
        Column(gettext_lazy("Deadline"), 10),
        Column(gettext_lazy("Deadline unit"), 12),
        Column(gettext_lazy("Urgent deadline"), 12),
        Column(gettext_lazy("Condition to open a case"), 40),
        Column(gettext_lazy("Condition to close a case"), 40),
        Column(gettext_lazy("Default responsible unit type"), 18),
        Column(gettext_lazy("Active"), 8),
    ]

    def get_queryset(self):
        campaign = self.request.campaign
        if not campaign:
            return ProblemCategory.objects.none()
        return category_list(user=self.request.user, campaign=campaign)

    def export_row(self, category):
        return [
            category.code,
            category.parent.code if category.parent_id else "",
            category.name,
            category.level,
            category.deadline,
            category.get_deadline_unit_display() if category.deadline else "",
            category.urgent_deadline,
            category.open_condition,
            category.close_condition,
            category.get_default_unit_type_display(),
            _("Yes") if category.is_active else _("No"),
        ]


class WorkCalendarView(OfficeRequiredMixin, TemplateView):
    """The current campaign's working-time calendar: working periods and weekdays, and the public holidays and
    make-up working days of a year (`?year=`), with forms to change them. Until staff first save something the
    campaign works the default hours, shown here, and nothing is stored."""

    template_name = "rectification/work_calendar.html"

    def campaign(self):
        campaign = self.request.campaign
        if not campaign:
            raise Http404
        return campaign

    def year(self) -> int:
        year = self.request.GET.get("year", "")
        return int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else timezone.localdate().year

    def get_context_data(self, *, hours_form=None, exception_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = self.campaign()
        calendar = work_calendar_get(campaign=campaign)
        rules = worktime_calendar(campaign=campaign)
        year = self.year()
        by_year = calendar_exceptions_by_year(calendar=calendar)
        this_year = timezone.localdate().year
        context.update(
            campaign=campaign,
            calendar=calendar,
            rules=rules,
            weekday_names=[name for number, name in WEEKDAY_CHOICES if number in rules.weekdays],
            day_hours=rules.day_minutes / 60,
            year=year,
            years=sorted({*by_year, this_year, this_year + 1, year}),
            exceptions=by_year.get(year, []),
            summary=calendar_year_summary(calendar=rules, year=year),
            hours_form=hours_form
            or WorkingHoursForm(initial=WorkingHoursForm.initial_for(weekdays=rules.weekdays, periods=rules.periods)),
            exception_form=exception_form or CalendarExceptionForm(),
        )
        return context

    def redirect(self, year: int | None = None):
        url = reverse("work_calendar")
        return HttpResponseRedirect(f"{url}?year={year}" if year else url)


class WorkingHoursUpdateView(WorkCalendarView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        campaign = self.campaign()
        form = WorkingHoursForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    calendar = work_calendar_ensure(actor=request.user, campaign=campaign)
                    work_calendar_update(
                        actor=request.user,
                        calendar=calendar,
                        weekdays=set(form.cleaned_data["weekdays"]),
                        periods=form.cleaned_data["periods"],
                    )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The working hours were saved."))
                return self.redirect()
        return self.render_to_response(self.get_context_data(hours_form=form))


class CalendarExceptionAddView(WorkCalendarView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        campaign = self.campaign()
        form = CalendarExceptionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    calendar = work_calendar_ensure(actor=request.user, campaign=campaign)
                    exception = calendar_exception_add(
                        actor=request.user, calendar=calendar, date=data["date"], kind=data["kind"], name=data["name"]
                    )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("%(date)s is now marked as %(kind)s.")
                    % {"date": f"{exception.date:%Y-%m-%d}", "kind": exception.get_kind_display()},
                )
                return self.redirect(exception.date.year)
        return self.render_to_response(self.get_context_data(exception_form=form))


class CalendarExceptionRemoveView(OfficeRequiredMixin, View):
    def post(self, request, pk):
        campaign = request.campaign
        exception = (
            CalendarException.objects.visible_to(request.user)
            .filter(pk=pk, calendar__campaign=campaign)
            .select_related("calendar")
            .first()
            if campaign
            else None
        )
        if exception is None:
            raise Http404
        calendar_exception_remove(actor=request.user, exception=exception)
        messages.success(
            request, _("%(date)s was removed from the calendar.") % {"date": f"{exception.date:%Y-%m-%d}"}
        )
        return HttpResponseRedirect(f"{reverse('work_calendar')}?year={exception.date.year}")
