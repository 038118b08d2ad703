"""Compiling, editing, publishing and correcting the report to the leaders and the bulletin; units acknowledging
being named. The daily cycle's scheduled steps (`compile`, `publish`, `weekly`) call these.

A document is compiled as a draft for a campaign, a period and its last day; compiling again replaces the draft's
figures (never a second draft: a database constraint). Staff write the lead paragraph and publish; a published
version is frozen (the database refuses changes), and a correction is a new draft version, copied from the latest
one, that must say what it corrects. Compiling a period already published, with no correction open, leaves it as
published: a re-run never makes a second published document.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaign.choices import MembershipRole
from campaign.daily_reports import daily_settings_get
from campaign.models import Campaign, LeaderAssignment, UnitMembership
from core.audit import audit_log
from core.choices import OFFICE_ROLES, Role
from core.errors import DomainError
from core.models import User
from core.notifications import Draft, notify
from scoring.cache import dashboard_invalidate
from scoring.choices import DocumentStatus, MentionReason, Period
from scoring.compile import Window, bulletin_data, leader_report_data
from scoring.models import Bulletin, BulletinMention, CompiledDocument, LeaderReport

KINDS = {"leader_report": LeaderReport, "bulletin": Bulletin}
# Who reads the report to the leaders: the office, leaders and inspectors. Units read bulletins.
LEADER_REPORT_ROLES = frozenset({*OFFICE_ROLES, Role.LEADER, Role.INSPECTOR})


def kind_of(document: CompiledDocument) -> str:
    return "bulletin" if isinstance(document, Bulletin) else "leader_report"


def period_window(*, campaign: Campaign, period: str, end_date: datetime.date, cutoff) -> Window:
    start = end_date - datetime.timedelta(days=6) if period == Period.WEEKLY else end_date
    return Window(campaign=campaign, start_date=start, end_date=end_date, cutoff=cutoff)


# --- reading ------------------------------------------------------------------------------------------------------


def document_list(*, user, model, campaign: Campaign | None = None) -> QuerySet:
    """The documents the user may read: the office sees drafts too; others see published versions only; the
    report to the leaders is for the office, leaders and inspectors."""
    if not user.is_authenticated:
        return model.objects.none()
    documents = model.objects.visible_to(user).select_related("campaign", "published_by")
    if campaign is not None:
        documents = documents.filter(campaign=campaign)
    if model is LeaderReport and not (user.is_superuser or user.role in LEADER_REPORT_ROLES):
        return documents.none()
    if not user.is_office:
        documents = documents.filter(status=DocumentStatus.PUBLISHED)
    return documents.order_by("-period_end", "period", "-version")


def latest_versions(documents: QuerySet) -> QuerySet:
    """Of each campaign, period and day, only the newest version the queryset holds."""
    newest = documents.values("campaign", "period", "period_end").annotate(newest=Max("version"))
    q = Q(pk__in=[])
    for row in newest:
        q |= Q(campaign=row["campaign"], period=row["period"], period_end=row["period_end"], version=row["newest"])
    return documents.filter(q)


def mentions_for_user(*, user, bulletin: Bulletin) -> list[BulletinMention]:
    """The mentions of the user's own units (as head or liaison) in a bulletin: what they must acknowledge."""
    return list(
        bulletin.mentions.filter(unit__memberships__user=user).select_related("unit", "acknowledged_by").distinct()
    )


# --- compiling ----------------------------------------------------------------------------------------------------


def document_compile(
    *, model, campaign: Campaign, period: str, end_date: datetime.date, now=None, actor=None
) -> CompiledDocument | None:
    """Compile the draft of `model` for the period ending `end_date`, reading every figure at `now` (the cut-off
    the document states). Returns the draft, or None when the period is published and no correction is open."""
    now = now or timezone.now()
    if end_date > timezone.localtime(now).date():
        raise DomainError(_("A day still to come cannot be compiled."))
    window = period_window(campaign=campaign, period=period, end_date=end_date, cutoff=now)
    # A document is written in the office's language, whoever compiles it.
    with translation.override(settings.LANGUAGE_CODE):
        data = bulletin_data(window) if model is Bulletin else leader_report_data(window)
    for attempt in range(2):
        try:
            with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
                return _store_draft(model, campaign, period, window, data, now=now, actor=actor)
        except IntegrityError:
            # Another compile created the draft at the same moment; the second attempt replaces it.
            if attempt:
                raise
    return None


def _store_draft(model, campaign, period, window: Window, data: dict, *, now, actor):
    documents = list(
        model.objects.select_for_update().filter(campaign=campaign, period=period, period_end=window.end_date)
    )
    draft = next((d for d in documents if d.status == DocumentStatus.DRAFT), None)
    if draft is None and documents:
        return None
    if draft is None:
        draft = model.objects.create(
            campaign=campaign, period=period, period_start=window.start_date, period_end=window.end_date,
            cutoff_at=now, compiled_at=timezone.now(), data=data,
        )  # fmt: skip
    else:
        draft.data, draft.cutoff_at, draft.compiled_at = data, now, timezone.now()
        draft.save(update_fields=["data", "cutoff_at", "compiled_at"])
    if model is Bulletin:
        draft.mentions.all().delete()
        BulletinMention.objects.bulk_create(_mentions(draft, data))
    audit_log(action="scoring.document.compile", actor=actor, obj=draft,
              data={"period": period, "date": window.end_date, "version": draft.version, "cutoff": now})  # fmt: skip
    return draft


