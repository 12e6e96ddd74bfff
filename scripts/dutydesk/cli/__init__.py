"""The command line: thin click commands over the jobs, the rules and the adapters."""

from dutydesk.cli.main import cli, main

__all__ = ["cli", "main"]
