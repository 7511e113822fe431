"""The named scenarios shipped with techbloc (YAML files, each with its sources)."""
