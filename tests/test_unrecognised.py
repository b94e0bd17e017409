"""A document that reads as a license or agreement but matches no known one: an unrecognised
license, reported as such, counted as a license file under a hinting name, and tracked across
history by its identity. READMEs, code, codes of conduct, security policies and attribution-only
NOTICE files never read as one."""

from __future__ import annotations

import pytest
from helpers import card, findings, run_cli, scan

from auditor.facts.license_like import reads_as_license
from auditor.facts.text import text_facts
from auditor.sources.base import Blob

# Abridged from Kwai-Kolors/Kolors MODEL_LICENSE (2024-07-06): Chinese first, the English version after.
KOLORS = """\
中文版
模型许可协议
模型发布日期：2024/7/6

通过点击同意或使用、复制、修改、分发、表演或展示模型作品的任何部分或元素，您将被视为已承认并接受本协议的内容，本协议立即生效。

1.定义。
a. “协议”指本协议中所规定的使用、复制、分发、修改、表演和展示模型作品或其任何部分或元素的条款和条件。

英文版

MODEL LICENSE AGREEMENT
Release Date: 2024/7/6
By clicking to agree or by using, reproducing, modifying, distributing, performing or displaying any portion or \
element of the Model Works, You will be deemed to have recognized and accepted the content of this Agreement, \
which is effective immediately.
1.   DEFINITIONS.
a.   “Agreement” shall mean the terms and conditions for use, reproduction, distribution, modification, \
performance and displaying of the Model Works or any portion or element thereof set forth herein.
g.   “Licensor” , “We” or “Us” shall mean the copyright owner or entity authorized by the copyright owner that \
is granting the License.
2.   LICENSE CONTENT.
a.   We grant You a non-exclusive, worldwide, non-transferable and royalty-free limited license under the \
intellectual property or other rights owned by Us embodied in or utilized by the Materials to use, reproduce, \
distribute, create derivative works of (including Model Derivatives), and make modifications to the Materials, \
only in accordance with the terms of this Agreement.
3.   LICENSE RESTRICITIONS.
b.   You must not use the Model Works or any Output or results of the Model Works to improve any other large \
model (other than Model or Model Derivatives thereof).
5.   DISCLAIMERS OF WARRANTY AND LIMITATIONS OF LIABILITY.
a. THE MODEL WORKS AND ANY OUTPUT AND RESULTS THERE FROM ARE PROVIDED "AS IS" WITHOUT ANY EXPRESS OR IMPLIED \
WARRANTY OF ANY KIND INCLUDING WARRANTIES OF MERCHANTABILITY, NONINFRINGEMENT, OR FITNESS FOR A PARTICULAR PURPOSE.
b.   IN NO EVENT SHALL WE BE LIABLE TO YOU FOR ANY DAMAGES, INCLUDING, BUT NOT LIMITED TO ANY DIRECT, OR INDIRECT, \
SPECIAL OR CONSEQUENTIAL DAMAGES ARISING FROM YOUR USE OR INABILITY TO USE THE MATERIALS OR ANY OUTPUT OF IT.
6.   SURVIVAL AND TERMINATION.
b.  We may terminate this Agreement if You breach any of the terms or conditions of this Agreement.
7.   GOVERNING LAW AND JURISDICTION.
a.   This Agreement and any dispute arising out of or relating to it will be governed by the laws of China.
"""

# Abridged from axolotl-ai-cloud/axolotl src/axolotl/integrations/LICENSE.md: a software agreement.
AXOLOTL = """\
### AXOLOTL COMMUNITY LICENSE AGREEMENT

This Axolotl Community License Agreement (“Agreement”) is entered into by and between Axolotl AI Corp. \
(“Axolotl”) and any individual or entity (“Licensee”) who wishes to use the Software.

1.  Definitions
    1.1 “Licensee” refers to any individual or entity who has obtained a copy of the Software under this Agreement.
2.  Grant of License
    2.1 Axolotl hereby grants Licensee a worldwide, non-exclusive, royalty-free, license to use, copy, modify,
        merge, publish, distribute, sublicense, and/or otherwise exploit the Software, subject to the following
        conditions:
3.  Restrictions
    3.1 Licensee shall not use the Software for any activity that constitutes a commercial activity of offering
        services to third parties for the purposes of allowing such third parties to fine-tune models.
4.  Disclaimer of Warranty
    THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED.
5.  Limitation of Liability
    IN NO EVENT SHALL AXOLOTL BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY.
"""

MODEL_CARD = """\
---
license: other
license_name: acme-model-license
license_link: LICENSE
---
# Acme-7B

Acme-7B is a chat model fine-tuned from our base model. This license-related section is short.

## Usage

```python
from transformers import AutoModelForCausalLM
model = AutoModelForCausalLM.from_pretrained("acme/acme-7b")
```

## Limitations

You may not use this model for medical advice. It may produce wrong answers.

## License

This model is released under the Acme Model License. The model is provided as is, without warranty of any kind,
and in no event shall the authors be liable for any damages arising from its use. You may not use it to harm
others; see the license agreement for the terms and conditions and the definitions of this license.
"""

CODE = '''\
# Copyright 2024 Acme Corp. All rights reserved.
"""Licensing helpers. This software is provided as is, without warranty of any kind; in no event shall
Acme be liable for any damages. You may not use it except under the terms of this license agreement."""

import os


def license_grant(path):
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        return handle.read()


class LicenseAgreement:
    def __init__(self, text):
        self.text = text
'''

