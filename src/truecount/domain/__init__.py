"""Pure rules: quantities, movements, offers, health. Standard library only."""
