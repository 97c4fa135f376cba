/*
 * upsample.h - `tconv upsample IN.png OUT.png --scale F [--device auto|cpu|cuda]`: bilinear
 * upsampling of a PNG by an integer factor, as a depthwise transposed convolution through
 * the library (the FCN construction).
 */
#ifndef TCONV_UPSAMPLE_H
#define TCONV_UPSAMPLE_H

/* argv holds the arguments after "upsample"; returns the exit code (0, 1 or 2). */
int cli_upsample(int argc, char **argv);

#endif /* TCONV_UPSAMPLE_H */
