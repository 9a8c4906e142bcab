"""Real-time alerts: rules over the one judgement, their lifecycle, one evaluator per deployment,
and delivery to the team's channels. Import the modules themselves (the store imports `models`)."""