def _mentions(bulletin: Bulletin, data: dict) -> list[BulletinMention]:
    """Every unit the bulletin names, once per reason, with the detail it is named for."""
    named: dict[tuple[int, str], list[str]] = defaultdict(list)
    compliance = data["compliance"]
    for reason, entries in (
        (MentionReason.MISSING_REPORT, compliance["missing"]),
        (MentionReason.LATE_REPORT, compliance["late"]),
        (MentionReason.EMPTY_REPORT, compliance["empty"]),
    ):
        for entry in entries:
            named[(entry["unit_id"], reason)].append(str(entry["date"]))
    details = {key: "、".join(days) for key, days in named.items()}
    for row in data["problems_by_unit"]:
        if row["overdue"]:
            details[(row["unit_id"], MentionReason.OVERDUE_PROBLEMS)] = _("%(count)d overdue") % {
                "count": row["overdue"]
            }
    for row in data["dispatch"]["overdue_by_unit"]:
        details[(row["unit_id"], MentionReason.OVERDUE_ORDERS)] = _("%(count)d overdue") % {"count": row["orders"]}
    for row in data.get("black_list", []):
        details[(row["unit_id"], MentionReason.BLACK_LIST)] = " ".join(
            part for part in (_("score %(score)s") % {"score": row["score"]}, row["escalation"]) if part
        )
    return [
        BulletinMention(bulletin=bulletin, unit_id=unit_id, reason=reason, detail=detail[:300])
        for (unit_id, reason), detail in sorted(details.items())
    ]


# --- editing, publishing, correcting ------------------------------------------------------------------------------


def _office_only(actor, message):
    if not actor.is_office:
        raise DomainError(message, code="forbidden")


@transaction.atomic
def document_edit(*, actor, document: CompiledDocument, lead: str, correction_note: str | None = None):
    """Staff write the lead paragraph (and, for a correction, what it corrects) of a draft."""
    _office_only(actor, _("Only the command office edits reports and bulletins."))
    document = type(document).objects.select_for_update().get(pk=document.pk)
    if document.is_published:
        raise DomainError(_("A published version is not changed; start a correction instead."))
    fields = {"lead": lead.strip()}
    if correction_note is not None:
        fields["correction_note"] = correction_note.strip()
    changed = [name for name, value in fields.items() if getattr(document, name) != value]
    for name in changed:
        setattr(document, name, fields[name])
    if changed:
        document.save(update_fields=changed)
        audit_log(action="scoring.document.edit", actor=actor, obj=document, data={"changed": changed})
    return document


@transaction.atomic
def document_publish(*, actor, document: CompiledDocument, now=None) -> CompiledDocument:
    """Publish a draft: from now on it is frozen. Leaders are told of a report; a bulletin tells leaders and every
    unit it names, which must acknowledge. Publishing what is published changes nothing."""
    now = now or timezone.now()
    if actor is not None:
        _office_only(actor, _("Only the command office publishes reports and bulletins."))
    document = type(document).objects.select_for_update().get(pk=document.pk)
    if document.is_published:
        return document
    if document.version > 1 and not document.correction_note.strip():
        raise DomainError(_("Say what this version corrects before publishing it."))
    document.status, document.published_at, document.published_by = DocumentStatus.PUBLISHED, now, actor
    document.save(update_fields=["status", "published_at", "published_by"])
    dashboard_invalidate(campaign_id=document.campaign_id)
    audit_log(action="scoring.document.publish", actor=actor, obj=document, data={"version": document.version})
    # Notices are written in the office's language, as the documents are.
    with translation.override(settings.LANGUAGE_CODE):
        notify(_publication_notices(document))
    return document


def _publication_notices(document: CompiledDocument) -> list[Draft]:
    kind = kind_of(document)
    link = reverse("document_detail", args=[kind, document.pk])
    day = document.period_end.isoformat()
    if kind == "leader_report":
        title = _("Report to the leaders of %(date)s published") % {"date": day}
    else:
        title = _("Bulletin of %(date)s published") % {"date": day}
    if document.version > 1:
        title = _("%(title)s (corrected, version %(version)d)") % {"title": title, "version": document.version}
    key = f"scoring.{kind}.publish:{document.pk}"
    leaders = set(
        LeaderAssignment.objects.filter(Q(unit__campaign=document.campaign) | Q(point__campaign=document.campaign),
                                        leader__is_active=True).values_list("leader_id", flat=True)
    )  # fmt: skip
    drafts = [Draft(recipient_id=user_id, kind=f"scoring.{kind}", key=key, title=title, link=link)
              for user_id in sorted(leaders)]  # fmt: skip
    if kind == "bulletin":
        named_units = document.mentions.values("unit_id")
        named_title = _("Your unit is named in the bulletin of %(date)s: please acknowledge") % {"date": day}
        for user_id in sorted(
            set(UnitMembership.objects.filter(unit__in=named_units, user__is_active=True,
                                              role__in=MembershipRole.values).values_list("user_id", flat=True))
        ):  # fmt: skip
            drafts.append(Draft(recipient_id=user_id, kind="scoring.bulletin.named", key=f"{key}:named",
                                title=named_title, link=link))  # fmt: skip
    return drafts


