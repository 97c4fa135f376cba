/*
 * upsample.h - `tconv upsample IN.png OUT.png --scale F [--filter bilinear|nearest|bicubic]
 * [--device auto|cpu|cuda]`: a PNG upsampled by an integer factor, equal to PyTorch's
 * F.interpolate on every pixel, through the library's depthwise transposed convolution
 * (interp.h holds the arithmetic).
 */
#ifndef TCONV_UPSAMPLE_H
#define TCONV_UPSAMPLE_H

/* argv holds the arguments after "upsample"; returns the exit code (0, 1 or 2). */
int cli_upsample(int argc, char **argv);

#endif /* TCONV_UPSAMPLE_H */
