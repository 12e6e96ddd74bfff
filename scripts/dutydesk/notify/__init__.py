"""Telling people outside GitHub: Slack (an incoming webhook, or a bot token through the Web
API), Microsoft Teams, email and PagerDuty.

Which events go where is decided by the pure rule `rules/notify.py` over the events of
`rules/notify_events.py` (and, for runbook review pull requests, `rules/runbooks/notices.py`,
whose records are kept on the pull request); what a message says by `wording.py` (user text escaped per transport
by `escape.py`); what was sent by the records in `records.py`. Only `transports.py` (the wire)
and `deliver.py` (secrets from the environment, failures kept for the job summary) do I/O.

**Exactly once, as far as it can be.** Per issue and run: deliver each planned notification
(a failure is kept, never raised, so the run's GitHub writes go on), then write one bot comment
that records the deliveries that succeeded. A recorded delivery is never planned again; an
unrecorded one is planned again on the next run (a retry). The one window left: a delivery that
succeeded whose record then fails to be written (GitHub down after retries) is sent again on
the next run. PagerDuty deduplicates such a repeat itself (the same `dedup_key`); an email
repeats with the same Message-ID.
"""
