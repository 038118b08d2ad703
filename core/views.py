import mimetypes
from pathlib import PurePosixPath

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from core.audit import audit_log
from core.choices import DeliveryStatus, JobStatus
from core.delivery import delivery_retry
from core.errors import DomainError
from core.excel import Column, choice_label, write_xlsx, xlsx_response
from core.exports import export_in_background, export_queue
from core.filters import AuditEventFilterSet, DeliveryFilterSet, JobFilterSet, NotificationFilterSet
from core.jobs import job_progress, job_queue
from core.notifications import notifications_mark_read
from core.selectors import (
    audit_event_list,
    deliveries_by_notification,
    delivery_list,
    job_get_visible,
    job_list,
    notification_list,
)


def serve_protected_file(request, field_file, *, filename=None, as_attachment=False):
    """Stream a stored file (a `FieldFile`) to a user the caller has already allowed to see it.

    The check is the caller's: it fetches the owning object through `visible_to(request.user)` and answers 404 when
    that finds nothing. Files are never served from MEDIA_ROOT by the web server, so this is the only way out.
    """
    if not field_file:
        raise Http404
    name = filename or PurePosixPath(field_file.name).name
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = mimetypes.guess_type(field_file.name)[0] or "application/octet-stream"
    response = FileResponse(handle, as_attachment=as_attachment, filename=name, content_type=content_type)
    # The type is ours, not the browser's guess: a stored file is never run as HTML or script.
    response["X-Content-Type-Options"] = "nosniff"
    # Private: shared caches must not keep a file that was served after a permission check.
    response["Cache-Control"] = "private, max-age=3600"
    return response


class OfficeRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Pages for command-office staff and administrators. Others get 404, as for anything outside their scope."""

    def test_func(self):
        return self.request.user.is_office

    def handle_no_permission(self):
        if self.request.user.is_authenticated:
            raise Http404
        return super().handle_no_permission()


class FilteredListView(LoginRequiredMixin, TemplateView):
    """A list page with a filter form, pagination and an Excel export of the whole filtered list (`?export=xlsx`).

    Subclasses give `filterset_class`, `get_queryset()` (already scoped), `export_columns` and `export_row(obj)`.
    """

    filterset_class = None
    paginate_by = 50
    export_title = gettext_lazy("Export")
    export_columns: list[Column] = []

    def get_queryset(self):
        raise NotImplementedError

    def export_row(self, obj):
        raise NotImplementedError

    def get_filterset(self):
        filterset = self.filterset_class(self.request.GET, queryset=self.get_queryset(), request=self.request)
        for field in filterset.form.fields.values():
            widget = field.widget
            css = "form-select form-select-sm" if isinstance(widget, forms.Select) else "form-control form-control-sm"
            widget.attrs.setdefault("class", css)
        return filterset

    def filtered_queryset(self, filterset):
        return filterset.qs if filterset.is_valid() else filterset.queryset.none()

    def export_queryset(self):
        return self.filtered_queryset(self.get_filterset())

    def export_rows(self, queryset):
        return (self.export_row(obj) for obj in queryset.iterator(chunk_size=2000))

    def get(self, request, *args, **kwargs):
        filterset = self.get_filterset()
        queryset = self.filtered_queryset(filterset)
        if request.GET.get("export") == "xlsx":
            return self.export(queryset)
        paginator = Paginator(queryset, self.paginate_by)
        page = paginator.get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        query.pop("export", None)
        context = self.get_context_data(
            filterset=filterset, page_obj=page, object_list=page.object_list, querystring=query.urlencode()
        )
        return self.render_to_response(context)

    def export(self, queryset):
        """The filtered list as a workbook: written here when short, else by a job whose page shows its progress."""
        count = queryset.count()
        try:
            in_background = export_in_background(count)
        except DomainError as error:
            messages.error(self.request, error.message)
            query = self.request.GET.copy()
            query.pop("export", None)
            return redirect(f"{self.request.path}?{query.urlencode()}" if query else self.request.path)
        if in_background:
            job = export_queue(view=self, count=count)
            notice = _(
                "The list has %(count)s rows: it is being written in the background. You will be notified when the "
                "file is ready."
            )
            messages.info(self.request, notice % {"count": count})
            return redirect("job_detail", job.pk)
        rows = self.export_rows(queryset)
        content = write_xlsx(title=str(self.export_title), columns=self.export_columns, rows=rows)
        audit_log(action="export.xlsx", actor=self.request.user, data={"list": str(self.export_title), "rows": count})
        return xlsx_response(filename=str(self.export_title), content=content)


class AuditEventListView(OfficeRequiredMixin, FilteredListView):
    template_name = "core/audit_event_list.html"
    filterset_class = AuditEventFilterSet
    export_title = gettext_lazy("Audit log")
    export_columns = [
        Column(gettext_lazy("Time"), 20),
        Column(gettext_lazy("Actor"), 16),
        Column(gettext_lazy("Action"), 28),
        Column(gettext_lazy("Action code"), 24),
        Column(gettext_lazy("Object"), 30),
        Column(gettext_lazy("IP address"), 16),
        Column(gettext_lazy("Details"), 50),
    ]

    def get_queryset(self):
        return audit_event_list(user=self.request.user)

    def export_row(self, event):
        return [
            event.created_at,
            event.actor_repr,
            event.action_label,
            event.action,
            event.object_repr,
            event.ip_address,
            event.data,
        ]


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("password_change_done")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["expired"] = self.request.user.password_expired()
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_log(action="auth.password_change", actor=self.request.user, obj=self.request.user)
        return response


class JobListView(FilteredListView):
    """The background jobs a user may see (`job_list`): their own exports, and for the office every import and
    export, each linking to its page (progress, outcome, the file)."""

    template_name = "core/job_list.html"
    filterset_class = JobFilterSet
    export_title = gettext_lazy("Background jobs")
    export_columns = [
        Column(gettext_lazy("Started at"), 18),
        Column(gettext_lazy("Type"), 12),
        Column(gettext_lazy("List or file"), 36),
        Column(gettext_lazy("Status"), 10),
        Column(gettext_lazy("Rows"), 10),
        Column(gettext_lazy("Started by"), 16),
        Column(gettext_lazy("Finished at"), 18),
    ]

    def get_queryset(self):
        return job_list(user=self.request.user)

    def export_row(self, job):
        return [
            job.created_at, str(job.kind_label), job.title, choice_label(job, "status"),
            job.result.get("rows") or job.progress_total or None, str(job.created_by), job.finished_at,
        ]  # fmt: skip


class JobDetailView(LoginRequiredMixin, TemplateView):
    """A job's preview (plan and problems), its progress while it runs (polled by htmx), and its outcome: for an
    export, the file to download. Office users see every job, others their own (`job_get_visible`)."""

    template_name = "core/job_detail.html"

    def get_template_names(self):
        if self.request.htmx:
            return ["core/_job_status.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = job_get_visible(user=self.request.user, pk=self.kwargs["pk"])
        if job is None:
            raise Http404
        preview = job.result.get("preview", {})
        issues = preview.get("issues", [])
        context.update(
            job=job,
            is_export=job.is_export,
            keep_days=settings.EXPORT_KEEP_DAYS,
            progress=job_progress(job),
            counts=preview.get("counts", {}),
            errors=[issue for issue in issues if issue["level"] == "error"],
            notices=[issue for issue in issues if issue["level"] != "error"],
            changes=preview.get("changes", [])[:500],
            change_count=len(preview.get("changes", [])),
        )
        return context


@login_required
def job_download(request, pk):
    """A finished export's workbook, for whoever may see the job (404 for anyone else, as for any job)."""
    job = job_get_visible(user=request.user, pk=pk)
    if job is None or not job.is_export or job.status != JobStatus.DONE:
        raise Http404
    return serve_protected_file(request, job.file, filename=job.filename, as_attachment=True)


