/* The round trip's floors in C: an instant echo peer on a pty, and a client that times round trips to it.
 *
 * bench/native.py builds this with the host's `cc` into a cache folder (never committed) and starts it:
 *
 *   cfloor echo cobs REPLIES     answer each 0x00-ended frame of 3+ bytes with REPLIES[its seq]
 *   cfloor echo fixed REQ REPLY  answer each exact REQ with REPLY (a Modbus RTU FC 6 request is echoed)
 *   cfloor client PATH FRAMES    per stdin line "N": N round trips on PATH, sending FRAMES[1..255] in turn
 *
 * REPLIES and FRAMES are 256 hex strings joined by commas; REQ and REPLY are hex. Like the Python peers
 * (bench/procs.py) each first prints one JSON line {"path", "pid"}. The client answers each request line
 * with a JSON list of the round trips in seconds (CLOCK_MONOTONIC, as Python's perf_counter), or with
 * {"error": ...}. The echo serves until stdin closes. The echo keeps the pty's slave side open itself, so
 * the master never sees a hang-up between clients.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MAX_MSG 256
#define NSEQ 256
#define CHUNK 4096
#define READ_TIMEOUT_DS 10 /* a client's read gives up after 1 s of silence (VTIME, deciseconds) */

typedef struct {
    unsigned char b[MAX_MSG];
    size_t n;
} msg;

/* Report a failed system call and end. */
static void die(const char *what) {
    perror(what);
    exit(1);
}

/* One hex digit's value; ends the program on anything else. */
static int nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    fprintf(stderr, "cfloor: bad hex digit %c\n", c);
    exit(2);
}

/* The `len` hex characters at `s` as a message. */
static void unhex(const char *s, size_t len, msg *m) {
    if (len % 2 || len / 2 > MAX_MSG) {
        fprintf(stderr, "cfloor: bad hex message of %zu characters\n", len);
        exit(2);
    }
    m->n = len / 2;
    for (size_t i = 0; i < m->n; i++) m->b[i] = (unsigned char)(nibble(s[2 * i]) << 4 | nibble(s[2 * i + 1]));
}

/* NSEQ comma-separated hex messages. */
static void unhex_list(const char *s, msg *out) {
    for (int i = 0; i < NSEQ; i++) {
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        unhex(s, len, &out[i]);
        if (!end && i != NSEQ - 1) {
            fprintf(stderr, "cfloor: expected %d messages, got %d\n", NSEQ, i + 1);
            exit(2);
        }
        s = end ? end + 1 : s + len;
    }
}

/* Write all of it. */
static void write_all(int fd, const unsigned char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            die("write");
        }
        p += w;
        n -= (size_t)w;
    }
}

/* Raw mode (no echo, no translation); reads return what has arrived, or nothing after `vtime_ds`. */
static void set_raw(int fd, int vtime_ds) {
    struct termios t;
    if (tcgetattr(fd, &t) < 0) die("tcgetattr");
    cfmakeraw(&t);
    t.c_cc[VMIN] = vtime_ds ? 0 : 1;
    t.c_cc[VTIME] = (cc_t)vtime_ds;
    if (tcsetattr(fd, TCSANOW, &t) < 0) die("tcsetattr");
}

/* Body byte 1 (seq) of a COBS-encoded frame whose ver byte is non-zero, as bench/peers/echo.py reads it. */
static int seq_of(const unsigned char *frame) { return frame[0] > 2 ? frame[2] : 0; }

/* Answer every complete frame in buf[0..n); returns how many bytes are left over (an unfinished frame). */
static size_t answer_cobs(int fd, unsigned char *buf, size_t n, const msg *replies) {
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (buf[i] != 0) continue;
        if (i - start >= 3) write_all(fd, replies[seq_of(buf + start)].b, replies[seq_of(buf + start)].n);
        start = i + 1;
    }
    memmove(buf, buf + start, n - start);
    return n - start;
}

/* Answer every exact request in buf[0..n), skipping a byte at a time past anything else; bytes left. */
static size_t answer_fixed(int fd, unsigned char *buf, size_t n, const msg *req, const msg *reply) {
    size_t at = 0;
    while (n - at >= req->n) {
        if (memcmp(buf + at, req->b, req->n) == 0) {
            write_all(fd, reply->b, reply->n);
            at += req->n;
        } else {
            at++;
        }
    }
    memmove(buf, buf + at, n - at);
    return n - at;
}

