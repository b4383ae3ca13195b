"""What no shipped ruleset judges (data)."""
