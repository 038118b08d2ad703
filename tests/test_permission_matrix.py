"""Every URL × every role × own and other object, with the expected outcome kept as data.

A new URL pattern without a row here fails `test_every_url_is_in_the_matrix`. Outcomes: an HTTP status, or LOGIN
(redirect to the sign-in page). Objects outside a user's scope answer 404 and show nothing of themselves.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from campaign.models import Campaign, Unit
from campaign.services import leader_assign, sampling_draw
from core.models import AuditEvent, User

LOGIN = "login"
ROLES = ["anonymous", "liaison", "head", "inspector", "leader", "staff", "admin"]
USERS = {
    "liaison": "liaison_community",  # liaison of 幸福社区 (unit A)
    "head": "head_street",  # head of 东华街道, the street above unit A
    "inspector": "inspector",
    "leader": "leader_east",  # leader of 东城区 (district X)
    "staff": "office",
    "admin": "admin",
}
OWN_UNIT, OTHER_UNIT = "SFS-DC-DH-XF", "SFS-XC-XH-LY"
OWN_CAMPAIGN, OTHER_CAMPAIGN = "sfs-2027", "sfs-2025-review"


def row(anonymous, liaison, head, inspector, leader, staff, admin):
    return dict(zip(ROLES, [anonymous, liaison, head, inspector, leader, staff, admin], strict=True))


EVERYONE = row(LOGIN, 200, 200, 200, 200, 200, 200)
OFFICE_ONLY = row(LOGIN, 404, 404, 404, 404, 200, 200)
API_EVERYONE = row(403, 200, 200, 200, 200, 200, 200)
# Writes are the office's: others are refused before any object is looked up; an empty body is refused with reasons
# (POST) or changes nothing (PATCH).
API_STAFF_CREATE = row(403, 403, 403, 403, 403, 400, 400)
API_STAFF_PATCH = row(403, 403, 403, 403, 403, 200, 200)
# Public intake: the same for everyone, signed in or not.
PUBLIC = row(200, 200, 200, 200, 200, 200, 200)

# (url name, method, object) → expected outcome per role
MATRIX = {
    ("home", "get", None): row(LOGIN, 302, 302, 302, 302, 302, 302),
    ("home_office", "get", None): OFFICE_ONLY,
    # The dashboard: everyone signed in, each within their scope (tests/scoring/test_dashboard.py checks the rows).
    ("dashboard", "get", None): EVERYONE,
    ("dashboard_hall", "get", None): EVERYONE,
    ("dashboard_export", "get", "dashboard_panel"): EVERYONE,
    ("api:dashboard-overview", "get", None): API_EVERYONE,
    ("api:dashboard-projection", "get", None): API_EVERYONE,
    ("api:dashboard-rankings", "get", None): API_EVERYONE,
    ("api:dashboard-lists", "get", None): API_EVERYONE,
    ("api:dashboard-problems-trend", "get", None): API_EVERYONE,
    ("api:dashboard-problems-by-category", "get", None): API_EVERYONE,
    ("api:dashboard-problems-by-unit", "get", None): API_EVERYONE,
    ("api:dashboard-daily-reports", "get", None): API_EVERYONE,
    ("api:dashboard-shortfalls", "get", None): API_EVERYONE,
    ("api:dashboard-grid-point-types", "get", None): API_EVERYONE,
    ("home_units", "get", None): EVERYONE,
    ("home_inspector", "get", None): EVERYONE,
    ("unit_list", "get", None): EVERYONE,
    ("unit_detail", "get", "own_unit"): EVERYONE,
    ("unit_detail", "get", "other_unit"): row(LOGIN, 404, 404, 200, 404, 200, 200),
    ("campaign_switch", "post", "own_campaign"): row(LOGIN, 302, 302, 302, 302, 302, 302),
    ("campaign_switch", "post", "other_campaign"): row(LOGIN, 404, 404, 302, 404, 302, 302),
    ("audit_event_list", "get", None): OFFICE_ONLY,
    ("login", "get", None): row(200, 302, 302, 302, 302, 302, 302),
    ("logout", "post", None): row(302, 302, 302, 302, 302, 302, 302),
    ("password_change", "get", None): EVERYONE,
    ("password_change_done", "get", None): EVERYONE,
    ("api:me", "get", None): API_EVERYONE,
    ("api:campaign-list", "get", None): API_EVERYONE,
    ("api:campaign-detail", "get", "own_campaign"): API_EVERYONE,
    ("api:campaign-detail", "get", "other_campaign"): row(403, 404, 404, 200, 404, 200, 200),
    ("api:unit-list", "get", None): API_EVERYONE,
    ("api:unit-detail", "get", "own_unit"): API_EVERYONE,
    ("api:unit-detail", "get", "other_unit"): row(403, 404, 404, 200, 404, 200, 200),
    # Staff may write; an empty body is refused with reasons.
    ("api:unit-list", "post", None): row(403, 403, 403, 403, 403, 400, 400),
    ("api:unit-detail", "patch", "own_unit"): row(403, 403, 403, 403, 403, 200, 200),
    ("api:campaign-list", "post", None): row(403, 403, 403, 403, 403, 400, 400),
    ("api:unit-detail", "delete", "own_unit"): row(403, 403, 403, 403, 403, 405, 405),
    ("api:api_token", "post", None): row(400, 400, 400, 400, 400, 400, 400),
    ("api_schema", "get", None): API_EVERYONE,
    ("api_docs", "get", None): API_EVERYONE,
    ("api_redoc", "get", None): API_EVERYONE,
    ("favicon", "get", None): row(301, 301, 301, 301, 301, 301, 301),
    ("indicator_tree", "get", None): EVERYONE,
    ("indicator_system_version", "post", None): row(LOGIN, 404, 404, 404, 404, 302, 302),
    ("import_new", "get", None): OFFICE_ONLY,
    ("import_new", "post", None): row(LOGIN, 404, 404, 404, 404, 200, 200),
    ("import_template", "get", "template"): EVERYONE,
    ("job_detail", "get", "job"): OFFICE_ONLY,
    ("job_start", "post", "job"): row(LOGIN, 404, 404, 404, 404, 302, 302),
    # A long list's export is a job of whoever asked for it: they and the office see it and download its file.
    ("job_list", "get", None): EVERYONE,
    ("job_detail", "get", "own_export_job"): row(LOGIN, 200, 404, 404, 404, 200, 200),
    ("job_download", "get", "own_export_job"): row(LOGIN, 200, 404, 404, 404, 200, 200),
    ("job_download", "get", "job"): row(LOGIN, 404, 404, 404, 404, 404, 404),
    ("api:indicator-list", "get", None): API_EVERYONE,
    ("api:indicator-detail", "get", "own_indicator"): API_EVERYONE,
    ("api:indicator-detail", "get", "other_indicator"): row(403, 404, 404, 200, 404, 200, 200),
    ("task_division", "get", None): EVERYONE,
    ("my_responsibilities", "get", None): EVERYONE,
    # Posted for 东华街道: only its head acknowledges; others are refused (302 with a message) or do not see it (404).
    ("task_acknowledge", "post", "street_task"): row(LOGIN, 404, 302, 302, 302, 302, 302),
    ("manual", "get", None): EVERYONE,
    ("coverage", "get", None): row(LOGIN, 404, 404, 200, 404, 200, 200),
    ("campaign_status", "post", None): row(LOGIN, 404, 404, 404, 404, 302, 302),
    ("api:campaign-coverage", "get", "own_campaign"): row(403, 404, 404, 200, 404, 200, 200),
    ("api:grid-list", "get", None): API_EVERYONE,
    ("api:grid-detail", "get", "own_grid"): API_EVERYONE,
    ("api:grid-detail", "get", "other_grid"): row(403, 404, 404, 200, 404, 200, 200),
    ("api:point-list", "get", None): API_EVERYONE,
    ("api:point-detail", "get", "own_point"): API_EVERYONE,
    ("api:point-detail", "get", "other_point"): row(403, 404, 404, 200, 404, 200, 200),
    ("sampling_list", "get", None): row(LOGIN, 404, 404, 200, 404, 200, 200),
    ("sampling_draw", "post", None): row(LOGIN, 404, 404, 404, 404, 302, 302),
    ("sampling_detail", "get", "sampling"): row(LOGIN, 404, 404, 200, 404, 200, 200),
    ("api:sampling-list", "get", None): API_EVERYONE,
    ("api:sampling-detail", "get", "sampling"): row(403, 404, 404, 200, 404, 200, 200),
    ("api:task-assignment-list", "get", None): API_EVERYONE,
    ("api:task-assignment-detail", "get", "street_task"): row(403, 404, 200, 200, 200, 200, 200),
    ("api:unit-group-list", "get", None): API_EVERYONE,
    ("api:unit-group-detail", "get", "command_group"): API_EVERYONE,
    ("api:command-group-list", "get", None): API_EVERYONE,
    ("api:command-group-detail", "get", "command_group"): API_EVERYONE,
    ("api:pairing-list", "get", None): API_EVERYONE,
    ("api:pairing-detail", "get", "own_pairing"): row(403, 200, 200, 200, 200, 200, 200),
    ("api:pairing-detail", "get", "other_pairing"): row(403, 404, 404, 200, 404, 200, 200),
    ("api:point-type-list", "get", None): API_EVERYONE,
    ("api:point-type-detail", "get", "own_point_type"): API_EVERYONE,
    ("api:point-type-detail", "get", "other_point_type"): row(403, 404, 404, 200, 404, 200, 200),
    ("responsibility_edit", "get", "own_point"): OFFICE_ONLY,
    ("responsibility_edit", "post", "own_point"): row(LOGIN, 404, 404, 404, 404, 302, 302),
    ("notification_list", "get", None): EVERYONE,
    # Everyone marks only their own notifications read; with no id, all of them.
    ("notifications_read", "post", None): row(LOGIN, 302, 302, 302, 302, 302, 302),
    ("problem_list", "get", None): EVERYONE,
    # Nothing ticked: a message, nothing assigned.
    ("problems_assign_bulk", "post", None): row(LOGIN, 404, 404, 404, 404, 302, 302),
    ("dispute_list", "get", None): OFFICE_ONLY,
    ("dispute_escalate", "post", "open_dispute"): row(LOGIN, 404, 404, 404, 404, 302, 302),
    # An empty choice is refused with a message on the problem's page.
    ("problem_apply_to_all", "post", "own_problem"): row(LOGIN, 404, 404, 404, 404, 302, 302),
    # Nothing chosen to merge into: a message on the problem's page.
    ("problem_merge", "post", "own_problem"): row(LOGIN, 404, 404, 404, 404, 302, 302),
    ("recheck_list", "get", None): row(LOGIN, 404, 404, 200, 404, 200, 200),
    # An empty form is shown again with its errors; nothing is recorded.
    ("recheck_record", "get", "recheck"): row(LOGIN, 404, 404, 200, 404, 200, 200),
    ("recheck_record", "post", "recheck"): row(LOGIN, 404, 404, 200, 404, 200, 200),
    ("problem_new", "get", None): row(LOGIN, 200, 200, 200, 404, 200, 200),
    ("problem_new", "post", None): row(LOGIN, 200, 200, 200, 404, 200, 200),
    ("problem_detail", "get", "own_problem"): EVERYONE,
    ("problem_detail", "get", "other_problem"): row(LOGIN, 404, 404, 200, 404, 200, 200),
    # An empty move is refused with a message on the problem's page; others do not learn the problem exists.
    ("problem_move", "post", "own_problem"): row(LOGIN, 302, 302, 302, 302, 302, 302),
    ("problem_move", "post", "other_problem"): row(LOGIN, 404, 404, 302, 404, 302, 302),
    ("problem_photo", "get", "own_photo"): EVERYONE,
    ("problem_photo", "get", "other_photo"): row(LOGIN, 404, 404, 200, 404, 200, 200),
    ("api:problem-list", "get", None): API_EVERYONE,
    ("api:problem-list", "post", None): row(403, 400, 400, 400, 403, 400, 400),
    ("api:problem-detail", "get", "own_problem"): API_EVERYONE,
    ("api:problem-detail", "get", "other_problem"): row(403, 404, 404, 200, 404, 200, 200),
    ("api:problem-transitions", "get", "own_problem"): API_EVERYONE,
    ("api:problem-transitions", "get", "other_problem"): row(403, 404, 404, 200, 404, 200, 200),
    ("api:problem-transitions", "post", "own_problem"): row(403, 400, 400, 400, 403, 400, 400),
    ("api:problem-transitions", "post", "other_problem"): row(403, 404, 404, 400, 403, 400, 400),
    ("api:dispute-list", "get", None): API_EVERYONE,
    ("api:dispute-detail", "get", "open_dispute"): API_EVERYONE,
    ("api:recheck-list", "get", None): API_EVERYONE,
    ("api:recheck-detail", "get", "recheck"): API_EVERYONE,
    ("api:grid-list", "post", None): API_STAFF_CREATE,
    ("api:sampling-list", "post", None): API_STAFF_CREATE,
    ("api:unit-group-list", "post", None): API_STAFF_CREATE,
    ("api:unit-group-detail", "patch", "command_group"): API_STAFF_PATCH,
    ("api:command-group-list", "post", None): API_STAFF_CREATE,
    ("api:command-group-detail", "patch", "command_group"): API_STAFF_PATCH,
    ("api:grid-detail", "patch", "own_grid"): API_STAFF_PATCH,
    ("api:point-list", "post", None): API_STAFF_CREATE,
    ("api:point-detail", "patch", "own_point"): API_STAFF_PATCH,
    ("api:indicator-list", "post", None): API_STAFF_CREATE,
    ("api:indicator-detail", "patch", "own_indicator"): API_STAFF_PATCH,
    ("api:task-assignment-list", "post", None): API_STAFF_CREATE,
    ("api:task-assignment-detail", "patch", "street_task"): API_STAFF_PATCH,
    ("api:responsibility-list", "get", None): API_EVERYONE,
    ("api:responsibility-detail", "get", "own_responsibility"): API_EVERYONE,
    ("api:responsibility-detail", "get", "other_responsibility"): row(403, 404, 404, 200, 404, 200, 200),
    # 科学大道 lies outside 东城区, but its leader answers for it as a road section (路段包保).
    ("api:responsibility-detail", "get", "road_responsibility"): row(403, 404, 404, 200, 200, 200, 200),
    ("api:responsibility-detail", "patch", "own_responsibility"): API_STAFF_PATCH,
    ("api:responsibility-detail", "delete", "own_responsibility"): row(403, 403, 403, 403, 403, 405, 405),
    ("api:leader-assignment-list", "get", None): API_EVERYONE,
    ("api:leader-assignment-list", "post", None): API_STAFF_CREATE,
    ("api:leader-assignment-detail", "get", "east_assignment"): row(403, 404, 404, 200, 200, 200, 200),
    ("api:leader-assignment-detail", "delete", "fresh_assignment"): row(403, 403, 403, 403, 403, 204, 204),
    ("category_list", "get", None): OFFICE_ONLY,
    ("work_calendar", "get", None): OFFICE_ONLY,
    # An empty form is shown again with its errors (200) and changes nothing.
    ("work_calendar_hours", "post", None): row(LOGIN, 404, 404, 404, 404, 200, 200),
    ("calendar_exception_add", "post", None): row(LOGIN, 404, 404, 404, 404, 200, 200),
    ("calendar_exception_remove", "post", "calendar_exception"): row(LOGIN, 404, 404, 404, 404, 302, 302),
    ("api:category-list", "get", None): API_EVERYONE,
    ("api:category-detail", "get", "own_category"): API_EVERYONE,
    ("api:category-detail", "get", "other_category"): row(403, 404, 404, 200, 404, 200, 200),
    ("api:calendar-list", "get", None): API_EVERYONE,
    ("api:calendar-detail", "get", "own_calendar"): API_EVERYONE,
    ("api:calendar-detail", "get", "other_calendar"): row(403, 404, 404, 200, 404, 200, 200),
    # An empty report is refused by the form (200 with the reasons); the done page without a report leads back.
    ("public_report", "get", None): PUBLIC,
    ("public_report", "post", None): PUBLIC,
    ("public_report_done", "get", None): row(302, 302, 302, 302, 302, 302, 302),
    ("public_track", "get", None): PUBLIC,
    ("public_track_detail", "get", "tracking_code"): PUBLIC,
    ("public_track_detail", "get", "wrong_tracking_code"): row(404, 404, 404, 404, 404, 404, 404),
    # Open311 answers to its API key, never to a session: without a key every role is refused.
    ("open311_services", "get", None): PUBLIC,
    ("open311_requests", "get", None): row(403, 403, 403, 403, 403, 403, 403),
    ("open311_requests", "post", None): row(403, 403, 403, 403, 403, 403, 403),
    ("open311_request", "get", "hotline_request"): row(403, 403, 403, 403, 403, 403, 403),
    # The office and leaders read the metrics; without a campaign and dates they are told what is missing.
    ("api:problem-metrics", "get", None): row(403, 403, 403, 403, 400, 400, 400),
    # Daily reports: a unit's head or liaison writes its own (an empty form is shown again with its errors); the
    # office and leaders read within their scope; the office unlocks (an empty reason: a message, nothing changed).
    ("daily_report_form", "get", None): row(LOGIN, 200, 200, 404, 404, 404, 404),
    ("daily_report_form", "post", None): row(LOGIN, 200, 200, 404, 404, 404, 404),
    ("daily_report_list", "get", None): EVERYONE,
    ("daily_compliance", "get", None): EVERYONE,
    ("daily_report_detail", "get", "own_report"): EVERYONE,
    ("daily_report_detail", "get", "other_report"): row(LOGIN, 404, 404, 200, 404, 200, 200),
    ("daily_report_unlock", "post", "own_report"): row(LOGIN, 404, 404, 404, 404, 302, 302),
    ("daily_report_unlock", "post", "other_report"): row(LOGIN, 404, 404, 404, 404, 302, 302),
    ("daily_report_photo", "get", "own_report_photo"): EVERYONE,
    ("daily_report_photo", "get", "other_report_photo"): row(LOGIN, 404, 404, 200, 404, 200, 200),
    ("coordination_list", "get", None): EVERYONE,
    ("coordination_item", "post", "own_coordination_item"): row(LOGIN, 404, 404, 404, 404, 302, 302),
    ("daily_settings", "get", None): OFFICE_ONLY,
    ("daily_settings", "post", None): row(LOGIN, 404, 404, 404, 404, 200, 200),
    ("api:daily-report-list", "get", None): API_EVERYONE,
    ("api:daily-report-list", "post", None): row(403, 400, 400, 403, 403, 400, 400),
    ("api:daily-report-detail", "get", "own_report"): API_EVERYONE,
    ("api:daily-report-detail", "get", "other_report"): row(403, 404, 404, 200, 404, 200, 200),
    ("api:daily-report-unlock", "post", "own_report"): row(403, 403, 403, 403, 403, 400, 400),
    ("api:daily-report-compliance", "get", None): row(403, 400, 400, 400, 400, 400, 400),
    # Reports to the leaders and bulletins: published ones for everyone in the campaign (the report to the leaders
    # for the office, leaders and inspectors), drafts for the office; the office compiles, edits, publishes and
    # corrects; a named unit's head or liaison acknowledges. Yesterday's demo documents are published.
    ("document_list", "get", "kind_bulletin"): EVERYONE,
    ("document_list", "get", "kind_leader_report"): EVERYONE,
    ("document_compile", "post", "kind_bulletin"): row(LOGIN, 404, 404, 404, 404, 302, 302),
    ("document_detail", "get", "bulletin"): EVERYONE,
    ("document_detail", "get", "leader_report"): row(LOGIN, 404, 404, 200, 200, 200, 200),
    ("document_detail", "get", "draft_bulletin"): OFFICE_ONLY,
    ("document_action", "post", "draft_bulletin"): row(LOGIN, 404, 404, 404, 404, 302, 302),
    ("mention_acknowledge", "post", "street_mention"): row(LOGIN, 404, 302, 302, 302, 302, 302),
    # The demo's findings have no photos: a photo the bulletin does not cite is nobody's to fetch through it.
    ("bulletin_photo", "get", "bulletin"): row(LOGIN, 404, 404, 404, 404, 404, 404),
    # Inspections: rounds and findings are read by everyone in the campaign within their scope (an open covert
    # round by the office and inspectors only); the office plans, closes and reviews; the round's inspectors and
    # the office record visits; a visit, its findings and photos are seen by the units and leaders of the point.
    ("inspection_round_list", "get", None): EVERYONE,
    ("inspection_round_create", "get", None): OFFICE_ONLY,
    ("inspection_round_detail", "get", "mock_round"): EVERYONE,
    ("inspection_round_detail", "get", "open_covert_round"): row(LOGIN, 404, 404, 200, 404, 200, 200),
    ("inspection_round_close", "post", "open_round"): row(LOGIN, 404, 404, 404, 404, 302, 302),
    ("inspection_visit", "get", "unvisited_point"): row(LOGIN, 404, 404, 200, 404, 200, 200),
    ("inspection_detail", "get", "own_visit"): EVERYONE,
    ("inspection_detail", "get", "other_visit"): row(LOGIN, 404, 404, 200, 404, 200, 200),
    ("inspection_photo", "get", "own_inspection_photo"): EVERYONE,
    ("inspection_photo", "get", "other_inspection_photo"): row(LOGIN, 404, 404, 200, 404, 200, 200),
    ("finding_list", "get", None): EVERYONE,
    ("findings_approve", "post", None): row(LOGIN, 404, 404, 404, 404, 302, 302),
    ("finding_review", "post", "own_finding"): row(LOGIN, 404, 404, 404, 404, 302, 302),
    ("projection", "get", None): EVERYONE,
    ("api:inspection-round-list", "get", None): API_EVERYONE,
    ("api:inspection-round-list", "post", None): API_STAFF_CREATE,
    ("api:inspection-round-detail", "get", "mock_round"): API_EVERYONE,
    ("api:inspection-round-detail", "get", "open_covert_round"): row(403, 404, 404, 200, 404, 200, 200),
    ("api:inspection-round-close", "post", "open_round"): row(403, 403, 403, 403, 403, 200, 200),
    ("api:inspection-list", "get", None): API_EVERYONE,
    ("api:inspection-list", "post", None): row(403, 403, 403, 400, 403, 400, 400),
    ("api:inspection-detail", "get", "own_visit"): API_EVERYONE,
    ("api:inspection-detail", "get", "other_visit"): row(403, 404, 404, 200, 404, 200, 200),
    ("api:finding-list", "get", None): API_EVERYONE,
    ("api:finding-detail", "get", "own_finding"): API_EVERYONE,
    ("api:finding-review", "post", "own_finding"): API_STAFF_CREATE,
    ("api:finding-approve", "post", None): API_STAFF_CREATE,
    ("api:projection-list", "get", None): API_EVERYONE,
    ("api:projection-detail", "get", "kept_projection"): API_EVERYONE,
    ("api:projection-current", "get", None): row(403, 400, 400, 400, 400, 400, 400),
    # Rankings and scores: published ones for everyone in the campaign (as the bulletin), drafts for the office,
    # who computes and publishes them and changes the scoring rules (an empty change is refused with the reason).
    ("ranking_list", "get", None): EVERYONE,
    ("ranking_compute", "post", None): row(LOGIN, 404, 404, 404, 404, 302, 302),
    ("ranking_detail", "get", "published_ranking"): EVERYONE,
    ("ranking_detail", "get", "draft_ranking"): OFFICE_ONLY,
    ("ranking_publish", "post", "draft_ranking"): row(LOGIN, 404, 404, 404, 404, 302, 302),
    ("ranking_entry", "get", "published_entry"): EVERYONE,
    ("ranking_entry", "get", "draft_entry"): OFFICE_ONLY,
    ("score_rules", "get", None): EVERYONE,
    ("score_rules", "post", None): row(LOGIN, 404, 404, 404, 404, 400, 400),
    ("scoring_settings", "post", None): row(LOGIN, 404, 404, 404, 404, 302, 302),
    ("material_standing", "get", None): EVERYONE,
    # Materials: a unit's people hand in its files; the office reviews; files are read within the unit's scope.
    ("material_list", "get", None): EVERYONE,
    ("material_upload", "get", None): row(LOGIN, 200, 200, 404, 404, 200, 200),
    ("material_file", "get", "own_material"): EVERYONE,
    ("material_file", "get", "other_material"): row(LOGIN, 404, 404, 200, 404, 200, 200),
    ("material_review", "post", "own_material"): row(LOGIN, 404, 404, 404, 404, 302, 302),
    # Accountability: read within the unit's scope; the office records and withdraws (a reason is required).
    ("accountability_list", "get", None): EVERYONE,
    ("accountability_create", "get", None): OFFICE_ONLY,
    ("accountability_withdraw", "post", "own_record"): row(LOGIN, 404, 404, 404, 404, 302, 302),
    ("api:ranking-list", "get", None): API_EVERYONE,
    ("api:ranking-detail", "get", "published_ranking"): API_EVERYONE,
    ("api:ranking-detail", "get", "draft_ranking"): row(403, 404, 404, 404, 404, 200, 200),
    ("api:ranking-compute", "post", None): API_STAFF_CREATE,
    ("api:ranking-publish", "post", "draft_ranking"): row(403, 403, 403, 403, 403, 200, 200),
    ("api:score-list", "get", None): row(403, 400, 400, 400, 400, 400, 400),
    ("api:score-rule-list", "get", None): API_EVERYONE,
    ("api:score-rule-list", "post", None): API_STAFF_CREATE,
    ("api:score-rule-detail", "get", "rule_set"): API_EVERYONE,
    ("api:material-list", "get", None): API_EVERYONE,
    ("api:material-list", "post", None): row(403, 400, 400, 403, 403, 400, 400),
    ("api:material-detail", "get", "own_material"): API_EVERYONE,
    ("api:material-detail", "get", "other_material"): row(403, 404, 404, 200, 404, 200, 200),
    ("api:material-review", "post", "own_material"): row(403, 403, 403, 403, 403, 400, 400),
    ("api:accountability-list", "get", None): API_EVERYONE,
    ("api:accountability-list", "post", None): API_STAFF_CREATE,
    ("api:accountability-detail", "get", "own_record"): API_EVERYONE,
    ("api:accountability-withdraw", "post", "own_record"): API_STAFF_CREATE,
    ("api:leader-report-list", "get", None): API_EVERYONE,
    ("api:leader-report-detail", "get", "leader_report"): row(403, 404, 404, 200, 200, 200, 200),
    ("api:leader-report-compile", "post", None): API_STAFF_CREATE,
    ("api:leader-report-edit", "post", "leader_report"): API_STAFF_CREATE,
    ("api:leader-report-publish", "post", "leader_report"): row(403, 403, 403, 403, 403, 200, 200),
    # The first correction starts version 2; the second is refused while it is being prepared.
    ("api:leader-report-correct", "post", "leader_report"): row(403, 403, 403, 403, 403, 201, 400),
    ("api:bulletin-list", "get", None): API_EVERYONE,
    ("api:bulletin-detail", "get", "bulletin"): API_EVERYONE,
    ("api:bulletin-detail", "get", "draft_bulletin"): row(403, 404, 404, 404, 404, 200, 200),
    ("api:bulletin-compile", "post", None): API_STAFF_CREATE,
    ("api:bulletin-edit", "post", "bulletin"): API_STAFF_CREATE,
    ("api:bulletin-publish", "post", "bulletin"): row(403, 403, 403, 403, 403, 200, 200),
    ("api:bulletin-correct", "post", "draft_bulletin"): row(403, 403, 403, 403, 403, 400, 400),
    ("api:bulletin-acknowledge", "post", "street_mention"): row(403, 403, 200, 403, 403, 403, 403),
    # Daily dispatch: the office issues and cancels; the named unit's own head or liaison answers (幸福社区's liaison
    # here); the street above it, its leader, inspectors and the office see the order but do not answer for it.
    ("dispatch_list", "get", None): EVERYONE,
    ("dispatch_new", "get", None): OFFICE_ONLY,
    # An empty form is shown again with its errors; nothing is issued.
    ("dispatch_new", "post", None): row(LOGIN, 404, 404, 404, 404, 200, 200),
    ("dispatch_detail", "get", "own_dispatch"): EVERYONE,
    ("dispatch_detail", "get", "other_dispatch"): row(LOGIN, 404, 404, 200, 404, 200, 200),
    # Without a reason the office is refused with a message on the order's page.
    ("dispatch_cancel", "post", "own_dispatch"): row(LOGIN, 404, 404, 404, 404, 302, 302),
    ("dispatch_cancel", "post", "other_dispatch"): row(LOGIN, 404, 404, 404, 404, 302, 302),
    # The liaison acknowledges; the others who see the order are refused with a message (302 either way).
    ("dispatch_acknowledge", "post", "own_dispatch_target"): row(LOGIN, 302, 302, 302, 302, 302, 302),
    ("dispatch_acknowledge", "post", "other_dispatch_target"): row(LOGIN, 404, 404, 302, 404, 302, 302),
    # An empty report is refused with a message (the liaison: no note; the others: not theirs to answer).
    ("dispatch_complete", "post", "own_dispatch_target"): row(LOGIN, 302, 302, 302, 302, 302, 302),
    ("dispatch_complete", "post", "other_dispatch_target"): row(LOGIN, 404, 404, 302, 404, 302, 302),
    ("dispatch_evidence", "get", "own_dispatch_evidence"): EVERYONE,
    ("dispatch_evidence", "get", "other_dispatch_evidence"): row(LOGIN, 404, 404, 200, 404, 200, 200),
    ("api:dispatch-order-list", "get", None): API_EVERYONE,
    ("api:dispatch-order-list", "post", None): API_STAFF_CREATE,
    ("api:dispatch-order-detail", "get", "own_dispatch"): API_EVERYONE,
    ("api:dispatch-order-detail", "get", "other_dispatch"): row(403, 404, 404, 200, 404, 200, 200),
    # Others are refused before the order is looked up; the office without a reason gets the reasons.
    ("api:dispatch-order-cancel", "post", "own_dispatch"): API_STAFF_CREATE,
    ("api:dispatch-order-cancel", "post", "other_dispatch"): API_STAFF_CREATE,
    ("api:dispatch-target-list", "get", None): API_EVERYONE,
    ("api:dispatch-target-detail", "get", "own_dispatch_target"): API_EVERYONE,
    ("api:dispatch-target-detail", "get", "other_dispatch_target"): row(403, 404, 404, 200, 404, 200, 200),
    # Only heads and liaisons answer (403 for other roles before any lookup); within those, only the unit's own
    # (403 for the street above it, 404 outside the scope). An administrator passes the role check, not the unit's.
    ("api:dispatch-target-acknowledge", "post", "own_dispatch_target"): row(403, 200, 403, 403, 403, 403, 403),
    ("api:dispatch-target-acknowledge", "post", "other_dispatch_target"): row(403, 404, 404, 403, 403, 403, 403),
    # The liaison without a note is told what is missing.
    ("api:dispatch-target-complete", "post", "own_dispatch_target"): row(403, 400, 403, 403, 403, 403, 403),
    ("api:dispatch-target-complete", "post", "other_dispatch_target"): row(403, 404, 404, 403, 403, 403, 403),
    # Notifications are each person's own, whatever the role: even the office does not read another's.
    ("api:notification-list", "get", None): API_EVERYONE,
    ("api:notification-detail", "get", "liaison_notification"): row(403, 200, 404, 404, 404, 404, 404),
    # Nothing said to mark read: refused with the reason.
    ("api:notification-read", "post", None): row(403, 400, 400, 400, 400, 400, 400),
    # Deliveries by e-mail and to group chats are the office's to watch and retry (a second retry: a message).
    ("delivery_list", "get", None): OFFICE_ONLY,
    ("delivery_retry", "post", "failed_delivery"): row(LOGIN, 404, 404, 404, 404, 302, 302),
}
# Patterns whose access rules belong to Django or a library and are tested there or elsewhere.
NOT_IN_MATRIX = {"set_language"}


def url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_url_is_in_the_matrix():
    covered = {name for name, _method, _obj in MATRIX} | NOT_IN_MATRIX
    missing = sorted(set(url_names()) - covered)
    assert missing == [], f"add these URL names to MATRIX: {missing}"


def a_photo():
    import io

    from PIL import Image

    from core.images import image_clean

    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), "green").save(buffer, "JPEG")
    return image_clean(buffer.getvalue())


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo city and the objects of the matrix, made once for the module inside a transaction that is rolled
    back at its end. Each test runs in a savepoint within it (pytest-django's `db`), rolled back after the test, so
    one row's writes never decide another row's answer."""
    from tests.conftest import demo_for_module

    with demo_for_module(django_db_blocker, tmp_path_factory.mktemp("media")):
        users = {user.username: user for user in User.objects.filter(username__in=USERS.values())}
        yield users, objects()


