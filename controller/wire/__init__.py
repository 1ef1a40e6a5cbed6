"""The host's side of firmware_protocol.md: typed messages, the frame codec, the one pyserial seam, the
request/response link and what a device reports in its handshake. Imports nothing above it; the
simulator (sim/) has its own, independent codec, so the document's test vectors catch a shared bug."""
