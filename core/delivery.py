"""Notifications leaving the app: e-mail to each recipient, and one message per event to each group-chat robot
(WeCom, DingTalk, or any service taking JSON) that carries its kind. Each is sent once, tried again after growing
pauses, and marked failed, for staff to see and retry, when it cannot go.

Three steps, each safe to run twice or at the same time:

1. `deliveries_plan` takes the notices not planned yet (`Notification.deliveries_planned_at` empty, a small partial
   index) and writes their `Delivery` rows in one insert: an e-mail per notice whose recipient is active and has an
   address (when `NOTIFICATION_EMAIL` is on), a message per event and active webhook carrying its kind. The unique
   constraints turn a second planner's rows into no-ops (`ignore_conflicts`), so a chat hears of an event once even
   when its notices are written at different times. A webhook added later carries the notices written after it.
2. `deliveries_send_due` claims a bounded batch of due rows (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite takes its
   write lock at BEGIN), leases them by moving `next_attempt_at` ahead, commits, sends with no transaction open (a
   slow robot must not hold a lock), then records every outcome in a few set-based writes: sent; pending again after
   1, 2, 4 … minutes up to a cap; or failed after the last attempt, or at once when the other side refuses for good
   (HTTP 4xx, a robot's error code other than "too fast", a refused address). After one failure of a webhook the
   rest of its batch waits a minute without spending attempts.
3. `delivery_retry`: staff send a failed delivery again after fixing its cause.

A worker killed after sending but before recording sends again when its lease runs out: at least once then,
exactly once otherwise.
"""

import base64
import contextlib
import hashlib
import hmac
import json
import smtplib
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.audit import audit_log
from core.choices import DeliveryChannel, DeliveryStatus, WebhookKind
from core.errors import DomainError
from core.models import Delivery, Notification, WebhookChannel

# Longer than a batch can take (its size times the webhook timeout), so no second sender takes a row being sent.
LEASE = timedelta(minutes=15)
# Robots answer HTTP 200 with an error code; these mean "too many messages, try later" (WeCom, DingTalk).
RATE_LIMIT_ERRCODES = {45009, 130101}
# WeCom refuses markdown content over 4096 bytes; DingTalk allows more, the same bound keeps messages readable.
MAX_MARKDOWN_BYTES = 4000
MAX_RESPONSE_BYTES = 64 * 1024