@transaction.atomic
def document_correct(*, actor, document: CompiledDocument) -> CompiledDocument:
    """Start a corrected version of a published document: a new draft with the latest version's figures and lead,
    which staff edit (or compile again) and publish with a note of what it corrects."""
    _office_only(actor, _("Only the command office corrects reports and bulletins."))
    model = type(document)
    versions = list(
        model.objects.select_for_update().filter(
            campaign=document.campaign, period=document.period, period_end=document.period_end
        ).order_by("-version")
    )  # fmt: skip
    if any(v.status == DocumentStatus.DRAFT for v in versions):
        raise DomainError(_("A corrected version is already being prepared."))
    latest = versions[0]
    draft = model.objects.create(
        campaign=latest.campaign, period=latest.period, period_start=latest.period_start,
        period_end=latest.period_end, version=latest.version + 1, cutoff_at=latest.cutoff_at,
        compiled_at=latest.compiled_at, data=latest.data, lead=latest.lead,
    )  # fmt: skip
    if model is Bulletin:
        BulletinMention.objects.bulk_create(
            BulletinMention(bulletin=draft, unit_id=m.unit_id, reason=m.reason, detail=m.detail)
            for m in latest.mentions.all()
        )
    audit_log(action="scoring.document.correct", actor=actor, obj=draft, data={"version": draft.version})
    return draft


@transaction.atomic
def mention_acknowledge(*, actor, mention: BulletinMention, now=None) -> BulletinMention:
    """A head or liaison of the named unit acknowledges being named in a published bulletin; once is enough."""
    now = now or timezone.now()
    mention = BulletinMention.objects.select_for_update().select_related("bulletin").get(pk=mention.pk)
    if not UnitMembership.objects.filter(unit_id=mention.unit_id, user=actor).exists():
        raise DomainError(_("Only the named unit's head or liaisons acknowledge."), code="forbidden")
    if not mention.bulletin.is_published:
        raise DomainError(_("The bulletin is not published yet."))
    if mention.acknowledged_at is None:
        mention.acknowledged_at, mention.acknowledged_by = now, actor
        mention.save(update_fields=["acknowledged_at", "acknowledged_by"])
        audit_log(action="scoring.mention.acknowledge", actor=actor, obj=mention.bulletin,
                  data={"unit": mention.unit_id, "reason": mention.reason})  # fmt: skip
    return mention


# --- the scheduled steps --------------------------------------------------------------------------------------------


def cycle_compile(*, campaign: Campaign, date: datetime.date, now, period: str = Period.DAILY) -> dict:
    report = document_compile(model=LeaderReport, campaign=campaign, period=period, end_date=date, now=now)
    bulletin = document_compile(model=Bulletin, campaign=campaign, period=period, end_date=date, now=now)
    return {"leader_report": report.version if report else "published", "bulletin": bulletin.version if bulletin
            else "published"}  # fmt: skip


def cycle_weekly(*, campaign: Campaign, date: datetime.date, now) -> dict:
    return cycle_compile(campaign=campaign, date=date, now=now, period=Period.WEEKLY)


def cycle_publish(*, campaign: Campaign, date: datetime.date, now) -> dict:
    """At the publishing time: publish the day's drafts if the campaign publishes automatically, otherwise remind
    the office of each draft still waiting (once per draft and person)."""
    drafts = [
        *LeaderReport.objects.filter(campaign=campaign, period_end=date, status=DocumentStatus.DRAFT),
        *Bulletin.objects.filter(campaign=campaign, period_end=date, status=DocumentStatus.DRAFT),
    ]
    if daily_settings_get(campaign=campaign).auto_publish:
        published = 0
        for draft in drafts:
            if draft.version == 1 or draft.correction_note.strip():
                document_publish(actor=None, document=draft, now=now)
                published += 1
        return {"published": published}
    with translation.override(settings.LANGUAGE_CODE):
        return {"waiting": len(drafts), "notified": notify(_waiting_notices(drafts))}


def _waiting_notices(drafts) -> list[Draft]:
    office = list(User.objects.filter(is_active=True).filter(Q(role__in=OFFICE_ROLES) | Q(is_superuser=True))
                  .values_list("pk", flat=True))  # fmt: skip
    notices = [
        Draft(recipient_id=user_id, kind="scoring.draft_waiting", key=f"scoring.{kind_of(d)}.waiting:{d.pk}",
              title=_("Waiting to be published: %(document)s") % {"document": d._meta.verbose_name},
              body=str(d.period_end), link=reverse("document_detail", args=[kind_of(d), d.pk]))
        for d in drafts for user_id in office
    ]  # fmt: skip
    return notices
