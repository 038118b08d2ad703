"""Rankings (排名) per period and peer group, the red and black lists, the evening-meeting flags and the escalation
ladder; published rankings never change.

`ranking_compute` scores every unit for the period (`scoring.scores`) and builds one draft ranking per peer group
(`UnitGroupKind.PEER`, its members) and one of the command groups (`UnitGroupKind.COMMAND`, each scored as the mean
of its members' scores, members without a score left out). Computing again replaces the drafts of that period; a
period already published is left as published.

- Ranks: by score, highest first; ties share a rank and the next rank skips (1, 1, 3). A unit without a score is
  listed without a rank.
- The rank change reads the previous period's published ranking of the same peer group (the week before, or the
  month before).
- Red list: the ranked entries with rank ≤ the red-list size (ties at the edge are all in). Black list: the entries
  whose score is at or below the N-th lowest score (ties at the edge are all in), leaving out any already on the red
  list (a peer group smaller than both lists).
- Evening meeting (晚例会): a score under the line (`ScoringSettings.meeting_below`, 60 by default), every period it
  stays under.
- Escalation: the times on a published black list of this campaign and period kind, this one included, pick the
  step of the ladder (`ScoringSettings.black_list_ladder`, else `DEFAULT_LADDER`); past the last step, the last.

The sizes, the line and the rule set are copied into the ranking, so it reads the same when settings change.
Publishing freezes the ranking and its entries: the database refuses any later change (`core.db`). Computing reads a
fixed number of queries and writes with two bulk inserts, whatever the number of units.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from campaign.choices import UnitGroupKind
from campaign.models import Campaign, Unit, UnitGroup
from core.audit import audit_log
from core.errors import DomainError
from scoring.cache import dashboard_invalidate
from scoring.choices import DEFAULT_LADDER, DocumentStatus, ListKind, RankedKind, RankingPeriod
from scoring.models import Ranking, RankingEntry, ScoringSettings
from scoring.rules import rule_set_current
from scoring.scores import period_moments, unit_scores_for_period

CENT = Decimal("0.01")


def scoring_settings(*, campaign: Campaign) -> ScoringSettings:
    return ScoringSettings.objects.filter(campaign=campaign).first() or ScoringSettings(campaign=campaign)


@transaction.atomic
def scoring_settings_update(*, actor, campaign: Campaign, red_list_size: int, black_list_size: int, meeting_below,
                            black_list_ladder: list[str], auto_publish: bool) -> ScoringSettings:  # fmt: skip
    """The office sets the lists' sizes, the evening-meeting line, the escalation ladder and whether the scheduled
    step publishes; rankings computed from then on use them (published ones keep what they were computed with)."""
    if actor is None or not actor.is_office:
        raise DomainError(_("Only the command office changes the ranking settings."), code="forbidden")
    if not (0 <= red_list_size <= 50 and 0 <= black_list_size <= 50):
        raise DomainError(_("The red and black lists hold between 0 and 50 units."))
    if meeting_below is None or not (0 <= Decimal(str(meeting_below)) <= 100):
        raise DomainError(_("The evening-meeting line is a score between 0 and 100."))
    ladder = [step.strip()[:200] for step in black_list_ladder if step and step.strip()]
    row = ScoringSettings.objects.select_for_update().filter(campaign=campaign).first() or ScoringSettings(
        campaign=campaign
    )
    row.red_list_size, row.black_list_size = red_list_size, black_list_size
    row.meeting_below, row.black_list_ladder, row.auto_publish = Decimal(str(meeting_below)), ladder, auto_publish
    row.save()
    audit_log(action="scoring.settings.update", actor=actor, obj=row,
              data={"red": red_list_size, "black": black_list_size, "meeting_below": str(row.meeting_below),
                    "ladder": ladder, "auto_publish": auto_publish})  # fmt: skip
    return row


def period_bounds(*, period: str, period_end: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Weekly: the seven days ending on `period_end`. Monthly: the calendar month of `period_end`, to that day."""
    if period == RankingPeriod.WEEKLY:
        return period_end - datetime.timedelta(days=6), period_end
    if period == RankingPeriod.MONTHLY:
        return period_end.replace(day=1), period_end
    raise DomainError(_("Choose weekly or monthly."))


def previous_end(*, period: str, period_end: datetime.date) -> datetime.date:
    if period == RankingPeriod.WEEKLY:
        return period_end - datetime.timedelta(days=7)
    return period_end.replace(day=1) - datetime.timedelta(days=1)


def competition_ranks(scores: dict) -> dict:
    """key → rank for the keys with a score: highest first, ties share a rank, the next rank skips (1, 1, 3)."""
    ordered = sorted((score for score in scores.values() if score is not None), reverse=True)
    first_at = {}
    for index, score in enumerate(ordered, start=1):
        first_at.setdefault(score, index)
    return {key: first_at[score] for key, score in scores.items() if score is not None}


