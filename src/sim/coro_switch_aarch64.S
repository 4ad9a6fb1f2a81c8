/*
 * coro_switch_aarch64.S - register swap for coroutines on aarch64 (AAPCS64).
 *
 * void coro_swap(void **save_sp, void *new_sp)
 *   Saves the callee-saved registers x19-x28, the frame pointer x29, the link register x30
 *   and the low halves d8-d15 of v8-v15 in a 160-byte frame, stores sp in *save_sp, loads
 *   new_sp, restores the same frame and returns through x30.
 *
 * coro_boot: first return target of a new stack. x19 holds the C entry function, x20 its
 *   argument.
 */
    .text
    .globl  coro_swap
    .type   coro_swap, %function
    .p2align 4
coro_swap:
    sub     sp, sp, #160
    stp     x19, x20, [sp, #0]
    stp     x21, x22, [sp, #16]
    stp     x23, x24, [sp, #32]
    stp     x25, x26, [sp, #48]
    stp     x27, x28, [sp, #64]
    stp     x29, x30, [sp, #80]
    stp     d8,  d9,  [sp, #96]
    stp     d10, d11, [sp, #112]
    stp     d12, d13, [sp, #128]
    stp     d14, d15, [sp, #144]
    mov     x9, sp
    str     x9, [x0]
    mov     sp, x1
    ldp     x19, x20, [sp, #0]
    ldp     x21, x22, [sp, #16]
    ldp     x23, x24, [sp, #32]
    ldp     x25, x26, [sp, #48]
    ldp     x27, x28, [sp, #64]
    ldp     x29, x30, [sp, #80]
    ldp     d8,  d9,  [sp, #96]
    ldp     d10, d11, [sp, #112]
    ldp     d12, d13, [sp, #128]
    ldp     d14, d15, [sp, #144]
    add     sp, sp, #160
    ret
    .size   coro_swap, .-coro_swap

    .globl  coro_boot
    .type   coro_boot, %function
    .p2align 4
coro_boot:
    mov     x0, x20
    blr     x19
    brk     #0
    .size   coro_boot, .-coro_boot

    .section .note.GNU-stack, "", %progbits
