/*
 * kern_host.h - build the stack's view of a simulated host (kern.h) from the hardware model.
 */
#ifndef MPSTACK_WORLD_KERN_HOST_H
#define MPSTACK_WORLD_KERN_HOST_H

#include <stdint.h>

#include "stack/kern.h"

struct hw_host;
struct nic;

struct kern_machine *kern_host_create(struct hw_host *h, const uint64_t op_cycles[KOP_COUNT]);
void kern_host_destroy(struct kern_machine *km);
/* Make a NIC of the host visible to its kernel as a device; `socket` is where its PCIe
 * root port is (nics.<n>.socket). */
struct kern_dev *kern_host_add_dev(struct kern_machine *km, struct nic *n, unsigned socket);

#endif
