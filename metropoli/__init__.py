"""The command ``metropoli``: one module a sub-command."""
