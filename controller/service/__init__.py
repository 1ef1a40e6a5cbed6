"""Many devices from one host: per-device supervisors, and the front ends (MQTT, web) over them."""
