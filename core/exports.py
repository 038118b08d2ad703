"""Excel exports of lists too long to write within a request.

A list's export (`?export=xlsx` on a `FilteredListView`) of up to EXPORT_INLINE_MAX_ROWS rows is written in the
request. A longer one becomes a job: the list, its filters and the user's language are kept on the job, a worker
runs the list again for the same user — so the scope is the user's own at the time the file is written — and writes
the workbook to a file with progress; the job's page offers it for download and the user gets a notification.

Apps whose views read more of the request than the user, the query string and the URL's arguments (the campaign the
user is working in) register a request setup with `register_request_setup`.
"""

import datetime
import tempfile
from collections.abc import Callable
from importlib import import_module

from django.conf import settings
from django.core.files import File
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_htmx.middleware import HtmxDetails

from core import excel
from core.audit import audit_log
from core.errors import DomainError
from core.jobs import Progress, job_submit
from core.models import Job
from core.notifications import Draft, notify

EXPORT_KIND = "export.list"
# Progress is reported every this many rows.
PROGRESS_EVERY = 1000
RequestSetup = Callable[[HttpRequest, Job], None]
REQUEST_SETUPS: list[RequestSetup] = []


def register_request_setup(setup: RequestSetup) -> None:
    """`setup(request, job)` gives the rebuilt request what an app's middleware would (see the module's text)."""
    if setup not in REQUEST_SETUPS:
        REQUEST_SETUPS.append(setup)


def export_in_background(count: int) -> bool:
    """Whether a list of `count` rows is exported by a job; refused when no Excel sheet would hold it."""
    if count > excel.SHEET_MAX_ROWS - 1:
        message = _(
            "The list has %(count)s rows, more than an Excel sheet holds (%(max)s). Narrow it with the filters, then "
            "export it again."
        )
        raise DomainError(message % {"count": count, "max": excel.SHEET_MAX_ROWS - 1}, code="export_too_long")
    return count > settings.EXPORT_INLINE_MAX_ROWS


def export_queue(*, view, count: int) -> Job:
    """Queue the export of `view`'s filtered list (a `FilteredListView` serving a request) for its user."""
    request = view.request
    title = str(view.export_title)
    campaign = getattr(request, "campaign", None)
    params = request.GET.copy()
    params.pop("export", None)
    params.pop("page", None)
    job = job_submit(
        kind=EXPORT_KIND,
        user=request.user,
        campaign_id=campaign.pk if campaign else None,
        filename=f"{title}.xlsx",
        total=count,
        result={
            "view": f"{type(view).__module__}.{type(view).__qualname__}",
            "kwargs": view.kwargs,
            "params": list(params.lists()),
            "path": request.path,
            "language": translation.get_language(),
            "title": title,
            "rows": count,
            "list_url": f"{request.path}?{params.urlencode()}" if params else request.path,
        },
    )
    audit_log(action="export.xlsx", actor=request.user, data={"list": title, "rows": count, "job": str(job.pk)})
    return job


def export_run(job: Job, progress: Progress) -> dict:
    """The runner of EXPORT_KIND: the list again, for the job's user, into the job's file."""
    from core.views import FilteredListView

    view_class = import_string(job.result["view"])
    if not (isinstance(view_class, type) and issubclass(view_class, FilteredListView)):
        raise DomainError(_("This list cannot be exported."), code="export_not_a_list")
    with translation.override(job.result.get("language") or settings.LANGUAGE_CODE):
        request = _request(job)
        view = view_class()
        view.setup(request, **job.result.get("kwargs", {}))
        test = getattr(view, "test_func", None)
        if test is not None and not test():
            raise DomainError(_("You may no longer export this list."), code="export_not_allowed")
        queryset = view.export_queryset()
        total = queryset.count()
        message = _("Writing rows")

        def rows():
            for done, row in enumerate(view.export_rows(queryset), start=1):
                if done % PROGRESS_EVERY == 0:
                    progress(done=done, total=total, message=message)
                yield row

        title = str(view.export_title)
        with tempfile.TemporaryFile() as handle:
            excel.write_workbook(sheets=[(title, view.export_columns, rows())], out=handle)
            progress(done=total, total=total, message=_("Saving the file"))
            handle.seek(0)
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            job.file.save(f"{title}-{stamp}.xlsx", File(handle), save=False)
        Job.objects.filter(pk=job.pk).update(file=job.file.name, filename=f"{title}-{stamp}.xlsx"[:255])
        link = reverse("job_detail", args=[job.pk])
        notify([Draft(recipient_id=job.created_by_id, kind=EXPORT_KIND, key=f"{EXPORT_KIND}:{job.pk}",
                      title=_("Your export is ready: %(title)s") % {"title": title},
                      body=_("%(rows)s rows.") % {"rows": total}, link=link, to_groups=False)])  # fmt: skip
    return {"rows": total}


def exports_purge(*, now=None) -> int:
    """Remove the files of exports finished more than EXPORT_KEEP_DAYS ago (the job and its audit event stay; the
    page says the file is gone and links to the list to export again). Returns how many files were removed."""
    now = now or timezone.now()
    old = Job.objects.filter(
        kind=EXPORT_KIND, finished_at__lt=now - datetime.timedelta(days=settings.EXPORT_KEEP_DAYS)
    ).exclude(file="")
    removed = 0
    for job in old.only("pk", "file", "result").iterator():
        job.file.delete(save=False)
        Job.objects.filter(pk=job.pk).update(file="", result={**job.result, "purged_at": now})
        removed += 1
    return removed


def _request(job: Job) -> HttpRequest:
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = job.result.get("path", "/")
    request.user = job.created_by
    query = QueryDict(mutable=True)
    for key, values in job.result.get("params", []):
        query.setlist(key, values)
    query._mutable = False
    request.GET = query
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    request.htmx = HtmxDetails(request)
    request.META.update(SERVER_NAME="localhost", SERVER_PORT="80")
    for setup in REQUEST_SETUPS:
        setup(request, job)
    return request
