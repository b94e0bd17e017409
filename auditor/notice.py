"""`auditor notice`: the attribution file that meets the upstream obligations a scan found.

For each upstream: its copyright line, the notice sentence its license requires, a reference to its
use restrictions, and the license text itself where ScanCode's LicenseDB has it (otherwise the exact
text to add and where its publisher hosts it). Lines that belong in the README ("Built with ...",
the naming rule) are listed as instructions, not written into the notice.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.facts.licensedb import reference_text
from auditor.facts.upstreams import Upstream, resolve
from auditor.model import Audit

NOTHING_TO_ATTRIBUTE = "No upstream with attribution obligations was found: there is nothing to write."


@dataclass(frozen=True)
class NoticePlan:
    text: str  # the file to add (NOTICE); empty when there is nothing to attribute
    instructions: tuple[str, ...]  # what the file cannot do: README lines, texts to fetch


def _section(upstream: Upstream) -> tuple[list[str], list[str]]:
    info = upstream.license
    lines = [f"== {upstream.label}: {info.name} ==", ""]
    todo: list[str] = []
    ships = upstream.ships
    if ships and ships.copyright and info.obligation("retain-copyright"):
        lines += [*ships.copyright, ""]  # verbatim, as the upstream ships them
    if ships and ships.notice and info.obligation("propagate-notice"):
        lines += [ships.notice.rstrip("\n"), ""]
    if info.notice and info.obligation("notice-string"):
        lines += [info.notice, ""]
    restrictions = info.obligation("use-restrictions")
    if restrictions:
        where = f": {restrictions.url}" if restrictions.url else ""
        lines += [f"Use of this model is subject to the {restrictions.policy or 'use restrictions'} of the "
                  f"{info.name}{where}", ""]
    if info.obligation("include-license"):
        text = reference_text(info.key)
        if text:
            lines += [text.strip(), ""]
        else:
            where = f" from {info.url}" if info.url else ""
            todo.append(f"Add the full text of the {info.name}{where} to the repo (as LICENSE-{info.key} or in "
                        "this NOTICE); this tool does not carry that text.")
    if info.attribution and info.obligation("attribution"):
        todo.append(f'Add "{info.attribution}" to the README, where users of the model will see it.')
    naming = info.obligation("naming")
    if naming and naming.prefix:
        todo.append(f'Begin the model name with "{naming.prefix}".')
    limits = info.obligation("field-of-use")
    if limits:
        todo.append(f"Know the field-of-use limit: {limits.clause}.")
    return lines, todo


def _datasets_section(audit: Audit) -> tuple[list[str], list[str]]:
    """Credit for the training data whose license asks for it, and the generators' terms on outputs."""
    lines: list[str] = []
    todo: list[str] = []
    for dataset in audit.facts.datasets:
        label = f"{dataset.title} ({dataset.name})" if dataset.title and dataset.title != dataset.name else dataset.name
        if dataset.attribution:
            credit = dataset.credit or f"https://huggingface.co/datasets/{dataset.name}"
            lines += [f"Trained on {label}, licensed under {dataset.license}: {credit}", ""]
        for terms in dataset.generated_by:
            if terms.prefix:
                todo.append(f'Begin the model name with "{terms.prefix}": {label} holds outputs of {terms.generator} '
                            f"({terms.clause}).")
                continue
            where = f" ({terms.url})" if terms.url else ""
            lines += [f"{label} contains outputs of {terms.generator}; the {terms.name}{where} apply to them: "
                      f"{terms.restriction}.", ""]
    return (["== Training data ==", "", *lines] if lines else []), todo


def plan_notice(audit: Audit) -> NoticePlan:
    resolution = resolve(audit.facts)
    lines = ["NOTICE", "",
             "This model is derived from the upstream models below. Their licenses require the notices,",
             "references and texts that follow.", ""]
    instructions: list[str] = []
    for upstream in resolution.upstreams:
        section, todo = _section(upstream)
        lines += section
        instructions += todo
    for alternatives in resolution.open_questions:
        names = ", ".join(c.upstream or "?" for c in alternatives)
        instructions.append(f"Declare which of {names} the model derives from (base_model in the card): "
                            "their licenses differ, so the notice cannot be written for them.")
    data_lines, data_todo = _datasets_section(audit)
    instructions += data_todo
    if not resolution.upstreams and not data_lines:
        return NoticePlan(text="", instructions=tuple(instructions))
    lines += data_lines
    return NoticePlan(text="\n".join(lines).rstrip("\n") + "\n", instructions=tuple(instructions))
