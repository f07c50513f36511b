/* libFuzzer target: the ORC reader over arbitrary bytes. Every input must
 * end in an error or a clean read; never a crash, a leak, or an
 * allocation beyond the reader's limits. */
#include <stddef.h>
#include <stdint.h>

#include "floe_io.h"
#include "orc_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    floe_err e;
    floe_input *in = NULL;
    floe_orc_reader *r = NULL;
    if (floe_input_open_mem(data, size, "fuzz.orc", &in, &e) != FLOE_OK) return 0;
    /* both batch layouts (the merge reads row-major); the choice comes from
     * the input's size so every file is read one way, deterministically */
    floe_orc_reader_opts o = {.max_stripe_bytes = 64u << 20, .batch_rows = 256, .row_major = (int)(size & 1)};
    if (floe_orc_reader_open(in, &o, &r, &e) == FLOE_OK) {
        floe_orc_batch b;
        for (int i = 0; i < 1000; i++) {
            if (floe_orc_reader_next(r, &b, &e) != FLOE_OK || b.nrows == 0) break;
        }
        floe_orc_reader_close(r);
    }
    floe_input_close(in);
    return 0;
}
