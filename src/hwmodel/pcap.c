/*
 * pcap.c - see pcap.h. Fields are written in the host's byte order, which the magic number
 * tells readers (the format's rule).
 */
#include "pcap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/panic.h"

#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAP_LINKTYPE_ETHERNET 1u
#define PCAP_SNAPLEN 65535u

struct pcap_writer {
    FILE *f;
    uint64_t frames;
    int err;          /* first errno of a failed write */
};

struct pcap_file_header {
    uint32_t magic;
    uint16_t version_major, version_minor;
    int32_t thiszone;
    uint32_t sigfigs, snaplen, linktype;
};

struct pcap_rec_header {
    uint32_t ts_sec, ts_nsec, incl_len, orig_len;
};

struct pcap_writer *pcap_open(const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return NULL;
    struct pcap_file_header h = {PCAP_MAGIC_NS, 2, 4, 0, 0, PCAP_SNAPLEN,
                                 PCAP_LINKTYPE_ETHERNET};
    if (fwrite(&h, sizeof(h), 1, f) != 1) {
        int e = errno;
        fclose(f);
        errno = e;
        return NULL;
    }
    struct pcap_writer *w = xcalloc(1, sizeof(*w));
    w->f = f;
    return w;
}

void pcap_write(struct pcap_writer *w, sim_time_t t, const uint8_t *data, size_t len)
{
    uint64_t ns = t / 1000;
    size_t incl = len < PCAP_SNAPLEN ? len : PCAP_SNAPLEN;
    struct pcap_rec_header r = {(uint32_t)(ns / 1000000000u), (uint32_t)(ns % 1000000000u),
                                (uint32_t)incl, (uint32_t)len};
    if ((fwrite(&r, sizeof(r), 1, w->f) != 1 || fwrite(data, 1, incl, w->f) != incl) && !w->err)
        w->err = errno ? errno : EIO;
    w->frames++;
}

uint64_t pcap_frames(const struct pcap_writer *w) { return w->frames; }

int pcap_close(struct pcap_writer *w)
{
    if (!w)
        return 0;
    int err = w->err;
    if (fclose(w->f) != 0 && !err)
        err = errno ? errno : EIO;
    free(w);
    errno = err;
    return err ? -1 : 0;
}
