"""The sweep with a listing GitHub cannot give whole: the items it could not read fail, named,
and the others are reconciled (exit 1)."""

from __future__ import annotations

from e2e.faults import NOW, FaultInjector, client_settings, holding, operations_repository, sweep
from e2e.server import GitHubServer


def test_a_page_that_keeps_failing_fails_its_items_only() -> None:
    server = GitHubServer(operations_repository()).start()
    FaultInjector(rate=0, failing_reads=holding([3])).attach(server)
    try:
        with client_settings(timeout=2, backoff_factor=0):
            run = sweep(server, NOW)
    finally:
        server.stop()
    assert run.exit_code == 1 and run.crash is None
    assert run.failed == (3,) and run.summary_failed in ((), (3,))
    assert run.planned_issues and 3 not in run.planned_issues
