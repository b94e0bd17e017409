"""Click commands: options in, audit(), a reporter, an exit code out.

Exit codes: 0 no finding at or above --fail-on, 1 there is one, 2 usage or input error (one line on
stderr, never a traceback), 3 internal error (a bug in the tool; one line, AUDITOR_DEBUG=1 for the
traceback).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from auditor import __version__
from auditor.errors import AuditorError
from auditor.escape import dump_json, printable
from auditor.reports import FORMATS, format_for, render

# Commands import what they need when they run, so that each pays only for its own start-up.

EXIT_USAGE = 2
EXIT_INTERNAL = 3  # so that CI can tell a bug in the tool from bad input
EXIT_INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT, as shells report it


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise AuditorError(f"cannot write {path}: {exc.strerror}") from exc


def _err(message: str) -> None:
    """One line on stderr, whatever the message holds (repo strings, git's own words)."""
    click.echo(" ".join(printable(message).split("\n")), err=True)


def _progress():
    """Commit counts on stderr, only when a person is watching."""
    if not sys.stderr.isatty():
        return None

    def report(count: int) -> None:
        click.echo(f"\rread {count} commits", err=True, nl=False)

    return report


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """The tool, LicenseDB and rules versions: together they decide an audit's results."""
    if not value or ctx.resilient_parsing:
        return
    from auditor.engine import load_rules
    from auditor.facts.licensedb import data_version

    click.echo(f"auditor {__version__}\nLicenseDB (licensedcode-data) {data_version()}\n"
               f"rules {load_rules().digest}")
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Print the tool, LicenseDB and rules versions and exit.")
def cli() -> None:
    """License-compliance auditor for machine-learning model repositories."""


@cli.command()
@click.argument("target")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--output", "outputs", multiple=True, metavar="[FORMAT:]PATH",
              help="Write a report here instead of stdout (`-` is stdout); repeatable. The suffix picks the "
                   "format (.html .json .sarif .md .txt .xml), else --format; FORMAT: forces one.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info", "never"]), default="error",
              show_default=True, help="Exit 1 when a finding is at least this severe.")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory of extra rule files (repeatable).")
@click.option("--revision", help="Audit this revision instead of HEAD.")
@click.option("--waivers", type=click.Path(dir_okay=False, path_type=Path),
              help="Waivers file, in addition to the repo's own .auditor.yaml.")
@click.option("--offline", is_flag=True, help="hf:// targets: use only what earlier runs cached.")
@click.option("--compare-with", "compare_with", multiple=True, metavar="CANDIDATE",
              help="Compare the weights with this base (folder, working tree or hf://) from sampled slices, "
                   "and use the verdict as lineage evidence (repeatable).")
@click.option("--lookup-bases", is_flag=True,
              help="Also for local targets, read on the Hub the cards of the datasets the card names and of "
                   "declared base models the catalog cannot resolve.")
@click.option("--timeout", type=click.FloatRange(min=0.1), metavar="SECONDS",
              help="hf:// targets: connect and read timeout (default HF_HUB_DOWNLOAD_TIMEOUT or 10).")
@click.option("--staged", is_flag=True,
              help="Audit the commit being made: HEAD plus the staged changes (for pre-commit hooks).")
def scan(target: str, fmt: str, outputs: tuple[str, ...], fail_on: str, rule_dirs: tuple[Path, ...],
         revision: str | None, waivers: Path | None, offline: bool, compare_with: tuple[str, ...],
         lookup_bases: bool, timeout: float | None, staged: bool) -> int:
    """Audit TARGET: a git working tree, a bare repo, a plain folder, or hf://org/name[@revision]."""
    from auditor.pipeline import Options, audit
    from auditor.reports.ci import github_annotations, log_summary

    targets = _output_targets(outputs or ("-",), fmt)  # unwritable paths fail here, before the scan
    progress = _progress()
    result = audit(target, Options(revision=revision, rule_dirs=rule_dirs, fail_on=fail_on, waivers=waivers,
                                   offline=offline, progress=progress, compare_with=compare_with,
                                   lookup_bases=lookup_bases, timeout=timeout, staged=staged))
    if progress:
        click.echo("\r\033[K", err=True, nl=False)
    to_stdout = None
    for output, output_fmt in targets:
        if output is None:
            to_stdout = output_fmt
            continue
        _write(output, render(output_fmt, result))
        _err(f"report written to {output}")
    if to_stdout is not None:
        click.echo(render(to_stdout, result), nl=False)
    # The CI log says why, whatever the outputs: on stdout when no report is there, else on stderr.
    log = to_stdout is not None
    if to_stdout not in ("text", "summary"):
        click.echo(log_summary(result), err=log, nl=False)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        click.echo(github_annotations(result), err=log, nl=False)
    return 1 if result.failed() else 0


