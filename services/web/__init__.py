"""The dashboard: moderators' and members' pages, with Discord login (see ``app``)."""
