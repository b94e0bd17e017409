"""`auditor fleet`: the audit of `auditor scan`, run over many targets, resumable, with one summary.

targets.py expands the command line into targets; task.py is the one function a worker runs per
target; engines.py runs it on a local process pool or on Ray; store.py is the SQLite file the driver
writes as each target finishes; run.py is the driver; summary.py renders the summary.
"""
