"""Real apps that each accept ONLY one way of logging in and sending credentials (issue 19)."""
