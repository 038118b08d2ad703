import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.choices import CITYWIDE_ROLES, OFFICE_ROLES, HeartbeatKind, JobStatus, Role
from core.geo import latitude_field, longitude_field
from core.images import CleanImage, photo_thumbnail_upload_to, photo_upload_to


class User(AbstractUser):
    """A person who signs in: office staff, inspectors, unit heads and liaisons, leaders, administrators.

    Chinese names are not split into given and family names, so one `full_name` replaces Django's two fields.
    Which units a user belongs to or oversees is recorded in campaign (memberships and leader assignments).
    """

    first_name = None
    last_name = None
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.LIAISON)
    position = models.CharField(_("position"), max_length=100, blank=True, help_text=_("Job title, e.g. 副局长."))
    phone = models.CharField(_("mobile phone"), max_length=30, blank=True)
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True, editable=False)

    objects = UserManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="core_user_role_valid"),
        ]

    def __str__(self):
        return self.full_name or self.username

    def get_full_name(self):
        return self.full_name or self.username

    def get_short_name(self):
        return self.full_name or self.username

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    @property
    def is_office(self) -> bool:
        """Command-office staff or an administrator: configures the campaign."""
        return self.is_active and (self.is_superuser or self.role in OFFICE_ROLES)

    @property
    def sees_citywide(self) -> bool:
        return self.is_active and (self.is_superuser or self.role in CITYWIDE_ROLES)

    def password_expired(self, *, now=None) -> bool:
        days = settings.PASSWORD_EXPIRY_DAYS
        if not days or not self.has_usable_password():
            return False
        if self.password_changed_at is None:
            return True
        now = now or timezone.now()
        return now - self.password_changed_at > timezone.timedelta(days=days)


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditImmutableError(_("Audit events cannot be changed."))

    def delete(self):
        raise AuditImmutableError(_("Audit events cannot be deleted."))


class AuditImmutableError(Exception):
    pass


class AuditEvent(models.Model):
    """One thing that happened: a sign-in, a change, a publication, an override. Written once, never changed.

    The database refuses updates too (and deletes on PostgreSQL), see migration 0002.
    """

    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_repr = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("object type"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="core_audit_object_idx")]

    def __str__(self):
        return f"{timezone.localtime(self.created_at):%Y-%m-%d %H:%M:%S} {self.actor_repr} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditImmutableError(_("Audit events cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutableError(_("Audit events cannot be deleted."))

    @property
    def action_label(self) -> str:
        from core.audit import action_label

        return action_label(self.action)


class Heartbeat(models.Model):
    """When the scheduled heartbeat job last ran: proof that a worker and beat are alive."""

    kind = models.CharField(_("kind"), max_length=20, choices=HeartbeatKind.choices, unique=True)
    last_seen_at = models.DateTimeField(_("last seen at"))
    hostname = models.CharField(_("host"), max_length=200, blank=True)
    count = models.PositiveBigIntegerField(_("runs"), default=0)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return f"{self.get_kind_display()} {timezone.localtime(self.last_seen_at):%Y-%m-%d %H:%M:%S}"

    def is_stale(self, *, now=None, max_age_seconds=180) -> bool:
        now = now or timezone.now()
        return (now - self.last_seen_at).total_seconds() > max_age_seconds


def job_upload_path(job, filename):
    return f"jobs/{job.created_at:%Y/%m}/{job.pk}{Path(filename).suffix.lower()}"


class Job(models.Model):
    """A long piece of work a user started (an import, later compiles and exports): its file, its progress and
    its outcome, so the page can show a progress bar and the result survives the worker."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=50)
    campaign_id = models.BigIntegerField(_("campaign"), null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=JobStatus.choices, default=JobStatus.PREVIEW)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    file = models.FileField(_("file"), upload_to=job_upload_path, blank=True, max_length=255)
    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), default=0)
    progress_message = models.CharField(_("step"), max_length=200, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=JobStatus.values), name="core_job_status_valid"),
        ]

    def __str__(self):
        return f"{self.filename or self.kind} {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)


class PhotoBase(models.Model):
    """A photo taken on a phone, as `core.images.image_clean` left it: a re-encoded JPEG with no metadata, its
    thumbnail, and when and where the original's EXIF said it was taken, which only staff are shown.

    Apps subclass it for their photos (a problem's before and after photos, an inspection's evidence) and add the
    link to their object; the files are served only through views that fetch that object with `visible_to(user)`
    (`core.views.serve_protected_file`). Files are plain `FileField`s: an `ImageField` would decode them again.
    """

    image = models.FileField(_("photo"), upload_to=photo_upload_to, editable=False)
    thumbnail = models.FileField(_("thumbnail"), upload_to=photo_thumbnail_upload_to, editable=False)
    width = models.PositiveIntegerField(_("width"), editable=False)
    height = models.PositiveIntegerField(_("height"), editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True, editable=False)
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True, editable=False)
    latitude = latitude_field(editable=False)
    longitude = longitude_field(editable=False)
    # Empty for a photo sent by a member of the public, who has no account.
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now, editable=False)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.image.name

    @classmethod
    def build_from(cls, clean: CleanImage, *, uploaded_by, **fields):
        """An unsaved photo holding `clean`'s picture and facts. The files reach storage when the row is saved,
        under `photo_upload_to`'s random names."""
        photo = cls(
            width=clean.width,
            height=clean.height,
            sha256=clean.sha256,
            taken_at=clean.taken_at,
            latitude=clean.latitude,
            longitude=clean.longitude,
            uploaded_by=uploaded_by,
            **fields,
        )
        photo.image = ContentFile(clean.content, name="photo.jpg")
        photo.thumbnail = ContentFile(clean.thumbnail, name="thumbnail.jpg")
        return photo


class Notification(models.Model):
    """A message to one person (站内通知), the outbox every app writes to: overdue problems, escalations, reminders.

    `key` makes a notice idempotent: the same step of the same thing reaches the same person once, however often
    a sweep runs or a task is redelivered (the database refuses the second row). Delivery beyond the app (SMS,
    WeChat Work) reads the outbox and stamps `sent_at`.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=60, db_index=True)
    key = models.CharField(_("key"), max_length=200, unique=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="core_notification_unread_idx")]

    def __str__(self):
        return f"{self.recipient} · {self.title}"
