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

from core.choices import (
    CITYWIDE_ROLES,
    OFFICE_ROLES,
    DeliveryChannel,
    DeliveryStatus,
    HeartbeatKind,
    JobStatus,
    Role,
    WebhookKind,
)
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
    # When the job was last sent to the workers, and which sending started it (see core.jobs).
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True, editable=False)
    attempt = models.PositiveSmallIntegerField(_("sendings"), default=0, editable=False)

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

    @property
    def is_export(self) -> bool:
        """An Excel export written in the background (`core.exports`): its file is the outcome, not an upload."""
        return self.kind.startswith("export.")

    @property
    def kind_label(self) -> str:
        if self.is_export:
            return _("Excel export")
        if self.kind.startswith("import."):
            return _("Import")
        return self.kind

    @property
    def title(self) -> str:
        """What the job works on: an export's list, an import's file."""
        return self.result.get("title") or self.filename or self.kind


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
    a sweep runs or a task is redelivered (the database refuses the second row). `event_key` is that step without
    the person: the notices of one event share it, so a group chat is told once per event. Delivery beyond the app
    (`core.delivery`: e-mail to the person, group-chat robots) plans its `Delivery` rows once per notice
    (`deliveries_planned_at`) and stamps `sent_at` when the notice first left the app.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=60, db_index=True)
    key = models.CharField(_("key"), max_length=200, unique=True)
    event_key = models.CharField(_("event"), max_length=200, db_index=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    deliveries_planned_at = models.DateTimeField(_("deliveries planned at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="core_notification_unread_idx"),
            # The planner's work list: small, because planning stamps every notice within a minute.
            models.Index(
                fields=["id"],
                condition=models.Q(deliveries_planned_at__isnull=True),
                name="core_notification_plan_idx",
            ),
        ]

    def __str__(self):
        return f"{self.recipient} · {self.title}"


class WebhookChannel(models.Model):
    """A group-chat robot (群机器人) of WeCom or DingTalk, or any service taking JSON, that is told of notifications:
    once per event, whoever the notices went to. Staff add them in the configuration; `kind_prefixes` narrows what a
    chat hears (e.g. only escalations), and an inactive channel is skipped."""

    name = models.CharField(_("name"), max_length=100, help_text=_("E.g. the chat's name: 创城办督查群."))
    kind = models.CharField(_("format"), max_length=20, choices=WebhookKind.choices, default=WebhookKind.WECOM)
    url = models.URLField(
        _("webhook address"), max_length=500, help_text=_("The robot's webhook URL, as the chat's settings show it.")
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_(
            "DingTalk: the robot's signing secret (SEC…), when its security setting is signing. Generic JSON: the "
            "body is signed with it (header X-Signature: sha256=HMAC). WeCom: not used."
        ),
    )
    kind_prefixes = models.CharField(
        _("kinds of notification"),
        max_length=500,
        blank=True,
        help_text=_(
            "Which notifications this chat is told of: kinds or their beginnings, separated by spaces or commas, "
            'e.g. "problem.escalated daily_report.". Empty: all.'
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("group-chat webhook")
        verbose_name_plural = _("group-chat webhooks")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=WebhookKind.values), name="core_webhook_kind_valid"),
        ]

    def __str__(self):
        return self.name

    @property
    def prefixes(self) -> list[str]:
        return [part for part in self.kind_prefixes.replace(",", " ").split() if part]

    def carries(self, kind: str) -> bool:
        prefixes = self.prefixes
        return not prefixes or any(kind.startswith(prefix) for prefix in prefixes)

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.url and not self.url.lower().startswith(("https://", "http://")):
            errors["url"] = _("Use an http:// or https:// address.")
        bad = [prefix for prefix in self.prefixes if not all(c.isalnum() or c in "._-" for c in prefix)]
        if bad:
            errors["kind_prefixes"] = _("Use letters, digits, dots and underscores: %(bad)s") % {"bad": " ".join(bad)}
        if errors:
            raise ValidationError(errors)


class Delivery(models.Model):
    """One notification (or, for a group chat, one event) on its way out of the app: by e-mail to its recipient,
    or to a group-chat webhook. Tried until sent, with growing pauses, and marked failed after the last attempt.

    The database holds "never twice": one e-mail per notification, one message per event and webhook. A webhook
    delivery points at the event's first notification, whose title, message and link it carries.
    """

    channel = models.CharField(_("channel"), max_length=20, choices=DeliveryChannel.choices)
    notification = models.ForeignKey(
        Notification, verbose_name=_("notification"), on_delete=models.CASCADE, related_name="deliveries"
    )
    webhook = models.ForeignKey(
        WebhookChannel,
        verbose_name=_("group-chat webhook"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event_key = models.CharField(_("event"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sender's work list: pending rows by when they are due.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status=DeliveryStatus.PENDING),
                name="core_delivery_due_idx",
            ),
            models.Index(fields=["event_key"], name="core_delivery_event_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["notification"],
                condition=models.Q(channel=DeliveryChannel.EMAIL),
                name="core_delivery_email_once",
            ),
            models.UniqueConstraint(
                fields=["webhook", "event_key"],
                condition=models.Q(channel=DeliveryChannel.WEBHOOK),
                name="core_delivery_webhook_once",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(channel=DeliveryChannel.EMAIL, webhook__isnull=True)
                    | (models.Q(channel=DeliveryChannel.WEBHOOK, webhook__isnull=False) & ~models.Q(event_key=""))
                ),
                name="core_delivery_channel_target",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=DeliveryStatus.values), name="core_delivery_status_valid"
            ),
        ]

    def __str__(self):
        target = self.webhook.name if self.webhook_id else str(self.notification.recipient)
        return f"{self.get_channel_display()} · {target} · {self.notification.title}"

    @property
    def target(self) -> str:
        """Whom it goes to: the group chat, or the person and the address (as it is now)."""
        if self.webhook_id:
            return self.webhook.name
        recipient = self.notification.recipient
        return f"{recipient} <{recipient.email}>" if recipient.email else str(recipient)

    @property
    def can_retry(self) -> bool:
        return self.status == DeliveryStatus.FAILED