def list_kinds(scores: dict, ranks: dict, *, red: int, black: int) -> dict:
    """key → ListKind for the red and black lists (see the module docstring)."""
    kinds = {key: ListKind.RED for key, rank in ranks.items() if red and rank <= red}
    ascending = sorted(score for score in scores.values() if score is not None)
    if black and ascending:
        line = ascending[min(black, len(ascending)) - 1]
        for key, score in scores.items():
            if score is not None and score <= line and key not in kinds:
                kinds[key] = ListKind.BLACK
    return kinds


def _ladder(settings: ScoringSettings) -> list[str]:
    return [str(step) for step in (settings.black_list_ladder or []) if str(step).strip()] or [
        str(step) for step in DEFAULT_LADDER
    ]


@transaction.atomic
def ranking_compute(*, actor=None, campaign: Campaign, period: str, period_end: datetime.date,
                    now=None) -> list[Ranking]:  # fmt: skip
    """Build (or rebuild) the draft rankings of the period; a published one is returned as it is."""
    if actor is not None and not actor.is_office:
        raise DomainError(_("Only the command office computes rankings."), code="forbidden")
    now = now or timezone.now()
    start, end = period_bounds(period=period, period_end=period_end)
    if start > timezone.localdate(now):
        raise DomainError(_("The period has not started yet."))
    settings = scoring_settings(campaign=campaign)
    rule_set = rule_set_current(campaign=campaign)
    scores = unit_scores_for_period(campaign=campaign, start=start, end=end, rule_set=rule_set, now=now)

    groups = defaultdict(list)
    kinds = {}
    for group_id, kind, unit_id in (
        UnitGroup.objects.filter(campaign=campaign, kind__in=[UnitGroupKind.PEER, UnitGroupKind.COMMAND])
        .order_by("name", "pk")
        .values_list("pk", "kind", "members")
    ):
        kinds[group_id] = kind
        if unit_id is not None:
            groups[group_id].append(unit_id)
    existing = {
        (ranking.ranked, ranking.peer_group_id): ranking
        for ranking in Ranking.objects.select_for_update(of=("self",))
        .order_by("pk")
        .filter(campaign=campaign, period=period, period_end=period_end)
    }
    published = [ranking for ranking in existing.values() if ranking.is_published]
    drafts = [ranking.pk for ranking in existing.values() if not ranking.is_published]
    Ranking.objects.filter(pk__in=drafts).delete()

    # (ranked, peer group) → {key: (score, components, bundle)}; key is ("unit", id) or ("group", id).
    boards = {}
    for group_id, members in groups.items():
        if kinds[group_id] == UnitGroupKind.PEER:
            boards[(RankedKind.UNITS, group_id)] = {
                ("unit", unit_id): (scores[unit_id].score, scores[unit_id].components, scores[unit_id].bundle_id)
                for unit_id in members if unit_id in scores
            }  # fmt: skip
    commands = {}
    for group_id, members in groups.items():
        if kinds[group_id] == UnitGroupKind.COMMAND:
            member_scores = [scores[m].score for m in members if m in scores and scores[m].score is not None]
            mean = (sum(member_scores, Decimal(0)) / len(member_scores)).quantize(CENT) if member_scores else None
            commands[("group", group_id)] = (mean, {"members": len(members), "scored": len(member_scores)}, None)
    if commands:
        boards[(RankedKind.COMMAND_GROUPS, None)] = commands

    previous = _previous_ranks(campaign=campaign, period=period, period_end=period_end)
    black_before = _black_counts(campaign=campaign, period=period, period_end=period_end)
    ladder = _ladder(settings)
    _begin, _after, cutoff = period_moments(start, end, now)
    rankings, entries = [], []
    for (ranked, peer_group_id), board in boards.items():
        if (ranked, peer_group_id) in {(r.ranked, r.peer_group_id) for r in published}:
            continue
        ranking = Ranking(
            campaign=campaign, period=period, period_start=start, period_end=end, ranked=ranked,
            peer_group_id=peer_group_id, rule_set=rule_set, computed_at=now, cutoff_at=cutoff,
            red_list_size=settings.red_list_size, black_list_size=settings.black_list_size,
            meeting_below=settings.meeting_below,
        )  # fmt: skip
        rankings.append(ranking)
        values = {key: value[0] for key, value in board.items()}
        ranks = competition_ranks(values)
        lists = list_kinds(values, ranks, red=settings.red_list_size, black=settings.black_list_size)
        for key, (score, components, bundle_id) in sorted(board.items(), key=lambda item: item[0]):
            on_black = lists.get(key) == ListKind.BLACK
            count = black_before.get(key, 0) + (1 if on_black else 0)
            entries.append((ranking, RankingEntry(
                unit_id=key[1] if key[0] == "unit" else None, group_id=key[1] if key[0] == "group" else None,
                bundle_id=bundle_id, score=score, components=components, rank=ranks.get(key),
                previous_rank=previous.get((ranked, peer_group_id, key)), list_kind=lists.get(key, ""),
                evening_meeting=score is not None and score < settings.meeting_below,
                black_list_count=count if on_black else black_before.get(key, 0),
                escalation=ladder[min(count, len(ladder)) - 1] if on_black else "",
            )))  # fmt: skip
    Ranking.objects.bulk_create(rankings)
    for ranking, entry in entries:
        entry.ranking = ranking
    RankingEntry.objects.bulk_create([entry for _ranking, entry in entries])
    audit_log(action="scoring.ranking.compute", actor=actor, object_repr=f"{period} {period_end}",
              data={"campaign": campaign.pk, "rankings": len(rankings), "entries": len(entries)})  # fmt: skip
    return [*published, *rankings]


