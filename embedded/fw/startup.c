/* Reset and fault handling for the test firmware: vector table, .data and
 * .bss set-up, FPU access on hard-float builds, then main's result as the
 * semihosting exit status. */
#include <stdint.h>
#include "semihost.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
int main(void);
void Reset_Handler(void);

/* Exit status 250: distinct from any failure count main can return. */
static void Fault_Handler(void)
{
    sh_puts("FAULT: unexpected exception\n");
    sh_exit(250);
}

__attribute__((section(".isr_vector"), used)) static const void *const vectors[16] = {
    &_estack, Reset_Handler,
    Fault_Handler, /* NMI */
    Fault_Handler, /* HardFault */
    Fault_Handler, /* MemManage */
    Fault_Handler, /* BusFault */
    Fault_Handler, /* UsageFault */
    0, 0, 0, 0,
    Fault_Handler, /* SVCall */
    Fault_Handler, /* DebugMon */
    0,
    Fault_Handler, /* PendSV */
    Fault_Handler, /* SysTick */
};

void Reset_Handler(void)
{
    uint32_t *src = &_sidata, *dst = &_sdata;
    while (dst < &_edata)
        *dst++ = *src++;
    for (dst = &_sbss; dst < &_ebss;)
        *dst++ = 0;
#if defined(__ARM_FP)
    /* CPACR: CP10/CP11 full access, before any VFP instruction runs. */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    sh_exit((uint32_t)main());
}
