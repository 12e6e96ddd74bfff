"""How often `parse_body` agrees with GitHub's reference parser on generated bodies.

Generates bodies for the shipped forms (seeded): each answer drawn from plain text, code
blocks (closed and left open), headings of other labels, HTML comments, ticked and unticked
boxes, `_No response_`; runs `@github/issue-parser`'s `parseIssue(body, template)` on all of them
in one Node process, and counts, per field, where the two agree and where they do not (after
filling the fields the reference leaves out, as tests/test_forms.py does).

    mkdir -p /tmp/ip && (cd /tmp/ip && npm install @github/issue-parser@2.0.0)
    python benchmarks/parser_agreement.py /tmp/ip/node_modules/@github/issue-parser [--bodies N]

Disagreements are expected where dutydesk deviates on purpose (the package docstring of
dutydesk.forms lists them); the figure to watch is how many and which.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))

from dutydesk.forms import FieldType, FormTemplate, load_template, parse_body  # noqa: E402

FORMS = ("incident", "out-of-hours-change", "planned-maintenance")
NODE = """
const { pathToFileURL } = require('node:url');
const path = require('node:path');
(async () => {
  const { parseIssue } = await import(pathToFileURL(path.join(process.argv[1], 'dist', 'index.js')).href);
  const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
  process.stdout.write(JSON.stringify(cases.map(c => parseIssue(c.body, c.template))));
})();
"""


def _text(rng: random.Random, labels: list[str], hostile: bool) -> str:
    pieces = [
        "All card payments fail.",
        "Line one\nline two",
        "```\nSELECT 1;\n```",
        "```sql\nALTER TABLE t ADD COLUMN c int;",  # left open
        "<!-- a note -->",
        "- [x] a box typed by hand",
        "_No response_",
        "",
    ]
    if hostile:  # another answer's heading pasted into this one
        pieces += [f"### {rng.choice(labels)}", "#### Details"]
    return "\n".join(rng.choice(pieces) for _ in range(rng.randint(1, 3))).strip()


def _answer(rng: random.Random, field: Any, labels: list[str], hostile: bool) -> str:
    if field.type is FieldType.CHECKBOXES:
        lines = [f"- [{rng.choice(' xX')}] {o}" for o in field.options]
        if rng.random() < 0.2:
            lines.insert(0, f"<!-- - [x] {field.options[0]} -->")
        return "\n".join(lines)
    if field.type is FieldType.DROPDOWN:
        return rng.choice([*field.options, "_No response_"])
    return _text(rng, labels, hostile) or "_No response_"


def body(rng: random.Random, form: FormTemplate, hostile: bool = False) -> str:
    labels = [f.label for f in form.fields]
    answers = (_answer(rng, f, labels, hostile) for f in form.fields)
    return "\n\n".join(f"### {f.label}\n\n{a}" for f, a in zip(form.fields, answers, strict=True))


def _filled(form: FormTemplate, reference: dict[str, Any]) -> dict[str, Any]:
    from test_forms import with_every_field

    return dict(with_every_field(form, reference))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("package", help="folder of the installed @github/issue-parser")
    parser.add_argument("--bodies", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    forms = {n: load_template(ROOT / ".github" / "ISSUE_TEMPLATE" / f"{n}.yml") for n in FORMS}
    texts = {n: (ROOT / ".github" / "ISSUE_TEMPLATE" / f"{n}.yml").read_text() for n in FORMS}
    for hostile in (False, True):
        kind = "with other answers' headings pasted in" if hostile else "as people write them"
        names = [FORMS[i % 3] for i in range(args.bodies)]
        cases = [(n, body(rng, forms[n], hostile)) for n in names]
        report(kind, cases, forms, texts, args.package)


def report(
    kind: str,
    cases: list[tuple[str, str]],
    forms: dict[str, FormTemplate],
    texts: dict[str, str],
    package: str,
) -> None:
    payload = json.dumps([{"body": b, "template": texts[n]} for n, b in cases])
    out = subprocess.run(
        ["node", "-e", NODE, package], input=payload, capture_output=True, text=True, check=True
    )
    agree = 0
    fields: collections.Counter[str] = collections.Counter()
    for (name, text), reference in zip(cases, json.loads(out.stdout), strict=True):
        ours = parse_body(forms[name], text)
        theirs = _filled(forms[name], reference)
        differ = [k for k in ours if ours[k] != theirs.get(k)]
        agree += not differ
        fields.update(f"{name}.{k}" for k in differ)
    print(f"{len(cases)} bodies {kind}: {agree} parsed the same ({agree / len(cases):.1%})")
    for field, count in fields.most_common(8):
        print(f"  {field}: differs in {count}")


if __name__ == "__main__":
    main()
