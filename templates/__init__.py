"""The checklist templates: data, installed inside the package as compliance.templates."""