def _output_targets(outputs: tuple[str, ...], fmt: str) -> list[tuple[Path | None, str]]:
    """(path or None for stdout, format) per --output; each path is checked to be writable now."""
    targets: list[tuple[Path | None, str]] = []
    for output in outputs:
        chosen, _, rest = output.partition(":")
        forced = chosen in FORMATS and rest != ""
        name = rest if forced else output
        if name == "-":
            if any(path is None for path, _ in targets):
                raise AuditorError("--output -: stdout can take only one report")
            targets.append((None, chosen if forced else fmt))
            continue
        path = Path(name)
        _check_writable(path)
        targets.append((path, chosen if forced else format_for(path, fmt)))
    return targets


def _check_writable(path: Path) -> None:
    parent = path.parent
    if path.is_dir():
        raise AuditorError(f"cannot write {path}: it is a directory")
    if not parent.is_dir():
        raise AuditorError(f"cannot write {path}: directory {parent} does not exist")
    if not os.access(path if path.exists() else parent, os.W_OK):
        raise AuditorError(f"cannot write {path}: permission denied")


@cli.command()
@click.argument("target")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the notice here.")
@click.option("--revision", help="Audit this revision instead of HEAD.")
def notice(target: str, output: Path | None, revision: str | None) -> int:
    """Write the NOTICE text that meets the upstream obligations a scan of TARGET finds."""
    from auditor.notice import NOTHING_TO_ATTRIBUTE, plan_notice
    from auditor.pipeline import Options, audit

    plan = plan_notice(audit(target, Options(revision=revision)))
    if not plan.text:
        _err(NOTHING_TO_ATTRIBUTE)
    elif output:
        _write(output, printable(plan.text))
        _err(f"notice written to {output}")
    else:
        click.echo(printable(plan.text), nl=False)
    for instruction in plan.instructions:
        _err(f"to do: {instruction}")
    return 0


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def identify(paths: tuple[Path, ...], fmt: str) -> int:
    """Identify the licenses and copyrights in files (directories are walked)."""
    from auditor.identify_files import identify_paths, render_identified

    results = identify_paths(paths)
    if fmt == "json":
        click.echo(dump_json([r.to_dict(matches_key="matches") for r in results]))
    else:
        click.echo(render_identified(results), nl=False)
    return 0


@cli.command()
@click.argument("target")
@click.option("--against", "candidates", multiple=True, required=True, metavar="CANDIDATE",
              help="A base model to compare with: a folder, a git working tree or hf://org/name (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def provenance(target: str, candidates: tuple[str, ...], fmt: str) -> int:
    """Compare TARGET's weights with each CANDIDATE from sampled slices: copy, derived or independent."""
    from auditor.provenance import compare_models
    from auditor.reports.provenance import render_provenance_json, render_provenance_text

    comparisons = [compare_models(target, candidate) for candidate in candidates]
    render = render_provenance_json if fmt == "json" else render_provenance_text
    click.echo(render(target, comparisons), nl=False)
    return 0


@cli.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--explain", "explain", metavar="ID", help="Print one rule's description, clauses and remediation.")
def list_rules(fmt: str, explain: str | None) -> int:
    """List the rules this version implements."""
    from auditor.engine import load_rules

    ruleset = load_rules()
    if explain:
        rule = ruleset.get(explain)
        if rule is None:
            raise AuditorError(f"no rule {explain!r}; `auditor rules` lists them")
        if fmt == "json":
            click.echo(dump_json(rule.to_dict()))
            return 0
        click.echo(f"{rule.id} ({rule.severity}): {rule.title}\n")
        click.echo(click.wrap_text(rule.description, 88) + "\n")
        if rule.references:
            click.echo("Clauses and references:")
            for reference in rule.references:
                click.echo(f"  - {reference}")
            click.echo()
        click.echo("Remediation:\n" + click.wrap_text(rule.remediation, 88, initial_indent="  ",
                                                       subsequent_indent="  "))
        return 0
    if fmt == "json":
        click.echo(dump_json({"rules_digest": ruleset.digest, "rules": [r.to_dict() for r in ruleset.rules]}))
        return 0
    width = max(len(r.id) for r in ruleset.rules)
    for rule in ruleset.rules:
        click.echo(f"{rule.id:<{width}}  {rule.severity:<8} {rule.title}")
    return 0


@cli.command()
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("auditor-demo"),
              show_default=True)
def demo(output_dir: Path) -> int:
    """Build a demo model repo with a license removed and restored late, audit it, write the reports."""
    from auditor.demo import prepare_demo_dir
    from auditor.pipeline import audit
    from auditor.reports.summary import demo_story

    try:
        repo = prepare_demo_dir(output_dir)
    except (OSError, FileExistsError) as exc:
        raise AuditorError(str(exc)) from exc
    result = audit(str(repo))
    written = []
    for fmt, name in (("html", "report.html"), ("text", "report.txt"), ("json", "report.json"),
                      ("sarif", "report.sarif"), ("markdown", "report.md")):
        _write(output_dir / name, render(fmt, result))
        written.append(output_dir / name)
    click.echo(demo_story(result, repo))
    click.echo(f"Open the audit report: {written[0].resolve()}")
    for path in written[1:]:
        click.echo(f"  also: {path}")
    return 0


