/*
 * algo_igemm_patch.c - the host side of the implicit GEMM's patch kernel
 * (cuda/igemm_patch_args.h): its arguments (the phases as the tiled kernel prepares them,
 * and the boxes of output positions) and the rule of which problems it takes.
 */
#include "algos.h"

#include "igemm_patch_args.h"

#include <stdio.h>
#include <string.h>

void tconv_patch_args_make(const tconv_problem *p, int config, int vec, tconv_patch_args *pa) {
  const tconv_patch_config c = tconv_patch_config_of(config);
  /* the tiled kernel's configuration of BN columns: n_tiles 1 for Cout/g <= BN */
  tconv_igemm_choice choice = {0, TCONV_IGEMM_MASK, 0, 1};
  for (int id = 0; id < TCONV_IGEMM_CONFIG_COUNT; ++id)
    if (tconv_igemm_config_of(id).bn == c.bn)
      choice.config = id;
  memset(pa, 0, sizeof *pa);
  tconv_igemm_args_make(p, &choice, &pa->a);
  pa->config = config;
  pa->vec = vec;
  const tconv_igemm_args *a = &pa->a;
  pa->boxes[0] = a->q_count[0][0];
  pa->boxes[1] = tconv_ceil_div(a->q_count[1][0], c.box_y);
  pa->boxes[2] = tconv_ceil_div(a->q_count[2][0], c.box_x);
  pa->blocks = a->g.n * pa->boxes[0] * pa->boxes[1] * pa->boxes[2];
}

/* The most taps of any residue of dimension d. */
static int32_t most_taps(const tconv_igemm_args *a, int d) {
  int32_t most = 0;
  for (int32_t r = 0; r < a->residues[d]; ++r)
    most = a->res[a->res_first[d] + r].taps > most ? a->res[a->res_first[d] + r].taps : most;
  return most;
}

int tconv_patch_fits(const tconv_problem *p, const tconv_patch_args *pa, char *why,
                     size_t why_size) {
  const tconv_igemm_args *a = &pa->a;
  const tconv_patch_config c = tconv_patch_config_of(pa->config);
  const int32_t taps0 = most_taps(a, 0), taps1 = most_taps(a, 1), taps2 = most_taps(a, 2);
  const int64_t step1 = a->t_cstep[1] < 0 ? -a->t_cstep[1] : a->t_cstep[1];
  const int64_t rows = (taps0 > 1 ? taps0 : 1) *
                       ((c.box_y - 1) * a->t_qstep[1] + (taps1 > 1 ? taps1 - 1 : 0) * step1 + 1);
  const char *no = NULL;
  if (a->g.cout_g > c.bn)
    no = "more output channels per group than the kernel's columns";
  else if (tconv_igemm_needs_wide(p))
    no = "tensors that need 64-bit offsets";
  else if (a->g.x_s[2] != 1 || a->t_qstep[2] != 1 || a->t_cstep[2] != (a->g.transposed ? -1 : 1))
    no = "taps or positions along the innermost dimension more than one element apart";
  else if (taps2 > TCONV_PATCH_TAPS_X || (int64_t)taps0 * taps1 > TCONV_PATCH_TAP_ROWS)
    no = "more taps per phase than the kernel unrolls";
  else if (rows > c.rows)
    no = "a patch of more rows than a stage holds";
  else if (pa->vec && a->g.x_s[1] % 4 != 0)
    no = "rows of x that do not start on 16 bytes (16-byte copies)";
  if (no != NULL) {
    snprintf(why, why_size, "igemm patch kernel: %s", no);
    return 0;
  }
  return 1;
}

const char *tconv_patch_kernel_name(int config, int vec) {
  static const char *const names[TCONV_PATCH_CONFIG_COUNT][2] = {
#define TCONV_PATCH_NAME(id, bn, tw) {"igemm_patch_" #bn "_x1", "igemm_patch_" #bn "_x4"},
      TCONV_PATCH_CONFIGS(TCONV_PATCH_NAME)
#undef TCONV_PATCH_NAME
  };
  return names[config][vec ? 1 : 0];
}
