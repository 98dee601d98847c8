/* Source: shared/gateway-bench/slave.c of the steering repository. */
/* Independent RTU slave on a serial device, built on libmodbus: answers unit UNIT only. */
#include <modbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: slave DEVICE BAUD UNIT\n"); return 2; }
    modbus_t *ctx = modbus_new_rtu(argv[1], atoi(argv[2]), 'N', 8, 1);
    modbus_set_slave(ctx, atoi(argv[3]));
    modbus_mapping_t *map = modbus_mapping_new(2000, 2000, 2000, 2000);
    for (int i = 0; i < 2000; i++) { map->tab_registers[i] = 1000 + i; map->tab_input_registers[i] = 2000 + i; }
    if (modbus_connect(ctx) == -1) { fprintf(stderr, "connect: %s\n", modbus_strerror(errno)); return 1; }
    uint8_t q[MODBUS_RTU_MAX_ADU_LENGTH];
    for (;;) {
        int rc = modbus_receive(ctx, q);
        if (rc > 0) modbus_reply(ctx, q, rc, map);   /* modbus_receive filters other units */
        else if (rc == -1 && errno != EMBBADCRC && errno != EMBBADDATA && errno != ETIMEDOUT) { /* keep going */ }
    }
}
