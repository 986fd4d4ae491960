"""The command line (``commands``) and the reports it prints: the plan, cost, lifecycle, network policy,
scheduler and stack-count tables, and the HTML cost report."""
