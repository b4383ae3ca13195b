"""Judging: derived facts per item (`facts`), whether a ruleset version applies (`applicability`),
the check kinds (`checks`), the program of versions in force and its verification (`program`), the
durable-rules adapter (`engine`, the only importer of durable) and its plain-Python second opinion
(`reference`), requirement statuses and verdicts (`verdicts`), decisions on review items
(`decide`), documents to obtain (`obtain`), what an answer covers (`coverage`) and what makes a
ruleset unusable (`ruleset_lint`).

May import: `compliance.models`, `compliance.language`. Never reads a file: the readers hand it
models."""
