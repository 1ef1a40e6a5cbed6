// Every constant of firmware_protocol.md the firmware uses, named once beside its section.
#ifndef PROTO_H
#define PROTO_H

// §2.2 frame: ver | seq | type | len | payload | crc (u16, big-endian)
#define PROTO_MAJOR 1
#define PROTO_MINOR 1
#define HEADER_LEN 4
#define CRC_LEN 2

// §2.3 limits (1.1: MAX_ENCODED is MAX_BODY + 1, COBS adds exactly one byte to a body of <= 254)
#define MAX_PAYLOAD 240
#define MAX_BODY (HEADER_LEN + MAX_PAYLOAD + CRC_LEN)
#define MAX_ENCODED (MAX_BODY + 1)
#define MIN_BODY (HEADER_LEN + CRC_LEN)

// §3 message types
#define MSG_HELLO 0x01
#define MSG_SET 0x02
#define MSG_SOFT_STOP 0x03
#define MSG_ESTOP 0x04
#define MSG_HEARTBEAT 0x05
#define MSG_GET_STATUS 0x06
#define MSG_GET_ZONE 0x07
#define MSG_KEEPALIVE 0x08 // 1.1: never answered
#define MSG_RENEW 0x09     // 1.1
#define MSG_ACK 0x80
#define MSG_HELLO_REPLY 0x81
#define MSG_NAK 0x82
#define MSG_STATUS 0x83
#define MSG_ZONE_INFO 0x84
#define MSG_EVENT 0x85

// §3.6 NAK codes
#define NAK_BAD_CRC 1
#define NAK_MALFORMED 2
#define NAK_UNKNOWN_TYPE 3
#define NAK_BAD_VERSION 4
#define NAK_OUT_OF_RANGE 5
#define NAK_UNSUPPORTED_ZONE 6
#define NAK_UNSUPPORTED_MOTION 7
#define NAK_OVERHEAT 8
#define NAK_BUSY 9
#define NAK_NOT_READY 10
#define NAK_ESTOP_LATCHED 11
#define NAK_SESSION_LIMIT 12
#define NAK_ZONE_STUCK 13
#define NAK_ZONE_OFF 14 // 1.1, only ever sent to RENEW

// §3.6 EVENT codes
#define EV_BUTTON 1
#define EV_OVERHEAT 2
#define EV_WATCHDOG 3
#define EV_FOOT_REMOVED 4
#define EV_RESET 5
#define EV_LEASE_EXPIRED 6
#define EV_SESSION_LIMIT 7
#define EV_STOPPED 8

// §3.7 device states
#define ST_WAITING 0
#define ST_READY 1
#define ST_ACTIVE 2
#define ST_STOPPING 3
#define ST_SAFE_STOP 4
#define ST_ESTOP 5
#define ST_FAULT 6

// §3.7 fault flags (all but ZONE_STUCK are latched)
#define FL_OVERHEAT 0x01
#define FL_WATCHDOG 0x02
#define FL_SESSION_LIMIT 0x04
#define FL_ZONE_STUCK 0x08
#define FL_ESTOP 0x10

// §3.2 HELLO_REPLY flags and reset causes; §3.5 ZONE_INFO flags
#define HELLO_FLAG_SIMULATOR 0x01
#define HELLO_FLAG_HEATER 0x02
#define ZONE_FLAG_HEATED 0x01
#define RESET_POWER_ON 0
#define RESET_WATCHDOG 1
#define RESET_BROWN_OUT 2

// §3.3 SET, §6.7 soft stop, §6.4 heater, 1.1 GET_STATUS flags
#define SET_MAX_ENTRIES 16
#define SET_ENTRY_LEN 7
#define MIN_LEASE_MS 100
#define MAX_RAMP_MS 10000
#define RAMP_STEP_MS 100
#define SKIN_LIMIT_DC 410
#define FAULT_CLEAR_MARGIN_DC 30
#define TEMP_NO_READING (-32768)
#define STATUS_ONLY_ON 0x01
#define RENEW_LEN 6

#endif
