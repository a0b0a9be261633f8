"""Reporters: terminal summary, SARIF 2.1.0 and JSON, all from the same records."""
