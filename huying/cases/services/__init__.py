"""Every write to a case, one module per step of the lifecycle (docs/glossary.md §3):
intake → triage → dispatch (or self-handling) → tracking → closure, all through ``engine``."""

from huying.cases.services.closure import case_archive, case_follow_up, case_reopen, case_verify
from huying.cases.services.dispatch import (
    case_add_co_handler,
    case_call,
    case_hub_dispatch,
    case_leader_dispatch,
    case_triage_and_call,
    case_triage_and_dispatch,
)
from huying.cases.services.engine import (
    decided_by,
    event_payload,
    files_kept_only_on_success,
    known_assignments,
)
from huying.cases.services.intake import allocate_case_number, case_attach, case_submit
from huying.cases.services.ladder import (
    case_grid_handle,
    case_grid_settle,
    case_raise,
    case_report_fixed,
)
from huying.cases.services.location import case_locate
from huying.cases.services.notes import case_note
from huying.cases.services.self_handling import case_complete_self, case_escalate, case_self_handle
from huying.cases.services.systemic import case_open_systemic
from huying.cases.services.tracking import (
    assignment_accept,
    assignment_post_progress,
    assignment_report_in,
    assignment_request_extension,
    assignment_request_return,
    assignment_rule_extension,
    assignment_rule_return,
    assignment_submit_result,
    assignment_withdraw,
    case_resume,
    case_set_deadline,
    case_supervise,
    case_suspend,
    case_urge,
)
from huying.cases.services.triage import case_merge, case_reject, case_split, case_triage

__all__ = [
    "allocate_case_number",
    "assignment_accept",
    "assignment_post_progress",
    "assignment_report_in",
    "assignment_request_extension",
    "assignment_request_return",
    "assignment_rule_extension",
    "assignment_rule_return",
    "assignment_submit_result",
    "assignment_withdraw",
    "case_add_co_handler",
    "case_archive",
    "case_attach",
    "case_call",
    "case_complete_self",
    "case_escalate",
    "case_follow_up",
    "case_grid_handle",
    "case_grid_settle",
    "case_hub_dispatch",
    "case_leader_dispatch",
    "case_locate",
    "case_merge",
    "case_note",
    "case_open_systemic",
    "case_raise",
    "case_reject",
    "case_reopen",
    "case_report_fixed",
    "case_resume",
    "case_self_handle",
    "case_set_deadline",
    "case_split",
    "case_submit",
    "case_supervise",
    "case_suspend",
    "case_triage",
    "case_triage_and_call",
    "case_triage_and_dispatch",
    "case_urge",
    "case_verify",
    "decided_by",
    "event_payload",
    "files_kept_only_on_success",
    "known_assignments",
]
