"""The emulated voice gateway's side of DAVE, Discord's end-to-end encryption for voice.

Discord's voice gateway is the MLS delivery service and the group's one external sender
(the DAVE protocol description, "Delivery Service"): it proposes who joins and leaves the group,
picks the winning commit of each epoch and tells the members when to switch keys. ``tls_codec``
holds the MLS wire encoding (RFC 9420 section 2.1), ``mls`` the few messages the gateway signs
or reads, ``participant`` the members (nextcord connections and simulated humans, each with a
``dave.Session``) and ``group`` the handshake for one voice channel.
"""
