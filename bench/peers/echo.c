/* The C floor peer: a raw pty that answers every frame with a canned reply carrying the frame's seq.
 *
 * Like bench/peers/echo.py but without Python's own cost on the far side, so what is left of a round
 * trip is the OS's pty and the client. argv[1] names a file of 256 lines, line n the hex of the reply
 * to a frame with seq n. Prints {"path": ..., "pid": ...} on stdout, serves until stdin closes.
 * Built by bench/floor.py with the host's cc.
 */
#define _XOPEN_SOURCE 600
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static unsigned char replies[256][256];
static size_t reply_len[256];

static int load(const char *path) {
    FILE *f = fopen(path, "r");
    char line[1024];
    for (int n = 0; f && n < 256 && fgets(line, sizeof line, f); n++) {
        size_t len = strcspn(line, "\r\n") / 2;
        for (size_t i = 0; i < len && i < sizeof replies[n]; i++) {
            unsigned int byte;
            sscanf(line + 2 * i, "%2x", &byte);
            replies[n][i] = (unsigned char)byte;
        }
        reply_len[n] = len;
    }
    return f ? fclose(f) : -1;
}

/* Body byte 1 (seq) of a COBS-encoded frame whose ver byte is non-zero (see echo.py). */
static int seq_of(const unsigned char *frame) { return frame[0] > 2 ? frame[2] : 0; }

int main(int argc, char **argv) {
    if (argc != 2 || load(argv[1]) != 0) {
        fprintf(stderr, "usage: echo REPLIES-FILE\n");
        return 2;
    }
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) || unlockpt(master)) return 1;
    const char *name = ptsname(master);
    int slave = open(name, O_RDWR | O_NOCTTY); /* held open: the pty never hangs up between clients */
    struct termios raw;
    if (slave < 0 || tcgetattr(slave, &raw)) return 1;
    cfmakeraw(&raw);
    tcsetattr(slave, TCSANOW, &raw);
    printf("{\"path\": \"%s\", \"pid\": %d}\n", name, (int)getpid());
    fflush(stdout);
    struct pollfd fds[2] = {{master, POLLIN, 0}, {0, POLLIN, 0}};
    unsigned char buf[4096], frame[512];
    size_t flen = 0;
    for (;;) {
        if (poll(fds, 2, -1) < 0) return 1;
        if (fds[1].revents && read(0, buf, sizeof buf) <= 0) return 0;
        if (!(fds[0].revents & POLLIN)) continue;
        ssize_t n = read(master, buf, sizeof buf);
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] != 0) {
                if (flen < sizeof frame) frame[flen++] = buf[i];
                continue;
            }
            if (flen >= 3) {
                int seq = seq_of(frame);
                if (write(master, replies[seq], reply_len[seq]) < 0) return 1;
            }
            flen = 0;
        }
    }
}
