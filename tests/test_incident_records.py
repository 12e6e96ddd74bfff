"""A decision once recorded is not undone by editing or deleting the comment that made it
(issue 11): the status card records the commands that shaped the incident (the counted `/ack`
or `/lead`, each counted `/priority`, the `/lead` and `/comms` in force), and the bot reads its
records back as those commands. Only a later command from someone entitled changes things.

Every desk here reacts to each act and insists on a fixed point (reconciling twice at the same
moment plans nothing the second time). The people: alice files, bob and carol are the
responders, mallory can write but is not a responder. The wording of the card is tested in
tests/templates/test_incident_templates.py; here, what the rules read and plan.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from desk import BOT, INCIDENT, MONDAY, Desk, cases, london, make_policy
from dutydesk.commands import Command, record, recorded
from dutydesk.model import Comment
from dutydesk.rules.ids import Rule
from dutydesk.views.report import register_row

POLICY = make_policy(incidents={"responders": ["bob", "carol"]})
WRITERS = ["alice", "bob", "carol", "mallory"]
SAID = london("2026-11-23 10:05")  # the command, five minutes after opening
GONE = london("2026-11-23 10:08")  # its comment deleted or edited
LATER = london("2026-11-23 10:45")  # well after the P1's 20-minute response target (10:20)
HEARD = re.compile(r"<!-- dutydesk-heard \{[^\n]*?\} -->")


def desk() -> Desk:
    d = Desk(POLICY, writers=WRITERS)
    d.open(MONDAY, INCIDENT)
    return d


def delete(d: Desk, when: datetime, actor: str, comment_id: int) -> None:
    """`actor` deletes a comment, and the bot reacts (as to any other act)."""
    d.repo.now = when
    d.repo.delete_comment(actor, 1, comment_id)
    d.run(when)


Aftermath = Callable[[Desk, int], None]
"""What happens to the command's comment at GONE."""


def deleted_by_author(d: Desk, cid: int) -> None:
    delete(d, GONE, "bob", cid)


def deleted_by_a_writer(d: Desk, cid: int) -> None:
    delete(d, GONE, "mallory", cid)


def edited_away_by_author(d: Desk, cid: int) -> None:
    d.edit_comment(GONE, "bob", cid, "oops")


def edited_away_by_a_writer(d: Desk, cid: int) -> None:
    d.edit_comment(GONE, "mallory", cid, "looking into it")


AFTERMATHS = cases(
    ("deleted by its author", deleted_by_author),
    ("deleted by another writer", deleted_by_a_writer),
    ("edited into 'oops' by its author", edited_away_by_author),
    ("edited into prose by another writer", edited_away_by_a_writer),
)


def status_runs(d: Desk, since: datetime) -> int:
    return len([w for w, _ in d.planned(Rule.INCIDENT_STATUS) if w >= since])


# -- the acknowledgement survives -------------------------------------------------------------


@pytest.mark.parametrize(("situation", "aftermath"), AFTERMATHS)
def test_an_ack_whose_comment_goes_still_counts_from_its_time(
    situation: str, aftermath: Aftermath
) -> None:
    d = desk()
    cid = d.say(SAID, "bob", "/ack")
    aftermath(d, cid)
    assert status_runs(d, GONE) == 0, "nothing changed, so the card is not edited"
    d.run(LATER)
    incident = d.incident_facts(LATER)
    assert incident.ack is not None
    assert (incident.ack.at, incident.ack.by, incident.ack.via) == (SAID, "bob", "/ack")
    assert d.planned(Rule.INCIDENT_ESCALATION) == [], "the target was met: no escalation"
    assert "within the 20 minutes target" in d.card()
    assert register_row(incident, LATER).response_met is True


def test_a_lead_that_acknowledged_and_is_deleted_still_acknowledges_and_leads() -> None:
    d = desk()
    cid = d.say(SAID, "bob", "/lead @carol")
    delete(d, GONE, "bob", cid)
    d.run(LATER)
    incident = d.incident_facts(LATER)
    assert incident.ack is not None and (incident.ack.at, incident.ack.via) == (SAID, "/lead")
    assert incident.lead == "carol"
    assert d.planned(Rule.INCIDENT_LEAD, "assign") != []
    assert len(d.planned(Rule.INCIDENT_LEAD)) == 1, "assigned once, not again for the record"
    assert d.planned(Rule.INCIDENT_ESCALATION) == []


