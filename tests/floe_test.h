/*
 * floe_test.h: floe's tiny unit-test harness (header only).
 *
 * A test file defines `static void test_x(void)` functions, lists them in
 * FT_MAIN(test_x, test_y), and uses the FT_* checks, which print both values
 * on failure and go on with the next test. The program prints one line per
 * failure and ends with "N passed, N failed"; it exits non-zero on any
 * failure. ctest runs each test program; sanitizer builds run the same ones.
 */
#ifndef FLOE_TEST_H
#define FLOE_TEST_H

#include <inttypes.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ft__failed_checks;
static jmp_buf ft__jmp;

#define FT__FAIL(...)                                                          \
    do {                                                                       \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                        \
        fprintf(stderr, __VA_ARGS__);                                          \
        fputc('\n', stderr);                                                   \
        ft__failed_checks++;                                                   \
        longjmp(ft__jmp, 1);                                                   \
    } while (0)

#define FT_CHECK(cond)                                                         \
    do {                                                                       \
        if (!(cond)) FT__FAIL("check failed: %s", #cond);                      \
    } while (0)

#define FT_EQ_INT(a, b)                                                        \
    do {                                                                       \
        long long ft__a = (long long)(a), ft__b = (long long)(b);              \
        if (ft__a != ft__b)                                                    \
            FT__FAIL("%s == %s: %lld != %lld", #a, #b, ft__a, ft__b);          \
    } while (0)

#define FT_EQ_U64(a, b)                                                        \
    do {                                                                       \
        unsigned long long ft__a = (a), ft__b = (b);                           \
        if (ft__a != ft__b)                                                    \
            FT__FAIL("%s == %s: %llu != %llu", #a, #b, ft__a, ft__b);          \
    } while (0)

#define FT_EQ_STR(a, b)                                                        \
    do {                                                                       \
        const char *ft__a = (a), *ft__b = (b);                                 \
        if (!ft__a || !ft__b || strcmp(ft__a, ft__b) != 0)                     \
            FT__FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b,                     \
                     ft__a ? ft__a : "(null)", ft__b ? ft__b : "(null)");      \
    } while (0)

#define FT_EQ_MEM(a, b, n)                                                     \
    do {                                                                       \
        if (memcmp((a), (b), (n)) != 0)                                        \
            FT__FAIL("%s and %s differ in their first %zu bytes", #a, #b,      \
                     (size_t)(n));                                             \
    } while (0)

/* Check a floe_status call succeeded; print the error message if not. */
#define FT_OK(expr, errp)                                                      \
    do {                                                                       \
        int ft__s = (int)(expr);                                               \
        if (ft__s != 0)                                                        \
            FT__FAIL("%s failed: status %d: %s", #expr, ft__s, (errp)->msg);   \
    } while (0)

typedef void (*ft__fn)(void);

static int ft__run(const char *const *names, const ft__fn *fns, int n, int argc,
                   char **argv) {
    volatile int passed = 0, failed = 0;
    for (volatile int i = 0; i < n; i++) {
        if (argc > 1 && strstr(names[i], argv[1]) == NULL) continue;
        volatile int before = ft__failed_checks;
        if (setjmp(ft__jmp) == 0) fns[i]();
        if (ft__failed_checks != before) {
            fprintf(stderr, "FAIL %s\n", names[i]);
            failed++;
        } else {
            passed++;
        }
    }
    printf("%d passed, %d failed\n", (int)passed, (int)failed);
    if (passed + failed == 0) {
        fprintf(stderr, "no test matched \"%s\"\n", argc > 1 ? argv[1] : "");
        return 1;
    }
    return failed ? 1 : 0;
}

#define FT__STR(x) #x
#define FT_MAIN(...)                                                           \
    int main(int argc, char **argv) {                                          \
        static const ft__fn fns[] = {__VA_ARGS__};                             \
        static char list[] = #__VA_ARGS__;                                     \
        const char *names[sizeof fns / sizeof fns[0]];                         \
        int n = 0;                                                             \
        for (char *tok = strtok(list, ", \n"); tok && n < (int)(sizeof fns / sizeof fns[0]); \
             tok = strtok(NULL, ", \n"))                                       \
            names[n++] = tok;                                                  \
        return ft__run(names, fns, n, argc, argv);                             \
    }

#endif
