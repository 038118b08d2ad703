from rest_framework import viewsets

from rectification.api.serializers import ProblemCategorySerializer, WorkCalendarSerializer
from rectification.filters import CalendarApiFilterSet, CategoryApiFilterSet
from rectification.selectors import category_list, work_calendar_list


class ProblemCategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """Problem categories (问题分类) of the campaigns the user takes part in: the tree by `parent`, the conditions
    to open and close a case, the deadline in working hours or working days and the urgent one. Filter by
    `campaign`, `parent`, `code` (prefix: `BJ01` gives the class and everything below it), `level`, `is_active`.
    Changes come through the Excel import."""

    serializer_class = ProblemCategorySerializer
    filterset_class = CategoryApiFilterSet
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name", "level"]

    def get_queryset(self):
        return category_list(user=self.request.user)


class WorkCalendarViewSet(viewsets.ReadOnlyModelViewSet):
    """The working-time calendar of each campaign the user takes part in: working periods of the day, working
    weekdays (1 is Monday), and every public holiday (`holiday`) and make-up working day (`workday`). Deadlines are
    counted in this working time. Filter by `campaign`."""

    serializer_class = WorkCalendarSerializer
    filterset_class = CalendarApiFilterSet

    def get_queryset(self):
        return work_calendar_list(user=self.request.user)