def _previous_ranks(*, campaign: Campaign, period: str, period_end: datetime.date) -> dict:
    rows = RankingEntry.objects.filter(
        ranking__campaign=campaign, ranking__period=period, ranking__status=DocumentStatus.PUBLISHED,
        ranking__period_end=previous_end(period=period, period_end=period_end),
    ).values_list("ranking__ranked", "ranking__peer_group_id", "unit_id", "group_id", "rank")  # fmt: skip
    return {
        (ranked, peer_group_id, ("unit", unit_id) if unit_id else ("group", group_id)): rank
        for ranked, peer_group_id, unit_id, group_id, rank in rows
    }


def _black_counts(*, campaign: Campaign, period: str, period_end: datetime.date) -> dict:
    rows = (
        RankingEntry.objects.filter(ranking__campaign=campaign, ranking__period=period, list_kind=ListKind.BLACK,
                                    ranking__status=DocumentStatus.PUBLISHED, ranking__period_end__lt=period_end)
        .values("unit_id", "group_id")
        .annotate(times=Count("pk"))
    )  # fmt: skip
    return {("unit", r["unit_id"]) if r["unit_id"] else ("group", r["group_id"]): r["times"] for r in rows}


@transaction.atomic
def ranking_publish(*, actor, ranking: Ranking, now=None) -> Ranking:
    """Publish a draft: from now on it never changes. Publishing again changes nothing."""
    if actor is not None and not actor.is_office:
        raise DomainError(_("Only the command office publishes rankings."), code="forbidden")
    ranking = Ranking.objects.select_for_update().get(pk=ranking.pk)
    if ranking.is_published:
        return ranking
    ranking.status = DocumentStatus.PUBLISHED
    ranking.published_at = now or timezone.now()
    ranking.published_by = actor
    ranking.save(update_fields=["status", "published_at", "published_by"])
    dashboard_invalidate(campaign_id=ranking.campaign_id)
    audit_log(action="scoring.ranking.publish", actor=actor, obj=ranking, data={"period_end": str(ranking.period_end)})
    return ranking


def cycle_rankings(*, campaign: Campaign, date: datetime.date, now) -> dict:
    """The scheduled step on the weekly day: the week's rankings, published at once if the campaign says so."""
    rankings = ranking_compute(campaign=campaign, period=RankingPeriod.WEEKLY, period_end=date, now=now)
    published = 0
    if scoring_settings(campaign=campaign).auto_publish:
        for ranking in rankings:
            if not ranking.is_published:
                ranking_publish(actor=None, ranking=ranking, now=now)
                published += 1
    return {"rankings": len(rankings), "published": published}


# --- reading ------------------------------------------------------------------------------------------------------


def ranking_list(*, user, campaign: Campaign | None = None) -> QuerySet[Ranking]:
    """Rankings the user may read: published ones for everyone in the campaign, drafts for the office."""
    if not user.is_authenticated:
        return Ranking.objects.none()
    rankings = Ranking.objects.visible_to(user).select_related("peer_group", "rule_set")
    if campaign is not None:
        rankings = rankings.filter(campaign=campaign)
    if not user.is_office:
        rankings = rankings.filter(status=DocumentStatus.PUBLISHED)
    return rankings.annotate(
        entry_count=Count("entries"), meeting_count=Count("entries", filter=Q(entries__evening_meeting=True))
    ).order_by("-period_end", "period", "ranked", "peer_group__name", "pk")


def ranking_entries(*, ranking: Ranking) -> QuerySet[RankingEntry]:
    return ranking.entries.select_related("unit", "group", "bundle").order_by(
        "rank", "unit__path", "group__name", "pk"
    )


def evening_meeting_units(*, campaign: Campaign) -> QuerySet[Unit]:
    """Units under the line in the latest published weekly ranking they are in: they hold the evening meeting
    until a later ranking has them back above."""
    latest = (
        Ranking.objects.filter(campaign=campaign, period=RankingPeriod.WEEKLY, status=DocumentStatus.PUBLISHED)
        .order_by("-period_end")
        .values_list("period_end", flat=True)
        .first()
    )
    if latest is None:
        return Unit.objects.none()
    return Unit.objects.filter(
        ranking_entries__ranking__campaign=campaign, ranking_entries__ranking__period=RankingPeriod.WEEKLY,
        ranking_entries__ranking__status=DocumentStatus.PUBLISHED, ranking_entries__ranking__period_end=latest,
        ranking_entries__evening_meeting=True,
    ).distinct().order_by("path")  # fmt: skip
