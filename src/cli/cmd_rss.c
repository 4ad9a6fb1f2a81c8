#include "cli.h"
int cmd_rss(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return EXIT_USAGE;
}
