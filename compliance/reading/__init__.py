"""Reading the files users give and the data the product ships: safe YAML/JSON with the line of every
value (`loading`), model errors as file:line: field (`validation`), manifests, registries, rulesets
and decisions files (`inputs`), manifest workbooks both ways (`workbook`, `workbook_template`), PACT
footprints (`pact`), where the shipped data lives (`resources`), output files written whole
(`output`) and the garbage-collector settings of large loads (`collecting`).

May import: `compliance.judging` (a ruleset that lint refuses never loads; a PACT default validity
is a calendar date), `compliance.models`, `compliance.language`."""
