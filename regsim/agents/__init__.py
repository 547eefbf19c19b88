"""Mesa agents: settlements and firms (households are a column table, see ``regsim.households``)."""
