/*
 * coro_switch_x86_64.S - register swap for coroutines on x86-64 (System V ABI).
 *
 * void coro_swap(void **save_sp, void *new_sp)
 *   Pushes the callee-saved registers (rbp, rbx, r12-r15) on the current stack, stores the
 *   stack pointer in *save_sp, loads new_sp, pops the same registers and returns on the new
 *   stack. Caller-saved registers need no saving: coro_swap is an ordinary call. The x87
 *   control word and MXCSR are callee-saved too, but nothing in mpstack changes them, so
 *   they are not swapped.
 *
 * coro_boot: first return target of a new stack (see coro.c). r12 holds the C entry
 *   function, r13 its argument; rbp is 0 so debuggers see the end of the frame chain.
 */
    .text
    .globl  coro_swap
    .type   coro_swap, @function
    .p2align 4
coro_swap:
    pushq   %rbp
    pushq   %rbx
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    movq    %rsp, (%rdi)
    movq    %rsi, %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbx
    popq    %rbp
    ret
    .size   coro_swap, .-coro_swap

    .globl  coro_boot
    .type   coro_boot, @function
    .p2align 4
coro_boot:
    movq    %r13, %rdi
    callq   *%r12
    ud2
    .size   coro_boot, .-coro_boot

    .section .note.GNU-stack, "", @progbits