def test_a_comms_lead_whose_comment_is_deleted_stays() -> None:
    d = desk()
    cid = d.say(SAID, "bob", "/comms @carol")
    delete(d, GONE, "mallory", cid)
    assert d.incident_facts(LATER).comms == "carol"


# -- the priority survives --------------------------------------------------------------------


@pytest.mark.parametrize(("situation", "aftermath"), AFTERMATHS)
def test_a_priority_whose_comment_goes_stays_from_its_time(
    situation: str, aftermath: Aftermath
) -> None:
    d = desk()
    cid = d.say(SAID, "bob", "/priority P2")
    assert d.issue().labels == {"incident", "P2"}
    aftermath(d, cid)
    d.run(LATER)
    incident = d.incident_facts(LATER)
    assert incident.period is not None
    assert (incident.period.priority.id, incident.period.start) == ("P2", SAID)
    assert [(c.priority, c.via) for c in incident.changes] == [("P1", "form"), ("P2", "/priority")]
    assert d.issue().labels == {"incident", "P2"}, "the label stays P2"
    assert register_row(incident, LATER).priority == "P2"


def test_every_counted_priority_is_recorded_so_the_register_keeps_each_period() -> None:
    d = desk()
    first = d.say(SAID, "bob", "/priority P2")
    d.say(london("2026-11-23 10:06"), "carol", "/priority P3")
    delete(d, GONE, "bob", first)
    changes = d.incident_facts(LATER).changes
    assert [(c.priority, c.at) for c in changes] == [
        ("P1", MONDAY),
        ("P2", SAID),
        ("P3", london("2026-11-23 10:06")),
    ]


# -- only a later command changes things ------------------------------------------------------


@pytest.mark.parametrize(
    ("situation", "first", "then", "expected"),
    cases(
        ("a later /priority", "/priority P2", "/priority P3", ("priority", "P3")),
        ("a later /lead", "/lead @bob", "/lead @carol", ("lead", "carol")),
        ("a later /comms", "/comms @bob", "/comms @carol", ("comms", "carol")),
    ),
)
def test_a_later_command_from_a_responder_still_changes_things(
    situation: str, first: str, then: str, expected: tuple[str, str]
) -> None:
    d = desk()
    cid = d.say(SAID, "bob", first)
    delete(d, GONE, "bob", cid)
    d.say(london("2026-11-23 10:10"), "carol", then)
    incident = d.incident_facts(LATER)
    got = {
        "priority": incident.priority.id if incident.priority else None,
        "lead": incident.lead,
        "comms": incident.comms,
    }
    assert got[expected[0]] == expected[1]


def test_a_later_command_from_someone_not_entitled_changes_nothing() -> None:
    d = desk()
    cid = d.say(SAID, "bob", "/priority P2")
    delete(d, GONE, "bob", cid)
    d.say(london("2026-11-23 10:10"), "mallory", "/priority P4")
    incident = d.incident_facts(LATER)
    assert incident.priority is not None and incident.priority.id == "P2"
    assert [r.command.name for r in incident.refused] == ["priority"]


def test_the_authors_own_new_command_counts_beside_the_recorded_one_from_its_edit() -> None:
    d = desk()
    cid = d.say(SAID, "bob", "/priority P2")
    d.edit_comment(GONE, "bob", cid, "/priority P3")
    changes = d.incident_facts(LATER).changes
    assert [(c.priority, c.at) for c in changes] == [("P1", MONDAY), ("P2", SAID), ("P3", GONE)]


# -- the card: a fixed point, and what it records ---------------------------------------------


def test_the_card_records_the_commands_that_shaped_the_incident_and_no_others() -> None:
    d = desk()
    d.say(SAID, "bob", "/ack")
    d.say(london("2026-11-23 10:06"), "carol", "/ack")  # not the counted acknowledgement
    d.say(london("2026-11-23 10:07"), "bob", "/priority P2")
    d.say(london("2026-11-23 10:09"), "carol", "/lead @bob")
    d.say(london("2026-11-23 10:10"), "carol", "/lead @carol")  # the lead in force
    d.say(london("2026-11-23 10:11"), "bob", "/comms @carol")
    d.say(london("2026-11-23 10:12"), "bob", "/update failover done")  # not recorded
    d.say(london("2026-11-23 10:13"), "mallory", "/ack")  # refused: not recorded
    card = d.card()
    heard = [(c.author, c.name, c.args, c.at) for c in recorded(d.from_bot(), BOT)]
    assert heard == [
        ("bob", "ack", "", SAID),
        ("bob", "priority", "P2", london("2026-11-23 10:07")),
        ("carol", "lead", "@carol", london("2026-11-23 10:10")),
        ("bob", "comms", "@carol", london("2026-11-23 10:11")),
    ]
    assert all(line.startswith("<!-- dutydesk-heard ") for line in HEARD.findall(card))
    assert card.rstrip().endswith("-->"), "the records close the card, after the visible text"


