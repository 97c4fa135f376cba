/*
 * test_examples.c - suite "examples" (not written yet: registers nothing).
 */
#include "testutil.h"

CU_ErrorCode test_register_examples(void) { return CUE_SUCCESS; }
