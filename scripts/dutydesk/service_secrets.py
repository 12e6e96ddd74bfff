"""The secrets of the services outside GitHub, as one repository secret for the workflows.

A policy names its channels' secrets freely (`webhook_url_env: OPS_SLACK_WEBHOOK`), and a
reusable workflow can only pass on secrets it declares by name. So the reusable workflows take
one optional secret, `service-secrets` (the callers `dutydesk init` writes pass the repository
secret `DUTYDESK_SERVICE_SECRETS`), whose text is lines of `NAME=value`:

    OPS_SLACK_WEBHOOK=https://hooks.slack.com/services/T000/B000/XXXX
    PD_ROUTING_KEY=R0UT1NGKEY...
    SMTP_PASSWORD=...

The action puts it in `DUTYDESK_SERVICE_SECRETS`; dutydesk reads it with the environment, a
variable set directly winning over the same name in the bundle. GitHub masks a secret's text in
logs line by line, and so would miss a value printed alone; in Actions every value is therefore
masked on its own (`::add-mask::`) before anything else runs. Blank lines and lines starting
with `#` are skipped. A line that is not `NAME=value` is an error that names its line number,
never what it holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from dutydesk.errors import ConfigurationError

BUNDLE = "DUTYDESK_SERVICE_SECRETS"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def parse(text: str) -> dict[str, str]:
    """The `NAME=value` lines of a bundle (values as written, without surrounding spaces)."""
    found: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, equals, value = line.partition("=")
        name = name.strip()
        if not equals or not _NAME.fullmatch(name):
            raise ConfigurationError(
                f"{BUNDLE}: line {number} is not NAME=value (the name: letters, digits and _)"
            )
        if name in found:
            raise ConfigurationError(f"{BUNDLE}: {name} is given twice (line {number})")
        found[name] = value.strip()
    return found


def environment(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` with the bundle's variables added where `environ` has none of its own."""
    bundle = parse(environ.get(BUNDLE, ""))
    merged = {**bundle, **{k: v for k, v in environ.items() if k != BUNDLE}}
    for name, value in environ.items():
        if name in bundle and not value.strip():
            merged[name] = bundle[name]  # an empty variable does not hide the bundle's value
    return merged


def mask_commands(environ: Mapping[str, str]) -> list[str]:
    """The workflow commands that mask each of the bundle's values on its own, in Actions."""
    values: Iterable[str] = parse(environ.get(BUNDLE, "")).values()
    return [f"::add-mask::{_escaped(value)}" for value in dict.fromkeys(values) if value]


def _escaped(value: str) -> str:
    """A workflow command's data as the runner reads it back: it turns %25, %0D and %0A into
    %, CR and LF, so a value holding `%25` (a URL-encoded webhook) is written `%2525`."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


__all__ = ["BUNDLE", "environment", "mask_commands", "parse"]