def test_the_card_is_not_edited_on_runs_where_nothing_changed() -> None:
    d = desk()
    cid = d.say(SAID, "bob", "/ack")
    d.say(london("2026-11-23 10:06"), "bob", "/priority P2")
    delete(d, GONE, "bob", cid)
    before = len(d.planned(Rule.INCIDENT_STATUS))
    for minute in (9, 10, 11, 12):
        assert d.run(london(f"2026-11-23 10:{minute:02d}")).actions == ()
    assert len(d.planned(Rule.INCIDENT_STATUS)) == before


def test_with_no_commands_the_card_records_nothing() -> None:
    d = desk()
    d.run(LATER)
    assert HEARD.search(d.card()) is None


# -- forged records mean nothing --------------------------------------------------------------


def forged_ack(at: datetime) -> str:
    """A record of bob's `/ack` at `at` that bob never made."""
    comment = Comment(4242, "bob", "/ack", at, at)
    return record(Command("ack", "", comment, at))


def test_a_writer_who_pastes_a_record_into_their_own_comment_makes_nothing() -> None:
    d = desk()
    d.say(GONE, "mallory", "thanks\n" + forged_ack(SAID))
    d.say(london("2026-11-23 10:09"), "carol", forged_ack(SAID))  # a responder cannot either
    d.run(LATER)
    assert d.incident_facts(LATER).ack is None
    assert d.planned(Rule.INCIDENT_ESCALATION) != [], "unacknowledged: the escalation fires"
    assert "dutydesk-heard" not in d.card()


def test_a_record_a_writer_adds_to_the_card_means_nothing_and_is_taken_out() -> None:
    d = desk()
    card = next(c for c in d.from_bot() if "Incident status" in c.body)
    d.edit_comment(GONE, "mallory", card.id, card.body + "\n" + forged_ack(SAID))
    assert d.incident_facts(GONE).ack is None
    assert "dutydesk-heard" not in d.card(), "the bot put its own text back"
    d.run(LATER)
    assert d.planned(Rule.INCIDENT_ESCALATION) != []


def test_an_update_quoting_a_record_is_defanged_and_never_read_back() -> None:
    d = desk()
    d.say(SAID, "carol", "/update db restored " + forged_ack(SAID))
    card = d.card()
    assert "db restored &lt;!-- dutydesk-heard" in card, "quoted as text"
    assert HEARD.search(card) is None, "and no record line of it"
    d.run(LATER)
    incident = d.incident_facts(LATER)
    assert incident.ack is None
    assert [u.text[:11] for u in incident.updates] == ["db restored"]


def test_a_record_in_a_commands_own_words_is_recorded_as_words_not_as_a_record() -> None:
    d = desk()
    d.say(SAID, "bob", "/priority P2 " + forged_ack(SAID))
    heard = [(c.author, c.name) for c in recorded(d.from_bot(), BOT)]
    assert heard == [("bob", "priority")], "the forged /ack inside it is not a record"
    d.run(LATER)
    assert d.incident_facts(LATER).ack is None


def test_a_deleted_ack_the_bot_never_saw_is_gone() -> None:
    """A record is made when the bot runs: a command deleted before any run left none."""
    d = Desk(POLICY, writers=WRITERS, reacts=False)
    d.open(MONDAY, INCIDENT)
    d.run(MONDAY)
    cid = d.say(SAID, "bob", "/ack")
    d.repo.now = GONE
    d.repo.delete_comment("bob", 1, cid)
    d.run(LATER)
    assert d.incident_facts(LATER).ack is None
    assert d.planned(Rule.INCIDENT_ESCALATION) != []


def test_records_keep_a_long_timeline_stable() -> None:
    d = desk()
    cid = d.say(SAID, "bob", "/ack")
    delete(d, GONE, "bob", cid)
    d.every(LATER, LATER + timedelta(hours=3), timedelta(minutes=30))
    incident = d.incident_facts(LATER + timedelta(hours=3))
    assert incident.ack is not None and incident.ack.at == SAID
