"""Security rules for connected apps, profiles, suppressions, SARIF."""
