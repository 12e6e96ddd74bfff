"""Every rule id dutydesk plans actions under, and every reason a command changes nothing.

A rule id is the `rule` of an action (in `--json`, the job summary and the timeline) and the
first part of its comments' keys. Each rule module says at its top which of these it emits.
"""

from __future__ import annotations

from enum import StrEnum


class Rule(StrEnum):
    # incidents (rules/incidents/)
    INCIDENT_PRIORITY = "incident.priority"
    INCIDENT_INVALID = "incident.invalid"
    INCIDENT_ESCALATION = "incident.escalation"
    INCIDENT_UPDATE_REMINDER = "incident.update_reminder"
    INCIDENT_STATUS = "incident.status"
    INCIDENT_SECURITY = "incident.security"
    INCIDENT_REVIEW = "incident.review"
    INCIDENT_LEAD = "incident.lead"
    INCIDENT_REFUSED = "incident.refused"
    # out-of-hours change requests and planned maintenance (rules/changes/)
    CHANGE_INVALID = "change.invalid"
    CHANGE_NOTICE = "change.notice"
    CHANGE_HOURS = "change.hours"
    CHANGE_APPROVAL = "change.approval"
    CHANGE_REFUSED = "change.refused"
    CHANGE_WITHDRAWN = "change.approval_withdrawn"
    CHANGE_PRE = "change.pre_change"
    CHANGE_POST = "change.post_change"
    MAINTENANCE_INVALID = "maintenance.invalid"
    MAINTENANCE_NOTICE = "maintenance.notice"
    # runbooks (rules/runbooks/)
    RUNBOOK_RENEWAL = "runbook.renewal"
    # notifications outside GitHub (rules/notify.py)
    NOTIFY = "notify.message"
    # repository housekeeping (labels sync)
    LABELS_SYNC = "labels.sync"


class Refusal(StrEnum):
    """Why a command (or a label set by hand) changed nothing; the refusal templates read it."""

    # who may
    NOT_RESPONDER = "not-responder"
    NOT_APPROVER = "not-approver"
    ACCESS_UNKNOWN = "access-unknown"
    SELF = "self"
    LABEL = "label"
    # what was asked
    USAGE = "usage"
    UNKNOWN_PERSON = "unknown-person"
    INVALID = "invalid"
    NOTICE = "notice"
    EMERGENCY_OFF = "emergency-off"
    EMERGENCY_NO_REASON = "emergency-no-reason"
    REJECT_NO_REASON = "reject-no-reason"
    # answers to the post-change prompt
    EARLY = "early"
    NOT_ALLOWED = "not-allowed"
    NO_NOTE = "no-note"
