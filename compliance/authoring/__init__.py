"""Rules authoring: a ruleset's test cases and their coverage (`cases`), what changed between two
ruleset versions and which inventory rows it moves (`diff`), and a trace of the engine's own answers
for one item (`explain`).

May import: `compliance.inventory`, `compliance.render`, `compliance.api` and every layer below them."""