def objects():
    from django.utils import timezone

    from campaign.dispatch import dispatch_complete, dispatch_order_issue
    from campaign.models import (
        DispatchEvidence,
        Grid,
        Indicator,
        IndicatorSystem,
        LeaderAssignment,
        Pairing,
        Point,
        PointType,
        Responsibility,
        TaskAssignment,
        UnitGroup,
    )
    from core.models import Job
    from rectification.models import CalendarException, Dispute, ProblemCategory, Recheck, WorkCalendar
    from rectification.problems import problem_create, problem_report_public
    from rectification.services import open311_client_create, work_calendar_ensure

    office = User.objects.get(username="office")
    own_dispatch, other_dispatch, own_done, other_done = (
        dispatch_order_issue(actor=office, campaign=Campaign.objects.get(slug=OWN_CAMPAIGN),
                             units=[Unit.objects.get(code=code)], title=title,
                             deadline=timezone.now() + timezone.timedelta(days=1))
        for code, title in [(OWN_UNIT, "清运垃圾"), (OTHER_UNIT, "清运垃圾"), (OWN_UNIT, "更新宣传栏"),
                            (OTHER_UNIT, "更新宣传栏")]
    )  # fmt: skip
    for order, username in [(own_done, "liaison_community"), (other_done, "liaison_west")]:
        dispatch_complete(actor=User.objects.get(username=username), target=order.targets.get(), note="已完成",
                          photos=[a_photo()])  # fmt: skip
    national_day = CalendarException.objects.get(calendar__campaign__slug=OWN_CAMPAIGN, date="2026-10-01")
    other_campaign = Campaign.objects.get(slug=OTHER_CAMPAIGN)
    other_system = IndicatorSystem.objects.create(campaign=other_campaign, version=1, name="复审测评体系")
    inspector = User.objects.get(username="inspector")
    own_problem = problem_create(
        actor=inspector, campaign=Campaign.objects.get(slug=OWN_CAMPAIGN), source="inspection", description="垃圾满溢",
        point=Point.objects.get(code="P0001"), photos=[a_photo()],
    )  # fmt: skip
    other_problem = problem_create(
        actor=inspector, campaign=Campaign.objects.get(slug=OWN_CAMPAIGN), source="inspection", description="井盖缺失",
        point=Point.objects.get(code="P0013"), photos=[a_photo()],
    )  # fmt: skip
    hotline_client, _key = open311_client_create(actor=None, name="12345热线")
    hotline_request = problem_report_public(
        campaign=Campaign.objects.get(slug=OWN_CAMPAIGN), source="hotline", client=hotline_client,
        category=ProblemCategory.objects.get(campaign__slug=OWN_CAMPAIGN, code="BJ0101"), description="井盖缺失",
        address="东华路12号", reporter_phone="13800138000",
    )  # fmt: skip
    closed = problem_create(
        actor=inspector, campaign=Campaign.objects.get(slug=OWN_CAMPAIGN), source="inspection", description="已销号",
        point=Point.objects.get(code="P0001"),
    )  # fmt: skip
    disputed = problem_create(
        actor=inspector, campaign=Campaign.objects.get(slug=OWN_CAMPAIGN), source="inspection", description="争议",
        point=Point.objects.get(code="P0001"),
    )  # fmt: skip
    from django.utils import timezone

    from campaign.models import CoordinationItem, DailyReport, DailyReportPhoto
    from scoring.choices import Period
    from scoring.documents import document_compile
    from scoring.models import Bulletin, BulletinMention, LeaderReport

    own_report = DailyReport.objects.filter(unit__code=OWN_UNIT).latest("date")  # the demo's yesterday
    bulletin = Bulletin.objects.get(campaign__slug=OWN_CAMPAIGN, status="published")
    today = timezone.localdate()
    draft_bulletin = document_compile(model=Bulletin, campaign=bulletin.campaign, period=Period.DAILY, end_date=today)
    other_report = DailyReport.objects.filter(unit__code=OTHER_UNIT).latest("date")
    from core.models import Delivery, Notification
    from core.notifications import Draft, notify
    from scoring.choices import ItemResult, RoundKind
    from scoring.inspections import round_create
    from scoring.models import InspectionItem, InspectionRound, RoundPoint

    failing = InspectionItem.objects.filter(result=ItemResult.NOT_MET, inspection__round__status="closed")
    own_finding = failing.filter(inspection__unit__code=OWN_UNIT).first()
    other_finding = failing.filter(inspection__unit__code__startswith="SFS-XC").first()
    open_round = InspectionRound.objects.get(campaign__slug=OWN_CAMPAIGN, status="open", kind=RoundKind.ROUTINE)
    open_covert_round = round_create(
        actor=office, campaign=open_round.campaign, kind=RoundKind.COVERT, name="夜间暗访", starts_on=today,
        ends_on=today, points=[Point.objects.get(code="P0001")],
    )  # fmt: skip
    from django.core.files.uploadedfile import SimpleUploadedFile

    from scoring.accountability import accountability_record
    from scoring.materials import material_criteria, material_upload
    from scoring.models import Ranking
    from scoring.rankings import ranking_compute

    own_campaign = open_round.campaign
    published_ranking = Ranking.objects.filter(campaign=own_campaign, status="published", ranked="units").first()
    draft_ranking = ranking_compute(campaign=own_campaign, period="monthly", period_end=today)[0]
    criterion = material_criteria(campaign=own_campaign).first()

    def material(unit_code):
        return material_upload(actor=office, campaign=own_campaign, criterion=criterion,
                               unit=Unit.objects.get(code=unit_code), title="台账",
                               file=SimpleUploadedFile("a.pdf", b"%PDF-1.4 matrix"))  # fmt: skip

    liaison = User.objects.get(username=USERS["liaison"])
    event = "problem.overdue:1:20261120T1730"
    notify([Draft(recipient_id=liaison.pk, kind="problem.overdue", key=event, title="超期")])
    liaison_notification = Notification.objects.get(recipient=liaison, event_key=event)
    return {
        "kind_bulletin": "bulletin",
        "kind_leader_report": "leader_report",
        "bulletin": bulletin,
        "leader_report": LeaderReport.objects.get(campaign__slug=OWN_CAMPAIGN, status="published"),
        "draft_bulletin": draft_bulletin,
        "street_mention": BulletinMention.objects.get(bulletin=bulletin, unit__code="SFS-DC-DH"),
        "liaison_notification": liaison_notification,
        "mock_round": InspectionRound.objects.get(campaign__slug=OWN_CAMPAIGN, name="第二次模拟测评"),
        "open_round": open_round,
        "published_ranking": published_ranking,
        "rule_set": draft_ranking.rule_set,
        "draft_ranking": draft_ranking,
        "published_entry": published_ranking.entries.exclude(unit=None).first(),
        "draft_entry": draft_ranking.entries.exclude(unit=None).first(),
        "own_material": material(OWN_UNIT),
        "other_material": material(OTHER_UNIT),
        "own_record": accountability_record(
            actor=office,
            campaign=own_campaign,
            unit=Unit.objects.get(code=OWN_UNIT),
            kind="talk",
            reason="约谈",
            decided_on=today,
        ),
        "kept_projection": InspectionRound.objects.get(campaign__slug=OWN_CAMPAIGN, name="第二次模拟测评").projection,
        "open_covert_round": open_covert_round,
        "unvisited_point": RoundPoint.objects.filter(round=open_round)
        .exclude(point__inspections__round=open_round)
        .first(),
        "own_visit": own_finding.inspection,
        "other_visit": other_finding.inspection,
        "own_finding": own_finding,
        "own_inspection_photo": lambda: _inspection_photo(own_finding),
        "other_inspection_photo": lambda: _inspection_photo(other_finding),
        "failed_delivery": Delivery.objects.create(
            channel="email", notification=liaison_notification, status="failed", attempts=8, last_error="timed out"
        ),
        "own_report": own_report,
        "other_report": other_report,
        "own_report_photo": lambda: (
            DailyReportPhoto.build_from(a_photo(), uploaded_by=None, report=own_report).save()
            or own_report.photos.first()
        ),
        "other_report_photo": lambda: (
            DailyReportPhoto.build_from(a_photo(), uploaded_by=None, report=other_report).save()
            or other_report.photos.first()
        ),
        "own_coordination_item": CoordinationItem.objects.get(unit__code=OWN_UNIT),
        "own_dispatch": own_dispatch,
        "other_dispatch": other_dispatch,
        "own_dispatch_target": own_dispatch.targets.get(),
        "other_dispatch_target": other_dispatch.targets.get(),
        "own_dispatch_evidence": DispatchEvidence.objects.get(target__order=own_done),
        "other_dispatch_evidence": DispatchEvidence.objects.get(target__order=other_done),
        "tracking_code": hotline_request.tracking_code,
        "wrong_tracking_code": "ZZZZZZZZZZ",
        "hotline_request": hotline_request.reference,
        # Taken up the ladder by staff; at the top a further step is refused with a message (302 either way).
        "open_dispute": Dispute.objects.create(problem=disputed, unit=disputed.responsible_unit, reason="不属本单位"),
        "recheck": Recheck.objects.create(problem=closed, reason="manual", due_date="2026-12-01"),
        "own_problem": own_problem,
        "other_problem": other_problem,
        "own_photo": own_problem.photos.get(),
        "other_photo": other_problem.photos.get(),
        "own_indicator": Indicator.objects.get(system__campaign__slug=OWN_CAMPAIGN, code="A01.01.01"),
        "other_indicator": Indicator.objects.create(system=other_system, code="Z1", name="复审指标", level=1, score=1),
        "own_point_type": PointType.objects.get(campaign__slug=OWN_CAMPAIGN, code="PT01"),
        "other_point_type": PointType.objects.create(campaign=other_campaign, code="PTX", name="复审点位"),
        "sampling": sampling_draw(actor=None, campaign=Campaign.objects.get(slug=OWN_CAMPAIGN), seed=1),
        "own_grid": Grid.objects.get(code="G-DC-DH-01"),
        "command_group": UnitGroup.objects.get(name="市容环境整治指挥部"),
        "own_pairing": Pairing.objects.get(partner__code="SFS-DC-DH-XF"),
        "other_pairing": Pairing.objects.get(partner__code="SFS-XC-XH-LY"),
        "other_grid": Grid.objects.get(code="G-XC-XH-01"),
        "own_point": Point.objects.get(code="P0001"),
        "own_responsibility": Responsibility.objects.get(point__code="P0001"),
        "other_responsibility": Responsibility.objects.get(point__code="P0013"),
        "road_responsibility": Responsibility.objects.get(point__code="P0021"),
        "east_assignment": LeaderAssignment.objects.get(unit__code="SFS-DC", leader__username="leader_east"),
        # A new assignment for every role, so one role's delete does not decide the next one's answer.
        "fresh_assignment": lambda: leader_assign(
            actor=None, leader=User.objects.get(username="leader_city"), point=Point.objects.get(code="P0001")
        ),
        "other_point": Point.objects.get(code="P0013"),
        "street_task": TaskAssignment.objects.get(
            indicator__code="A07.03.01", indicator__system__campaign__slug=OWN_CAMPAIGN
        ),
        "template": "import.indicators",
        "dashboard_panel": "rankings",
        "job": Job.objects.create(kind="import.indicators", created_by=office, result={"has_errors": True}),
        "own_export_job": _export_job(liaison),
        "own_category": ProblemCategory.objects.get(campaign__slug=OWN_CAMPAIGN, code="BJ0101"),
        "other_category": ProblemCategory.objects.create(campaign=other_campaign, code="BJ", name="复审部件"),
        "own_calendar": WorkCalendar.objects.get(campaign__slug=OWN_CAMPAIGN),
        "other_calendar": work_calendar_ensure(actor=None, campaign=other_campaign),
        # Each role tries on the date as seeded: a permitted removal does not leave the next role a missing one.
        "calendar_exception": lambda: CalendarException.objects.get_or_create(
            calendar=national_day.calendar,
            date=national_day.date,
            defaults={"kind": national_day.kind, "name": national_day.name},
        )[0],
        "own_unit": Unit.objects.get(code=OWN_UNIT),
        "other_unit": Unit.objects.get(code=OTHER_UNIT),
        "own_campaign": Campaign.objects.get(slug=OWN_CAMPAIGN),
        "other_campaign": Campaign.objects.get(slug=OTHER_CAMPAIGN),
    }


