/*
 * test_explain.c - suite "explain" (not written yet: registers nothing).
 */
#include "testutil.h"

CU_ErrorCode test_register_explain(void) { return CUE_SUCCESS; }
