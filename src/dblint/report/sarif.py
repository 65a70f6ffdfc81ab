"""`--format sarif`: SARIF 2.1.0, the format GitHub code scanning (and other viewers) import.

One run: the tool driver lists every rule of the catalog (id, name, descriptions,
help text and the URI of its section in docs/rules.md, default level); each
result names its rule and a location under the `%SRCROOT%` base: relative to the
repository root whichever directory dblint ran in (code scanning resolves them
against it), and `originalUriBaseIds` says which directory that is.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from dblint import __version__
from dblint.diagnostics import Diagnostic
from dblint.report.options import DEFAULT_OPTIONS, ReportOptions
from dblint.ruledocs import PROJECT_URL, help_uri, render_rule
from dblint.rules import Rule, all_rules
from dblint.rules.internal import InternalError

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
LEVEL = "error"  # every finding fails the check (exit status 1)


def _descriptor(rule: type[Rule]) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.what_it_does},
        "help": {"text": f"{rule.what_it_does}\n\n{rule.why_bad}", "markdown": render_rule(rule)},
        "helpUri": help_uri(rule),
        "defaultConfiguration": {"enabled": rule.default, "level": LEVEL},
        "properties": {"tags": ["database"]},
    }


def _result(d: Diagnostic, rule_index: dict[str, int]) -> dict[str, Any]:
    region: dict[str, int] = {"startLine": d.line, "startColumn": d.column}
    if d.end_line > d.line:
        region["endLine"] = d.end_line
    result: dict[str, Any] = {"ruleId": d.code}
    if d.code in rule_index:
        result["ruleIndex"] = rule_index[d.code]
    result.update(
        level=LEVEL,
        message={"text": d.message},
        locations=[
            {
                "physicalLocation": {
                    "artifactLocation": {
                        "uri": quote(os.fsencode(d.path)),
                        "uriBaseId": "%SRCROOT%",
                    },
                    "region": region,
                }
            }
        ],
    )
    return result


def render(diagnostics: Sequence[Diagnostic], options: ReportOptions = DEFAULT_OPTIONS) -> str:
    rules = all_rules()
    rule_index = {rule.code: position for position, rule in enumerate(rules)}
    run = {
        "tool": {
            "driver": {
                "name": "dblint",
                "version": __version__,
                "informationUri": PROJECT_URL,
                "rules": [_descriptor(rule) for rule in rules],
            }
        },
        "invocations": [
            {"executionSuccessful": not any(d.code == InternalError.code for d in diagnostics)}
        ],
        "columnKind": "unicodeCodePoints",
        **(
            {"originalUriBaseIds": {"%SRCROOT%": {"uri": options.source_root_uri}}}
            if options.source_root_uri
            else {}
        ),
        "results": [_result(d, rule_index) for d in diagnostics],
    }
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
