"""Pages of rankings and scores: the rankings (published for everyone in the campaign, drafts for the office, who
computes and publishes them), a ranking with its red and black lists, evening-meeting flags and rank changes, a
unit's score drilled down to its components and the records behind them, and the scoring rules with their
versions. Every list is filtered and exported."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from core.errors import DomainError
from core.excel import Column, choice_label, write_workbook, xlsx_response
from core.views import FilteredListView
from scoring.choices import DEFAULT_LADDER, RankingPeriod
from scoring.filters import RankingFilterSet
from scoring.forms import styled
from scoring.models import RankingEntry, ScoreRuleSet
from scoring.rankings import (
    ranking_compute,
    ranking_entries,
    ranking_list,
    ranking_publish,
    scoring_settings,
    scoring_settings_update,
)
from scoring.rules import COMPONENTS, rule_set_create, rule_set_current

COMPONENT_LABELS = {
    "inspection": gettext_lazy("Inspections"),
    "rectification": gettext_lazy("Rectification"),
    "daily_reports": gettext_lazy("Daily reports on time"),
    "dispatch": gettext_lazy("Dispatch orders done"),
    "materials": gettext_lazy("Materials complete"),
}


def _local(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


class RankingListView(FilteredListView):
    template_name = "scoring/ranking_list.html"
    filterset_class = RankingFilterSet
    export_title = gettext_lazy("Rankings")
    export_columns = [
        Column(gettext_lazy("Period"), 10),
        Column(gettext_lazy("From"), 12),
        Column(gettext_lazy("To"), 12),
        Column(gettext_lazy("Peer group"), 24),
        Column(gettext_lazy("Status"), 10),
        Column(gettext_lazy("Units"), 8),
        Column(gettext_lazy("Evening meeting"), 10),
        Column(gettext_lazy("Rule set"), 20),
    ]

    def get_queryset(self):
        if not self.request.campaign:
            return ranking_list(user=self.request.user).none()
        return ranking_list(user=self.request.user, campaign=self.request.campaign)

    def export_row(self, ranking):
        return [choice_label(ranking, "period"), ranking.period_start, ranking.period_end,
                str(ranking.peer_group or choice_label(ranking, "ranked")), choice_label(ranking, "status"),
                ranking.entry_count, ranking.meeting_count, str(ranking.rule_set)]  # fmt: skip

    def get_context_data(self, **kwargs):
        return super().get_context_data(periods=RankingPeriod.choices, today=timezone.localdate(), **kwargs)


def _ranking(request, pk):
    ranking = ranking_list(user=request.user).filter(pk=pk).first() if request.user.is_authenticated else None
    if ranking is None:
        raise Http404
    return ranking


class RankingDetailView(TemplateView):
    template_name = "scoring/ranking_detail.html"
    export_columns = [
        Column(gettext_lazy("Rank"), 6),
        Column(gettext_lazy("Previous rank"), 8),
        Column(gettext_lazy("Code"), 14),
        Column(gettext_lazy("Unit"), 28),
        Column(gettext_lazy("Score"), 8),
        *[Column(label, 10) for label in COMPONENT_LABELS.values()],
        Column(gettext_lazy("List"), 8),
        Column(gettext_lazy("Evening meeting"), 8),
        Column(gettext_lazy("Times on the black list"), 8),
        Column(gettext_lazy("Escalation step"), 24),
    ]

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return HttpResponseRedirect(f"{reverse('login')}?next={request.path}")
        ranking = _ranking(request, kwargs["pk"])
        entries = list(ranking_entries(ranking=ranking))
        if request.GET.get("export") == "xlsx":
            rows = [[e.rank, e.previous_rank, e.unit.code if e.unit else "", str(e.unit or e.group), e.score,
                     *[(e.components.get(name) or {}).get("points") if e.unit else None for name in COMPONENT_LABELS],
                     e.get_list_kind_display(), _("Yes") if e.evening_meeting else "", e.black_list_count,
                     e.escalation] for e in entries]  # fmt: skip
            name = f"{ranking.peer_group or ranking.get_ranked_display()}-{ranking.period_end}"
            return xlsx_response(filename=name, content=write_workbook(sheets=[(name, self.export_columns, rows)]))
        return self.render_to_response(self.get_context_data(ranking=ranking, entries=entries))


@login_required
@require_POST
def ranking_compute_view(request):
    campaign = request.campaign
    if not campaign or not request.user.is_office:
        raise Http404
    period = request.POST.get("period") or RankingPeriod.WEEKLY
    try:
        day = parse_date(request.POST.get("date") or "")
    except ValueError:
        day = None
    if day is None or period not in RankingPeriod.values or day > timezone.localdate():
        messages.error(request, _("Choose a period and its last day, up to today."))
        return HttpResponseRedirect(reverse("ranking_list"))
    try:
        rankings = ranking_compute(actor=request.user, campaign=campaign, period=period, period_end=day)
    except DomainError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("ranking_list"))
    messages.success(request, _("%(count)s rankings computed; drafts until published.") % {"count": len(rankings)})
    return HttpResponseRedirect(f"{reverse('ranking_list')}?date_after={day}&date_before={day}")


@login_required
@require_POST
def ranking_publish_view(request, pk):
    ranking = _ranking(request, pk)
    if not request.user.is_office:
        raise Http404
    try:
        ranking_publish(actor=request.user, ranking=ranking)
        messages.success(request, _("Published."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("ranking_detail", args=[ranking.pk]))


class RankingEntryView(TemplateView):
    """A unit's score in a ranking, drilled down: each component's value, counts, weight and points, the rule set,
    and links to the records behind them."""

    template_name = "scoring/ranking_entry.html"

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return HttpResponseRedirect(f"{reverse('login')}?next={request.path}")
        entry = (
            RankingEntry.objects.filter(pk=kwargs["pk"], ranking__in=ranking_list(user=request.user).values("pk"))
            .select_related("ranking", "ranking__rule_set", "ranking__peer_group", "unit", "group", "bundle")
            .first()
        )
        if entry is None:
            raise Http404
        components = [
            {"name": name, "label": COMPONENT_LABELS.get(name, name), **values}
            for name, values in entry.components.items()
            if name in COMPONENT_LABELS
        ]
        return self.render_to_response(self.get_context_data(
            entry=entry, ranking=entry.ranking, components=components,
            deductions=entry.components.get("deductions"), rules=entry.ranking.rule_set.rules,
        ))  # fmt: skip


class SettingsForm(forms.Form):
    red_list_size = forms.IntegerField(label=_("Red list size"), min_value=0, max_value=50)
    black_list_size = forms.IntegerField(label=_("Black list size"), min_value=0, max_value=50)
    meeting_below = forms.DecimalField(label=_("Evening meeting below"), min_value=0, max_value=100, decimal_places=2)
    black_list_ladder = forms.CharField(
        label=_("Black-list escalation ladder"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One step per line: the first time on the black list, the second, the third …"),
    )  # fmt: skip
    auto_publish = forms.BooleanField(label=_("Publish rankings on schedule"), required=False)


def _settings_form(campaign, data=None):
    row = scoring_settings(campaign=campaign)
    ladder = row.black_list_ladder or [str(step) for step in DEFAULT_LADDER]
    initial = {"red_list_size": row.red_list_size, "black_list_size": row.black_list_size,
               "meeting_below": row.meeting_below, "auto_publish": row.auto_publish,
               "black_list_ladder": "\n".join(ladder)}  # fmt: skip
    form = styled(SettingsForm(data, initial=initial))
    form.fields["auto_publish"].widget.attrs["class"] = "form-check-input"
    return form


@login_required
@require_POST
def scoring_settings_view(request):
    campaign = request.campaign
    if not campaign or not request.user.is_office:
        raise Http404
    form = _settings_form(campaign, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            scoring_settings_update(actor=request.user, campaign=campaign, red_list_size=data["red_list_size"],
                                    black_list_size=data["black_list_size"], meeting_below=data["meeting_below"],
                                    black_list_ladder=data["black_list_ladder"].splitlines(),
                                    auto_publish=data["auto_publish"])  # fmt: skip
            messages.success(request, _("Saved; rankings computed from now on use these settings."))
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return HttpResponseRedirect(reverse("score_rules"))


class ScoreRulesView(TemplateView):
    """The scoring rules in force with their earlier versions, and the ranking settings; the office saves a changed
    version of the rules and changes the settings."""

    template_name = "scoring/score_rules.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return HttpResponseRedirect(f"{reverse('login')}?next={request.path}")
        if not request.campaign:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        current = rule_set_current(campaign=request.campaign)
        return self._render(request, current, json.dumps(current.rules, ensure_ascii=False, indent=2), "", "")

    def post(self, request, *args, **kwargs):
        if not request.user.is_office:
            raise Http404
        text = request.POST.get("rules", "")
        name, note = request.POST.get("name", ""), request.POST.get("note", "")
        error = None
        try:
            rules = json.loads(text)
        except ValueError as exc:
            error = _("The rules are not valid JSON: %(error)s") % {"error": exc}
        if error is None:
            try:
                rule_set = rule_set_create(actor=request.user, campaign=request.campaign, rules=rules, name=name,
                                           note=note)  # fmt: skip
            except DomainError as exc:
                error = exc.message
            else:
                messages.success(request, _("Version %(version)s saved; rankings computed from now on use it.")
                                 % {"version": rule_set.version})  # fmt: skip
                return HttpResponseRedirect(reverse("score_rules"))
        current = rule_set_current(campaign=request.campaign)
        return self._render(request, current, text, name, note, error=error)

    def _render(self, request, current, text, name, note, error=None):
        versions = ScoreRuleSet.objects.filter(campaign=request.campaign).select_related("created_by")
        components = [
            {"name": key, "label": COMPONENT_LABELS[key], **current.rules["components"][key]}
            for key in COMPONENTS
            if key in current.rules.get("components", {})
        ]
        return render(request, self.template_name, {
            "current": current, "versions": versions, "components": components, "text": text, "name": name,
            "note": note, "error": error, "settings_form": _settings_form(request.campaign),
        }, status=400 if error else 200)  # fmt: skip
