"""`dutydesk validate`: every problem with the policy, forms, rota and runbooks, at once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from dutydesk.errors import PolicyError
from dutydesk.forms import FormError, FormTemplate, load_templates
from dutydesk.policy import PRIORITY_IDS, Policy, load_policy
from dutydesk.time.shifts import Gap

Finding = tuple[str, str]  # (file, message)


def findings(policy_path: Path, forms_path: Path, now: datetime) -> list[Finding]:
    out: list[Finding] = []
    policy: Policy | None = None
    try:
        policy = load_policy(policy_path)
    except PolicyError as exc:
        out.append((str(policy_path), str(exc)))
    try:
        out += form_findings(forms_path, load_templates(forms_path), policy)
    except FormError as exc:
        out.append((str(forms_path), str(exc)))
    if policy is not None:
        out += rota_findings(policy_path, policy, now)
        out += runbook_findings(policy_path.parent / policy.runbooks.folder, policy)
    return out


def warnings(policy_path: Path, forms_path: Path) -> list[Finding]:
    """What is allowed but probably not meant; `validate` shows it and still passes."""
    try:
        policy = load_policy(policy_path)
    except PolicyError:
        return []  # reported as a finding
    change_form = forms_path / "out-of-hours-change.yml"
    if change_form.is_file() and not policy.changes.approvers:
        message = (
            "changes.approvers is empty, so no change request can ever be approved; name the "
            "approvers (logins or org/team), or remove the out-of-hours-change form"
        )
        return [(str(policy_path), message)]
    return []


FORM_ROLES = {
    # form (template file name): the policy label role its issues carry
    "incident": "incident",
    "out-of-hours-change": "change_request",
    "planned-maintenance": "planned_maintenance",
}


def form_findings(
    forms_path: Path, forms: Mapping[str, FormTemplate], policy: Policy | None = None
) -> list[Finding]:
    """Every form dutydesk handles is there, carries its policy label, and the incident
    form's priority options match the policy's priorities."""
    out: list[Finding] = []
    for name, role in FORM_ROLES.items():
        out += _form_label_findings(forms_path, name, role, forms.get(name), policy)
        out += _id_findings(forms_path, name, forms.get(name))
        if policy is not None:
            out += _in_step_findings(forms_path / f"{name}.yml", policy)
    incident = forms.get("incident")
    if incident is None:
        return out
    return out + _priority_findings(str(forms_path / "incident.yml"), incident)


def needed_ids(name: str) -> tuple[str, ...]:
    """The answer ids the rules read from a form dutydesk handles."""
    from dutydesk.rules.changes.fields import CHANGE_SPEC, MAINTENANCE_SPEC

    specs = {"out-of-hours-change": CHANGE_SPEC, "planned-maintenance": MAINTENANCE_SPEC}
    spec = specs.get(name)
    if spec is None:
        return ("priority",) if name == "incident" else ()
    return tuple(dict.fromkeys((*spec.fields, spec.start, spec.end)))


def _id_findings(forms_path: Path, name: str, form: FormTemplate | None) -> list[Finding]:
    if form is None:
        return []
    where = str(forms_path / f"{name}.yml")
    return [
        (where, f"the form has no field with id {field_id!r}, which dutydesk reads")
        for field_id in needed_ids(name)
        if form.field(field_id) is None
    ]


def _in_step_findings(path: Path, policy: Policy) -> list[Finding]:
    """A form whose policy parts (priority table and options, notice, hours, time zone) say
    other than the policy."""
    from dutydesk.forms.from_policy import RegionError, sync

    try:
        synced = sync(path.read_text(encoding="utf-8"), policy)
    except OSError:
        return []  # a missing form is reported as missing
    except RegionError as exc:
        return [(str(path), str(exc))]
    if not synced.changed:
        return []
    parts = ", ".join(synced.changed)
    return [(str(path), f"out of step with the policy ({parts}): run `dutydesk forms`")]


def _form_label_findings(
    forms_path: Path, name: str, role: str, form: FormTemplate | None, policy: Policy | None
) -> list[Finding]:
    where = str(forms_path / f"{name}.yml")
    if form is None:
        return [(where, f"the {name} form is missing (dutydesk handles it)")]
    if policy is None or policy.label(role) in form.labels:
        return []
    message = (
        f"the form's labels {list(form.labels)} lack {policy.label(role)!r}, the policy's "
        f"labels.{role}; dutydesk finds these issues by that label"
    )
    return [(where, message)]


def _priority_findings(where: str, incident: FormTemplate) -> list[Finding]:
    field = incident.field("priority")
    if field is None:
        return [(where, "the incident form has no `priority` field")]
    starts = [opt.split()[0] if opt.split() else "" for opt in field.options]
    return [
        (where, f"the priority dropdown has no option starting with {pid}")
        for pid in PRIORITY_IDS
        if pid not in starts
    ]


def rota_findings(policy_path: Path, policy: Policy, now: datetime) -> list[Finding]:
    from dutydesk.views.rota import rota_problems

    today = now.astimezone(policy.timezone).date()
    problems = rota_problems(policy, today=today)
    return [(str(policy_path), f"rota: {p.message}") for p in problems]


def cover_checks(
    policy_path: Path, environ: Mapping[str, str], now: datetime
) -> tuple[list[Finding], list[Finding]]:
    """With a PagerDuty rota: (the gaps in its cover over the next `look_ahead`, within
    on-call hours, as findings; a warning that the check was skipped without the key, or
    could not be made). Nothing for a list-form rota (`rota_findings` checks that)."""
    try:
        policy = load_policy(policy_path)
    except PolicyError:
        return [], []  # reported as a finding
    rota = policy.pagerduty
    if rota is None:
        return [], []
    from dutydesk.errors import ConfigurationError
    from dutydesk.io.pagerduty import PagerDutyError, with_pagerduty_rota

    where = str(policy_path)
    if not environ.get(rota.token_env, "").strip():
        skipped = (
            f"rota: ${rota.token_env} is not set, so gaps in PagerDuty's cover were not checked"
        )
        return [], [(where, skipped)]
    until = now + rota.look_ahead
    try:
        found = with_pagerduty_rota(policy, environ, now, until).cover_gaps(now, until)
    except (ConfigurationError, PagerDutyError) as exc:
        return [], [(where, f"rota: gaps in cover were not checked: {exc}")]
    return [(where, f"rota: {gap_sentence(policy, gap)}") for gap in found], []


def gap_sentence(policy: Policy, gap: Gap) -> str:
    """One gap in cover, for people, in local time."""
    start, end = policy.local(gap.start), policy.local(gap.end)
    return (
        f"PagerDuty has no {gap.level} on call from {start:%a %d %b %Y %H:%M %Z} to "
        f"{end:%a %d %b %Y %H:%M %Z}, in on-call hours: add cover to the schedule"
    )


def runbook_findings(folder: Path, policy: Policy) -> list[Finding]:
    from dutydesk.io.runbook_store import validate_folder

    return validate_folder(folder, policy)