CODE_OF_CONDUCT = """\
# Contributor Covenant Code of Conduct

## Our Pledge

We as members, contributors, and leaders pledge to make participation in our community a harassment-free
experience for everyone. You may not harass others; the terms of this code apply in all community spaces.

## Enforcement

Community leaders are responsible for clarifying and enforcing our standards of acceptable behavior and will
take appropriate and fair corrective action, including a temporary or permanent ban (termination of access).

## Attribution

This Code of Conduct is adapted from the Contributor Covenant, version 2.0. It is provided as is, without
warranty of any kind; in no event shall the maintainers be liable for any damages.
"""

SECURITY = """\
# Security Policy

## Supported Versions

| Version | Supported |
| ------- | --------- |
| 1.x     | yes       |

## Reporting a Vulnerability

Please do not report security vulnerabilities through public GitHub issues. You may not disclose a
vulnerability before a fix ships. The software is provided as is, without warranty of any kind, and we shall
not be liable for any damages; see the license agreement for the terms and conditions.
"""

NOTICE_ATTRIBUTIONS = """\
NOTICES AND INFORMATION
Do Not Translate or Localize

This software incorporates material from third parties.

Component: flash-attention (https://github.com/Dao-AILab/flash-attention)
Copyright (c) 2022, the respective contributors, as shown by the AUTHORS file.

Component: tokenizers (https://github.com/huggingface/tokenizers)
Copyright 2020 The HuggingFace Team.

Component: Acme kernels
Copyright 2023 Acme Corp.
"""


def facts_of(text: str):
    return text_facts(Blob(text.encode()))


@pytest.mark.parametrize("text", [KOLORS, AXOLOTL], ids=["kolors", "axolotl"])
def test_an_uncatalogued_license_is_an_unrecognised_license(text):
    facts = facts_of(text)
    assert facts.licenses == () and facts.closest is None
    assert facts.license_like and facts.unrecognised_license


@pytest.mark.parametrize("text", [MODEL_CARD, CODE, CODE_OF_CONDUCT, SECURITY, NOTICE_ATTRIBUTIONS],
                         ids=["model-card", "code", "code-of-conduct", "security", "notice-attributions"])
def test_documents_that_are_not_licenses_never_read_as_one(text):
    assert not reads_as_license(text)
    assert not facts_of(text).unrecognised_license


def test_the_real_readmes_codes_of_conduct_and_notices_of_real_repos_never_read_as_licenses():
    import subprocess

    from helpers import shared_path

    bundle = shared_path("repos", "ChuDinhKlopp+phi-3-mini-keyformer.bundle")
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["git", "clone", "-q", str(bundle), tmp + "/r"], check=True, capture_output=True)
        for name in ("README.md", "CODE_OF_CONDUCT.md", "SECURITY.md", "NOTICE.md", "modeling_phi3.py"):
            assert not reads_as_license((Path(tmp) / "r" / name).read_text(encoding="utf-8")), name


def test_identify_says_unrecognised_license(tmp_path):
    (tmp_path / "MODEL_LICENSE").write_text(KOLORS, encoding="utf-8")
    (tmp_path / "CODE_OF_CONDUCT.md").write_text(CODE_OF_CONDUCT, encoding="utf-8")
    result = run_cli("identify", str(tmp_path))
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert f"{tmp_path / 'CODE_OF_CONDUCT.md'}: no license identified" in lines
    assert (f"{tmp_path / 'MODEL_LICENSE'}: unrecognised license (reads as a license or agreement, matches no "
            "known one)") in lines
    import json

    docs = json.loads(run_cli("identify", str(tmp_path / "MODEL_LICENSE"), "--format", "json").stdout)
    assert docs[0]["matches"] == [] and docs[0]["unrecognised_license"] is True


def test_a_hinting_name_counts_when_its_text_reads_as_a_license(repo):
    repo.commit("Add", "2025-01-01 10:00:00", {
        "README.md": card("license: other\nlicense_name: kolors\nlicense_link: AGREEMENT.md"),
        "AGREEMENT.md": KOLORS, "LEGAL": AXOLOTL,
        "licensing_notes.md": "# Licensing notes\n\nWe talk to lawyers on Tuesdays about the license.\n",
        "terms_of_use.md": CODE_OF_CONDUCT, "license_check.py": CODE})
    doc = scan(repo.path)
    files = {lf["path"]: lf for lf in doc["license_files"]}
    assert sorted(files) == ["AGREEMENT.md", "LEGAL"]
    assert files["AGREEMENT.md"]["unrecognised_license"] is True and files["AGREEMENT.md"]["licenses"] == []


def test_an_unrecognised_license_is_tracked_by_identity_across_edits(repo):
    repo.commit("Add", "2025-01-01 10:00:00", {"README.md": card("license: other"), "AGREEMENT.md": KOLORS})
    repo.commit("Fix a typo", "2025-02-01 10:00:00",
                {"AGREEMENT.md": KOLORS.replace("RESTRICITIONS", "RESTRICTIONS")})
    doc = scan(repo.path)
    assert [e["event"] for e in doc["timeline"] if e["path"] == "AGREEMENT.md"] == ["added", "modified"]
    assert not findings(doc, "license-removed")
    repo.commit("Drop the agreement", "2025-03-01 10:00:00", {"AGREEMENT.md": None})
    [removed] = findings(scan(repo.path), "license-removed")
    assert removed["severity"] == "error"
    assert "unrecognised license text first seen in AGREEMENT.md" in removed["message"]
