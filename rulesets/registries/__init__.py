"""The shipped sample accreditation registry (data)."""
