/*
 * test_threads.c - suite "threads" (not written yet: registers nothing).
 */
#include "testutil.h"

CU_ErrorCode test_register_threads(void) { return CUE_SUCCESS; }
