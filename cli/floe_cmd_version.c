#include <lz4.h>
#include <stdio.h>
#include <zlib.h>
#include <zstd.h>

#include "floe_cli.h"
#include "floe_version.h"

int floe_cmd_version(int argc, char **argv) {
    if (floe_cli_wants_help(argc, argv)) {
        printf("usage: floe version\n\nPrints floe's version and the versions of the "
               "compression libraries it runs with.\n");
        return 0;
    }
    printf("floe %s\n", FLOE_VERSION);
    printf("zstd %s, lz4 %s, zlib %s\n", ZSTD_versionString(), LZ4_versionString(),
           zlibVersion());
    return 0;
}
