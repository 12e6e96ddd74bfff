"""dutydesk.jobs: the event job's wait, the read -> reconcile -> apply step, and the sweep,
with stand-in handlers so that only the jobs' own behaviour is under test."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dutydesk import jobs
from dutydesk.actions import Action, Kind
from dutydesk.engine import Context, Decision, Handler, Item
from dutydesk.errors import ConfigurationError
from dutydesk.forms import FormTemplate, load_templates, render_body
from dutydesk.io.memory import MemoryRepository
from dutydesk.policy import Policy, parse_policy

ROOT = Path(__file__).resolve().parent.parent
FORMS = load_templates(ROOT / ".github/ISSUE_TEMPLATE")
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
P1 = "P1 Critical – Complete outage or ongoing unauthorised access"


def minutes(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


def policy(**incidents: object) -> Policy:
    return parse_policy({"incidents": incidents} if incidents else {})


def labels_it(item: Item, ctx: Context) -> Decision:
    """A stand-in handler: label the item `seen`, look again in 10 minutes."""
    action = Action(Kind.ADD_LABELS, "test.seen", item.number, labels=("seen",))
    return Decision((action,), next_check=ctx.now + timedelta(minutes=10))


HANDLERS: Mapping[str, Handler] = {"incident": labels_it}


def desk() -> tuple[MemoryRepository, int]:
    repo = MemoryRepository(writers=["alice"], now=T0)
    form: FormTemplate = FORMS["incident"]
    body = render_body(form, {"priority": P1, "service": "Payments"})
    return repo, repo.open_issue("alice", "Payments down", body, labels=form.labels)


# -- the event job's wait -------------------------------------------------------------------


def test_the_wait_lasts_incidents_wait_for_due_from_the_event() -> None:
    assert jobs.Wait.after(policy(wait_for_due="20 minutes"), T0).deadline == minutes(20)


@pytest.mark.parametrize(
    ("next_check", "now", "expected"),
    [
        pytest.param(None, T0, None, id="nothing due: the job ends"),
        pytest.param(T0, T0, None, id="due now: already done, the job ends"),
        pytest.param(minutes(10), T0, minutes(10), id="due within the wait: it waits"),
        pytest.param(minutes(30), T0, minutes(30), id="due at the deadline: it waits"),
        pytest.param(minutes(31), T0, None, id="due after the deadline: the sweep takes it"),
        pytest.param(minutes(20), minutes(25), None, id="due before a later now"),
    ],
)
def test_the_event_job_waits_for_a_check_due_by_the_deadline(
    next_check: datetime | None, now: datetime, expected: datetime | None
) -> None:
    wait = jobs.Wait(deadline=minutes(30))
    assert wait.until(Decision(next_check=next_check), now) == expected


def test_the_event_job_looks_every_minute_and_checks_at_each_due_time_until_the_deadline() -> None:
    """Dues at 10:12, 10:24 and 10:36; the deadline 10:30: it looks every minute (an /ack may
    meet a due early), checks at 10:12 and 10:24, and ends once the next due is past 10:30."""
    dues = [minutes(12), minutes(24), minutes(36)]
    checked: list[datetime] = []
    slept: list[tuple[datetime, datetime]] = []

    def check(now: datetime) -> Decision:
        checked.append(now)
        return Decision(next_check=next(d for d in dues if d > now))

    def pause(now: datetime, due: datetime) -> datetime:
        slept.append((now, due))
        return due

    jobs.event_job(check, jobs.Wait(minutes(30)), T0, pause)
    assert checked == [minutes(k) for k in range(25)]
    assert all(due - now == jobs.POLL_EVERY for now, due in slept)


def test_a_due_met_early_ends_the_wait_at_the_next_look() -> None:
    checked: list[datetime] = []

    def check(now: datetime) -> Decision:
        checked.append(now)  # acknowledged at 10:03: nothing more due by the deadline
        return Decision(next_check=minutes(20) if now < minutes(3) else minutes(60))

    jobs.event_job(check, jobs.Wait(minutes(30)), T0, lambda now, due: due)
    assert checked == [T0, minutes(1), minutes(2), minutes(3)]


def test_an_event_job_that_may_not_pause_checks_once() -> None:
    checked: list[datetime] = []

    def check(now: datetime) -> Decision:
        checked.append(now)
        return Decision(next_check=minutes(5))

    jobs.event_job(check, jobs.Wait(minutes(30)), T0, None)
    assert checked == [T0]


# -- read, reconcile, apply ---------------------------------------------------------------


def test_a_job_shows_the_plan_then_applies_it() -> None:
    repo, number = desk()
    shown: list[tuple[tuple[Action, ...], datetime, bool]] = []

    def show(decision: Decision, now: datetime) -> None:
        shown.append((decision.actions, now, "seen" in repo.get_issue(number).labels))

    job = jobs.Job(repo, policy(), FORMS, HANDLERS, show=show)
    decision = job.check(number, minutes(1))
    assert [a.rule for a in decision.actions] == ["test.seen"]
    assert decision.next_check == minutes(11)
    assert shown == [(decision.actions, minutes(1), False)]  # shown before it was applied
    assert "seen" in repo.get_issue(number).labels


def test_a_dry_run_job_plans_and_writes_nothing() -> None:
    repo, number = desk()
    job = jobs.Job(repo, policy(), FORMS, HANDLERS, dry_run=True)
    assert job.check(number, minutes(1)).actions
    assert "seen" not in repo.get_issue(number).labels and repo.writes == 0


def test_access_covers_the_responder_and_approver_teams() -> None:
    both = parse_policy(
        {
            "incidents": {"responders": ["Org/Ops", "bob"]},
            "changes": {"approvers": ["org/cab", "dana"]},
        }
    )
    assert jobs.access_teams(both) == {"org/ops", "org/cab"}
    repo = MemoryRepository(teams={"org/ops": ["bob"]})
    assert jobs.read_access(repo, both).teams == {"org/ops": frozenset({"bob"}), "org/cab": None}


def test_the_sweep_lists_the_first_label_of_each_handled_form() -> None:
    assert jobs.sweep_labels(FORMS, HANDLERS) == [FORMS["incident"].labels[0]]


# -- the sweep ----------------------------------------------------------------------------


def fails_on(bad: dict[int, Exception]) -> Callable[[int], Decision]:
    def check(number: int) -> Decision:
        if number in bad:
            raise bad[number]
        return Decision(next_check=minutes(number))

    return check


def test_an_isolated_sweep_goes_on_past_a_failure_and_a_bug() -> None:
    check = fails_on({2: ConfigurationError("team unreadable"), 3: KeyError("oops")})
    turns = list(jobs.sweep([1, 2, 3, 4], check, isolated=True))
    assert [t.item for t in turns] == [1, 2, 3, 4]
    assert [t.decision is not None for t in turns] == [True, False, False, True]
    dutydesk_error, bug = turns[1].failure, turns[2].failure
    assert dutydesk_error == jobs.Failure("team unreadable")
    assert bug is not None and bug.internal and bug.message == "KeyError: 'oops'"
    assert "Traceback" in bug.trace


def test_a_sweep_that_is_not_isolated_stops_at_a_failure() -> None:
    turns = jobs.sweep([1, 2, 3], fails_on({2: KeyError("oops")}))
    assert next(turns).item == 1
    with pytest.raises(KeyError):
        next(turns)
