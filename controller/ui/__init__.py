"""What a person sees: the live and plain run views, the key reader, and renderings of programs, devices
and session reports. Imports the layers below; nothing below imports it."""
