"""model-license-auditor: license-compliance audits of machine-learning model repositories."""

__version__ = "0.1.0"