@cli.command()
@click.argument("targets", nargs=-1)
@click.option("--from", "from_file", type=click.Path(dir_okay=False, path_type=Path),
              help="A file with one target per line (# starts a comment).")
@click.option("--store", type=click.Path(dir_okay=False, path_type=Path), default=Path("fleet.sqlite"),
              show_default=True, help="SQLite file of finished audits; a re-run skips what it holds.")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True)
@click.option("--workers", type=click.IntRange(min=1), help="Targets at a time [local: 2; ray: the cluster's CPUs].")
@click.option("--ray-address", help="Ray cluster to use (default: RAY_ADDRESS, else a local instance).")
@click.option("--timeout", type=click.FloatRange(min=0), default=900, show_default=True,
              help="Seconds per target before it is recorded as failed; 0: no limit.")
@click.option("--force", is_flag=True, help="Audit every target again, even if stored and unchanged.")
@click.option("--output", "outputs", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Write the summary here (.html .json .csv); repeatable. Default: a table on stdout.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info", "never"]), default="error",
              show_default=True, help="Exit 1 when a target has a finding at least this severe.")
@click.option("--rules", "rule_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory of extra rule files (repeatable).")
@click.option("--waivers", type=click.Path(dir_okay=False, path_type=Path),
              help="Waivers file, in addition to each repo's own .auditor.yaml.")
@click.option("--offline", is_flag=True, help="hf:// targets: use only what earlier runs cached.")
def fleet(targets: tuple[str, ...], from_file: Path | None, store: Path, engine: str, workers: int | None,
          ray_address: str | None, timeout: float, force: bool, outputs: tuple[Path, ...], fail_on: str,
          rule_dirs: tuple[Path, ...], waivers: Path | None, offline: bool) -> int:
    """Audit many TARGETS as `auditor scan` would: paths, hf://org/name, 'hf://org/*' (every model of an
    author). Resumable: finished audits are kept in --store and not repeated."""
    from auditor.fleet.run import FleetOptions, run_fleet
    from auditor.fleet.store import Store
    from auditor.fleet.summary import check_outputs, render_text, write_summaries
    from auditor.fleet.targets import expand_targets
    from auditor.fleet.task import Settings

    check_outputs(outputs)
    expanded = expand_targets(targets, from_file)
    settings = Settings(rule_dirs=tuple(str(d) for d in rule_dirs), fail_on=fail_on,
                        waivers=str(waivers) if waivers else None, offline=offline)
    tty = sys.stderr.isatty()
    tally = run_fleet(expanded, FleetOptions(settings=settings, store=store, engine=engine, workers=workers,
                                             timeout=timeout or None, force=force, ray_address=ray_address),
                      progress=(lambda t: click.echo(f"\r{t.line()}\033[K", err=True, nl=False)) if tty else None)
    if tty:
        click.echo(err=True)
    opened = Store(store)
    try:
        summary = write_summaries(opened, [t.name for t in expanded], outputs)
    finally:
        opened.close()
    for output in outputs:
        click.echo(f"summary written to {output}", err=True)
    if not outputs:
        click.echo(render_text(summary), nl=False)
    click.echo(f"{tally.done} audited, {tally.failed} failed, {tally.skipped} unchanged and skipped; "
               f"store: {store}", err=True)
    return 1 if summary.failed() else 0


def main() -> None:
    try:
        code = cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.exceptions.Abort as exc:
        # click turns Ctrl-C into Abort; an interrupt exits as shells expect (128 + SIGINT).
        interrupted = isinstance(exc.__context__, KeyboardInterrupt)
        _err("auditor: interrupted" if interrupted else "auditor: aborted")
        code = EXIT_INTERRUPTED if interrupted else EXIT_USAGE
    except click.ClickException as exc:
        _err(f"auditor: error: {exc.format_message()}")
        code = EXIT_USAGE
    except AuditorError as exc:
        _err(f"auditor: error: {exc}")
        code = EXIT_USAGE
    except KeyboardInterrupt:
        _err("auditor: interrupted")
        code = EXIT_INTERRUPTED
    except Exception as exc:  # a bug: still one line, the traceback on request
        if os.environ.get("AUDITOR_DEBUG"):
            raise
        _err(f"auditor: internal error: {type(exc).__name__}: {exc} (set AUDITOR_DEBUG=1 for a traceback)")
        code = EXIT_INTERNAL
    sys.exit(code if isinstance(code, int) else 0)
