/*
 * test_upsample.c - suite "upsample" (not written yet: registers nothing).
 */
#include "testutil.h"

CU_ErrorCode test_register_upsample(void) { return CUE_SUCCESS; }
