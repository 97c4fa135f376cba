/*
 * explain.h - `tconv explain conv|transpose`: a terminal rendition of the convolution
 * arithmetic animations (Dumoulin & Visin) for one small rank-1 or rank-2 problem.
 */
#ifndef TCONV_EXPLAIN_H
#define TCONV_EXPLAIN_H

/* Limits of what explain draws; larger problems are refused with exit status 2. */
#define EXPLAIN_MAX_INPUT 16  /* input size per dimension */
#define EXPLAIN_MAX_OUTPUT 32 /* output size per dimension */
#define EXPLAIN_MAX_KERNEL 16 /* dilated kernel extent per dimension */

/* argv[0] is "conv" or "transpose"; returns the exit code (0, 1 or 2). */
int cli_explain(int argc, char **argv);

#endif /* TCONV_EXPLAIN_H */
