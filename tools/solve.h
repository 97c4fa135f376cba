/*
 * solve.h - `tconv solve`: for a transposed convolution with a wanted output size, every
 * (padding, output_padding) pair that reaches it, and the arguments that reach it in
 * PyTorch, ONNX, Keras and TensorFlow.
 */
#ifndef TCONV_SOLVE_H
#define TCONV_SOLVE_H

/* Largest stride or dilation `solve` searches: it tries every output_padding below
 * max(stride, dilation), one bisection over the padding each. */
#define SOLVE_MAX_SCALE 1024

/* argv holds the arguments after "solve"; returns the exit code (0 or 2). */
int cli_solve(int argc, char **argv);

#endif /* TCONV_SOLVE_H */