class DeliveryError(Exception):
    """A send did not go through. `permanent`: trying the same again will not help."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass
class SendResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    claimed: int = 0


def retry_delay(attempts: int) -> timedelta:
    """The pause after the `attempts`-th failed try: 1, 2, 4, 8 … minutes, at most the configured cap."""
    minutes = 2 ** max(attempts - 1, 0)
    return timedelta(minutes=min(minutes, settings.NOTIFICATION_RETRY_CAP_MINUTES))


def deliveries_plan(*, now=None, limit: int | None = None) -> int:
    """Write the delivery rows of notices not planned yet (at most `limit` notices); returns how many notices were
    planned. Four queries whatever the number (the insert goes in chunks of 500 rows)."""
    now = now or timezone.now()
    limit = limit or settings.NOTIFICATION_BATCH_SIZE * 10
    with transaction.atomic():
        notes = list(
            Notification.objects.filter(deliveries_planned_at__isnull=True)
            .order_by("pk")
            .values_list("pk", "kind", "event_key", "recipient__email", "recipient__is_active")[:limit]
        )
        if not notes:
            return 0
        rows = []
        if settings.NOTIFICATION_EMAIL:
            rows += [
                Delivery(channel=DeliveryChannel.EMAIL, notification_id=pk, next_attempt_at=now, created_at=now)
                for pk, _kind, _event, email, active in notes
                if email and active
            ]
        first_of_event = {}
        webhooks = list(WebhookChannel.objects.filter(is_active=True))
        for pk, kind, event_key, _email, _active in notes:
            for webhook in webhooks:
                if event_key and webhook.carries(kind):
                    first_of_event.setdefault((webhook.pk, event_key), pk)
        rows += [
            Delivery(
                channel=DeliveryChannel.WEBHOOK, webhook_id=webhook_id, event_key=event_key, notification_id=pk,
                next_attempt_at=now, created_at=now,
            )
            for (webhook_id, event_key), pk in first_of_event.items()
        ]  # fmt: skip
        Delivery.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
        Notification.objects.filter(pk__in=[note[0] for note in notes]).update(deliveries_planned_at=now)
    return len(notes)


def deliveries_send_due(*, now=None, limit: int | None = None) -> SendResult:
    """Send at most `limit` due deliveries and record how each went. A fixed number of queries per batch: claim
    (2), then sent, notices stamped and failures (1 each, when there are any)."""
    now = now or timezone.now()
    limit = limit or settings.NOTIFICATION_BATCH_SIZE
    deliveries = _claim(now=now, limit=limit)
    result = SendResult(claimed=len(deliveries))
    if not deliveries:
        return result
    sent, unsent, down = [], [], set()
    mail = None

    def failed(delivery, exc: DeliveryError) -> None:
        _record_failure(delivery, exc, now=now)
        unsent.append(delivery)
        if delivery.status == DeliveryStatus.FAILED:
            result.failed += 1
        else:
            result.retrying += 1

    # Our words in messages (the "open" link) are in the office's language, as the notices are.
    with translation.override(settings.LANGUAGE_CODE):
        for delivery in deliveries:
            route = delivery.webhook_id or "email"
            if delivery.webhook_id and not delivery.webhook.is_active:
                failed(
                    delivery, DeliveryError(_("The group chat was deactivated before this was sent."), permanent=True)
                )
                continue
            if route in down:
                # Its robot or mail server just failed: wait with it instead of spending an attempt (and a timeout).
                delivery.next_attempt_at = now + retry_delay(1)
                unsent.append(delivery)
                continue
            try:
                if delivery.channel == DeliveryChannel.EMAIL:
                    mail = mail or get_connection(fail_silently=False)
                    send_email(delivery.notification, connection=mail)
                else:
                    send_webhook(delivery.webhook, delivery.notification)
            except DeliveryError as exc:
                failed(delivery, exc)
                # One address refused says nothing of the server; any failure of a robot is the robot's.
                if delivery.webhook_id or not exc.permanent:
                    down.add(route)
                if delivery.channel == DeliveryChannel.EMAIL and not exc.permanent:
                    _close(mail)
                    mail = None
            else:
                sent.append(delivery)
    _close(mail)
    result.sent = len(sent)
    with transaction.atomic():
        if sent:
            Delivery.objects.filter(pk__in=[d.pk for d in sent]).update(
                status=DeliveryStatus.SENT, sent_at=now, attempts=F("attempts") + 1, last_error=""
            )
            # The notice has left the app: by e-mail to its person, or to a group chat for its whole event.
            emailed = [d.notification_id for d in sent if d.channel == DeliveryChannel.EMAIL]
            events = [d.event_key for d in sent if d.channel == DeliveryChannel.WEBHOOK]
            Notification.objects.filter(Q(pk__in=emailed) | Q(event_key__in=events), sent_at__isnull=True).update(
                sent_at=now
            )
        if unsent:
            Delivery.objects.bulk_update(unsent, ["status", "attempts", "next_attempt_at", "last_error"])
    return result


def _close(mail) -> None:
    if mail is not None:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            mail.close()


def _claim(*, now, limit) -> list[Delivery]:
    with transaction.atomic():
        due = (
            Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .select_related("notification__recipient", "webhook")
            .order_by("next_attempt_at", "pk")
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        deliveries = list(due[:limit])
        if deliveries:
            Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(next_attempt_at=now + LEASE)
    return deliveries


def _record_failure(delivery: Delivery, exc: DeliveryError, *, now) -> None:
    delivery.attempts += 1
    delivery.last_error = exc.message[:500]
    if exc.permanent or delivery.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = now
    else:
        delivery.next_attempt_at = now + retry_delay(delivery.attempts)


@transaction.atomic
def delivery_retry(*, actor, delivery: Delivery) -> Delivery:
    """Staff send a failed delivery again, from its first attempt, after fixing its cause (an address, a robot's
    secret); the next run of the delivery job sends it."""
    from core.tasks import deliver_notifications

    if not actor.is_office:
        raise DomainError(_("Only the command office retries deliveries."), code="forbidden")
    delivery = Delivery.objects.select_for_update(of=("self",)).select_related("webhook").get(pk=delivery.pk)
    if delivery.status != DeliveryStatus.FAILED:
        raise DomainError(_("Only a failed delivery can be tried again."))
    if delivery.webhook is not None and not delivery.webhook.is_active:
        raise DomainError(_("The group-chat webhook is inactive; activate it in the configuration first."))
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit_log(
        action="notification.delivery_retry", actor=actor, obj=delivery,
        data={"channel": delivery.channel, "last_error": delivery.last_error},
    )  # fmt: skip
    deliver_notifications.delay_on_commit()
    return delivery


# Channels --------------------------------------------------------------------------------------------------------


def absolute_link(link: str) -> str:
    """A notice's link as an address a mail reader or a chat can open: the app's paths need `SITE_URL`."""
    if not link or link.startswith(("https://", "http://")):
        return link
    return f"{settings.SITE_URL}{link}" if settings.SITE_URL and link.startswith("/") else ""


def send_email(notification: Notification, *, connection=None) -> None:
    recipient = notification.recipient
    if not recipient.is_active or not recipient.email:
        raise DeliveryError(_("The recipient has no active account with an e-mail address."), permanent=True)
    lines = [notification.body] if notification.body else []
    link = absolute_link(notification.link)
    if link:
        lines.append(link)
    lines.append(f"-- \n{settings.SITE_NAME}")
    message = EmailMessage(
        subject=" ".join(notification.title.split()), body="\n\n".join(lines), to=[recipient.email],
        connection=connection,
    )  # fmt: skip
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(
            _("The mail server refused the address: %(error)s") % {"error": exc}, permanent=True
        ) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(_("The mail server could not be reached: %(error)s") % {"error": exc}) from exc


def _markdown_text(text: str) -> str:
    # Notices quote what people typed (a public report's description): keep it from forming links or markup in
    # the chat by using the full-width brackets Chinese text uses anyway.
    return text.translate(str.maketrans({"[": "［", "]": "］", "<": "＜", ">": "＞", "`": "'"}))


def _truncate_bytes(text: str, limit: int) -> str:
    encoded = text.encode()
    if len(encoded) <= limit:
        return text
    return encoded[: limit - 3].decode(errors="ignore") + "…"


def webhook_payload(kind: str, notification: Notification) -> dict:
    """The JSON a robot of `kind` takes for one notice (WeCom and DingTalk as markdown messages)."""
    link = absolute_link(notification.link)
    if kind == WebhookKind.GENERIC:
        return {
            "title": notification.title,
            "body": notification.body,
            "link": link or notification.link,
            "kind": notification.kind,
            "created_at": notification.created_at.isoformat(),
        }
    title = _markdown_text(" ".join(notification.title.split()))
    body = _markdown_text(notification.body)
    open_label = pgettext("link in a chat message", "Open")
    open_line = f"[{open_label}]({link})" if link else ""
    if kind == WebhookKind.WECOM:
        lines = [f"**{title}**", *(f"> {line}" for line in body.splitlines() if line.strip()), open_line]
        content = _truncate_bytes("\n".join(line for line in lines if line), MAX_MARKDOWN_BYTES)
        return {"msgtype": "markdown", "markdown": {"content": content}}
    text = _truncate_bytes(
        "\n\n".join(part for part in [f"#### {title}", body, open_line] if part), MAX_MARKDOWN_BYTES
    )
    return {"msgtype": "markdown", "markdown": {"title": title[:100], "text": text}}


def dingtalk_signed_url(url: str, secret: str, *, timestamp_ms: int | None = None) -> str:
    """DingTalk's signing: HMAC-SHA256 of "<timestamp in ms>\\n<secret>" keyed with the secret, base64, URL-encoded,
    sent as `timestamp` and `sign` query parameters. DingTalk refuses a timestamp more than an hour off."""
    timestamp = str(timestamp_ms if timestamp_ms is not None else round(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


def send_webhook(webhook: WebhookChannel, notification: Notification) -> None:
    body = json.dumps(webhook_payload(webhook.kind, notification), ensure_ascii=False).encode()
    url = webhook.url
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "CampaignCommand/1"}
    if webhook.secret and webhook.kind == WebhookKind.DINGTALK:
        url = dingtalk_signed_url(url, webhook.secret)
    elif webhook.secret and webhook.kind == WebhookKind.GENERIC:
        headers["X-Signature"] = "sha256=" + hmac.new(webhook.secret.encode(), body, hashlib.sha256).hexdigest()
    post_json(url, body, headers=headers, timeout=settings.NOTIFICATION_WEBHOOK_TIMEOUT)


def post_json(url: str, body: bytes, *, headers: dict, timeout: float) -> dict:
    """POST `body`; the robot's answer when it accepted it, a `DeliveryError` otherwise."""
    if not url.lower().startswith(("https://", "http://")):
        raise DeliveryError(_("The webhook address must start with http:// or https://."), permanent=True)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (scheme checked)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked)
            raw = response.read(MAX_RESPONSE_BYTES)
    except urllib.error.HTTPError as exc:
        # A client error will not change by itself (a wrong or removed robot); 408 and 429 ask to come back.
        permanent = 400 <= exc.code < 500 and exc.code not in (408, 429)
        raise DeliveryError(f"HTTP {exc.code} {exc.reason}", permanent=permanent) from exc
    except urllib.error.URLError as exc:
        raise DeliveryError(str(exc.reason)) from exc
    except (TimeoutError, OSError, ValueError) as exc:
        raise DeliveryError(str(exc) or exc.__class__.__name__) from exc
    try:
        answer = json.loads(raw) if raw.strip() else {}
    except ValueError:
        answer = {}
    if isinstance(answer, dict) and str(answer.get("errcode", 0)) != "0":
        code = answer.get("errcode")
        message = f"errcode {code}: {answer.get('errmsg', '')}"
        raise DeliveryError(message, permanent=_int(code) not in RATE_LIMIT_ERRCODES)
    return answer if isinstance(answer, dict) else {}


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
