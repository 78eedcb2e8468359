"""Discord's REST API v10, the part the bot uses."""