/* A fresh raw pty; its slave stays open here. Prints the hello line; returns the master. */
static int open_pty(void) {
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) die("posix_openpt");
    const char *path = ptsname(master);
    int slave = path ? open(path, O_RDWR | O_NOCTTY) : -1;
    if (slave < 0) die("open slave");
    set_raw(slave, 0);
    printf("{\"path\": \"%s\", \"pid\": %d}\n", path, (int)getpid());
    fflush(stdout);
    return master;
}

/* Serve on a new pty until stdin closes: cobs mode if `replies`, else fixed mode. */
static int echo(const msg *replies, const msg *req, const msg *reply) {
    static unsigned char buf[2 * CHUNK];
    size_t n = 0;
    int master = open_pty();
    struct pollfd fds[2] = {{master, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    for (;;) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            die("poll");
        }
        if (fds[1].revents) {
            char sink[64];
            if (read(STDIN_FILENO, sink, sizeof sink) <= 0) return 0;
        }
        if (!(fds[0].revents & POLLIN)) continue;
        if (n > CHUNK) n = 0; /* no frame is this long: drop the garbage */
        ssize_t got = read(master, buf + n, CHUNK);
        if (got < 0) die("read");
        n += (size_t)got;
        n = replies ? answer_cobs(master, buf, n, replies) : answer_fixed(master, buf, n, req, reply);
    }
}

/* Seconds on the monotonic clock. */
static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Send one frame and read until the reply's closing 0x00; 0 on success, -1 after a second of silence. */
static int round_trip(int fd, const msg *frame) {
    unsigned char buf[CHUNK];
    write_all(fd, frame->b, frame->n);
    for (;;) {
        ssize_t got = read(fd, buf, sizeof buf);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) die("read");
        if (got == 0) return -1;
        if (buf[got - 1] == 0) return 0;
    }
}

/* Time `n` round trips and print them as one JSON line. */
static void batch(int fd, const msg *frames, long n, int *seq) {
    static double took[100000];
    if (n < 1 || n > 100000) {
        printf("{\"error\": \"a batch is 1 to 100000 round trips\"}\n");
        return;
    }
    set_raw(fd, READ_TIMEOUT_DS); /* again each batch: another client on this pty may have changed it */
    for (long i = 0; i < n; i++) {
        *seq = *seq % 255 + 1;
        double t0 = now_s();
        if (round_trip(fd, &frames[*seq]) < 0) {
            printf("{\"error\": \"the peer did not answer within a second\"}\n");
            return;
        }
        took[i] = now_s() - t0;
    }
    putchar('[');
    for (long i = 0; i < n; i++) printf(i ? ",%.9f" : "%.9f", took[i]);
    printf("]\n");
}

/* Open the port, say so, and run each batch asked for on stdin until it closes. */
static int client(const char *path, const msg *frames) {
    char line[64];
    int seq = 0;
    int fd = open(path, O_RDWR | O_NOCTTY);
    if (fd < 0) die(path);
    printf("{\"path\": \"%s\", \"pid\": %d}\n", path, (int)getpid());
    fflush(stdout);
    while (fgets(line, sizeof line, stdin)) {
        batch(fd, frames, strtol(line, NULL, 10), &seq);
        fflush(stdout);
    }
    return 0;
}

static msg table[NSEQ];

int main(int argc, char **argv) {
    msg req, reply;
    if (argc == 4 && strcmp(argv[1], "echo") == 0 && strcmp(argv[2], "cobs") == 0) {
        unhex_list(argv[3], table);
        return echo(table, NULL, NULL);
    }
    if (argc == 5 && strcmp(argv[1], "echo") == 0 && strcmp(argv[2], "fixed") == 0) {
        unhex(argv[3], strlen(argv[3]), &req);
        unhex(argv[4], strlen(argv[4]), &reply);
        if (req.n == 0) return 2;
        return echo(NULL, &req, &reply);
    }
    if (argc == 4 && strcmp(argv[1], "client") == 0) {
        unhex_list(argv[3], table);
        return client(argv[2], table);
    }
    fprintf(stderr, "usage: cfloor echo cobs REPLIES | echo fixed REQ REPLY | client PATH FRAMES\n");
    return 2;
}
