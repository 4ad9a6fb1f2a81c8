/*
 * pcap.h - packet capture files: the classic libpcap format with nanosecond timestamps
 * (magic 0xa1b23c4d), link type Ethernet, frames without their FCS, as Wireshark and
 * tshark read them.
 */
#ifndef MPSTACK_HWMODEL_PCAP_H
#define MPSTACK_HWMODEL_PCAP_H

#include <stddef.h>
#include <stdint.h>

#include "sim/sim_time.h"

struct pcap_writer;

/* Create (truncate) the file and write its header; NULL with errno set on failure. */
struct pcap_writer *pcap_open(const char *path);
/* One frame seen at simulated time t. */
void pcap_write(struct pcap_writer *w, sim_time_t t, const uint8_t *data, size_t len);
uint64_t pcap_frames(const struct pcap_writer *w);
/* Flush and close; returns 0, or -1 with errno set if a write failed. */
int pcap_close(struct pcap_writer *w);

#endif