def _export_job(user):
    from django.core.files.base import ContentFile

    from core.models import Job

    job = Job.objects.create(kind="export.list", created_by=user, status="done", filename="问题台账.xlsx",
                             result={"title": "问题台账", "rows": 1, "outcome": {"rows": 1}})  # fmt: skip
    job.file.save("问题台账.xlsx", ContentFile(b"PK"), save=True)
    return job


def _inspection_photo(item):
    from scoring.models import InspectionPhoto

    InspectionPhoto.build_from(a_photo(), uploaded_by=None, item=item).save()
    return item.photos.first()


def request(client, name, method, obj):
    from django.urls import reverse

    if name == "problem_photo":
        return client.get(reverse(name, args=[obj.problem_id, obj.pk]))
    if name in ("document_detail", "document_action"):
        kind = "bulletin" if obj._meta.model_name == "bulletin" else "leader_report"
        args = [kind, obj.pk] + (["edit"] if name == "document_action" else [])
        return getattr(client, method)(reverse(name, args=args))
    if name == "bulletin_photo":
        cited = [f["photo_id"] for f in obj.data["findings"] if f.get("photo_id")]
        return client.get(reverse(name, args=[obj.pk, cited[0] if cited else 999999]))
    if name == "api:bulletin-acknowledge":
        return client.post(reverse(name, args=[obj.bulletin_id, obj.pk]), {}, content_type="application/json")
    if name == "daily_report_photo":
        return client.get(reverse(name, args=[obj.report_id, obj.pk]))
    if name == "dispatch_evidence":
        return client.get(reverse(name, args=[obj.target_id, obj.pk]))
    if name == "inspection_visit":
        return client.get(reverse(name, args=[obj.round_id, obj.point_id]))
    if name == "campaign_switch":
        return client.post(reverse(name), {"campaign": obj.pk})
    if name == "task_acknowledge":
        street = Unit.objects.get(code="SFS-DC-DH")
        return client.post(reverse(name, args=[obj.pk]), {"unit": street.pk})
    url = reverse(name, args=[getattr(obj, "pk", obj)]) if obj is not None else reverse(name)
    if method == "post":
        return client.post(url, {}, content_type="application/json")
    return getattr(client, method)(url)


@pytest.mark.parametrize("key", list(MATRIX), ids=["-".join(str(part) for part in key) for key in MATRIX])
def test_access(seeded, db, key):
    """One URL for every role; all mismatches are reported."""
    from django.test import Client

    users, made_objects = seeded
    name, method, obj_name = key
    made = made_objects[obj_name] if obj_name else None
    mismatches = []
    for role in ROLES:
        obj = made() if callable(made) else made
        client = Client()
        if role != "anonymous":
            client.force_login(users[USERS[role]])
        expected = MATRIX[key][role]
        events_before = AuditEvent.objects.exclude(action__startswith="auth.").count()
        response = request(client, name, method, obj)
        if expected == LOGIN:
            ok = response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        else:
            ok = response.status_code == expected
        if not ok:
            mismatches.append(f"{role}: expected {expected}, got {response.status_code}")
        if response.status_code in (403, 404) and hasattr(obj, "name"):
            # A denied request shows nothing of the object and changes nothing.
            if obj.name in response.content.decode():
                mismatches.append(f"{role}: the denied response shows {obj.name}")
            if AuditEvent.objects.exclude(action__startswith="auth.").count() != events_before:
                mismatches.append(f"{role}: the denied request wrote an audit event")
    assert mismatches == []