@require_POST
@login_required
def job_start(request, pk):
    job = job_get_visible(user=request.user, pk=pk) if request.user.is_office else None
    if job is None:
        raise Http404
    if job.result.get("has_errors"):
        messages.error(request, _("The file has errors; fix them and upload it again."))
    else:
        try:
            job_queue(job=job, user=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect("job_detail", pk=job.pk)


class NotificationListView(FilteredListView):
    """The signed-in person's notifications (站内通知), newest first, each with how it went out (e-mail, group
    chats: sent, pending or failed); opening the page does not mark them read."""

    template_name = "core/notification_list.html"
    filterset_class = NotificationFilterSet
    export_title = gettext_lazy("Notifications")
    export_columns = [
        Column(gettext_lazy("Time"), 18),
        Column(gettext_lazy("Title"), 30),
        Column(gettext_lazy("Message"), 60),
        Column(gettext_lazy("Read at"), 18),
        Column(gettext_lazy("Sent at"), 18),
    ]

    def get_queryset(self):
        return notification_list(user=self.request.user)

    def export_row(self, notification):
        return [notification.created_at, notification.title, notification.body, notification.read_at,
                notification.sent_at]  # fmt: skip

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        notifications = list(context["object_list"])
        deliveries = deliveries_by_notification(notifications=notifications)
        for notification in notifications:
            notification.shown_deliveries = deliveries.get(notification.pk, [])
        context["object_list"] = notifications
        return context


class DeliveryListView(OfficeRequiredMixin, FilteredListView):
    """Notifications on their way out, for the command office: every e-mail and group-chat message with its status,
    attempts, next attempt and last error; a failed one can be tried again."""

    template_name = "core/delivery_list.html"
    filterset_class = DeliveryFilterSet
    export_title = gettext_lazy("Notification deliveries")
    export_columns = [
        Column(gettext_lazy("Created at"), 18),
        Column(gettext_lazy("Channel"), 10),
        Column(gettext_lazy("To"), 30),
        Column(gettext_lazy("Kind"), 22),
        Column(gettext_lazy("Title"), 30),
        Column(gettext_lazy("Status"), 10),
        Column(gettext_lazy("Attempts"), 8),
        Column(gettext_lazy("Next attempt at"), 18),
        Column(gettext_lazy("Sent at"), 18),
        Column(gettext_lazy("Last error"), 50),
    ]

    def get_queryset(self):
        return delivery_list(user=self.request.user)

    def export_row(self, delivery):
        pending = delivery.status == DeliveryStatus.PENDING
        return [
            delivery.created_at, choice_label(delivery, "channel"), delivery.target, delivery.notification.kind,
            delivery.notification.title, choice_label(delivery, "status"), delivery.attempts,
            delivery.next_attempt_at if pending else None, delivery.sent_at, delivery.last_error,
        ]  # fmt: skip


@login_required
@require_POST
def delivery_retry_view(request, pk):
    """Staff try a failed delivery again; back to the list they came from."""
    delivery = delivery_list(user=request.user).filter(pk=pk).first()
    if delivery is None:
        raise Http404
    try:
        delivery_retry(actor=request.user, delivery=delivery)
        messages.success(request, _("The delivery will be tried again within a minute."))
    except DomainError as exc:
        messages.error(request, exc.message)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("delivery_list")
    return redirect(target)


@login_required
@require_POST
def notifications_read_view(request):
    """Mark one notification (`id`) or all of the user's notifications read, then go back to the list or follow
    the notification's link."""
    notification_id = request.POST.get("id")
    if notification_id and notification_id.isdigit():
        notification = request.user.notifications.filter(pk=int(notification_id)).first()
        if notification is None:
            raise Http404
        notifications_mark_read(user=request.user, ids=[notification.pk])
        if notification.link.startswith("/"):
            return redirect(notification.link)
    else:
        notifications_mark_read(user=request.user)
    return redirect("notification_list")
