/*
 * fileio.h - what the file readers and writers of the tool share: error sentences prefixed
 * with the file's name, and atomic replacement (write a temporary file beside the target,
 * then rename it into place, so that readers see either no file or the whole file).
 */
#ifndef TCONV_TOOLS_FILEIO_H
#define TCONV_TOOLS_FILEIO_H

#include <stddef.h>

/* Writes "<name>: <sentence>" to err (when there is room at all; err may be NULL). */
void fileio_set_err(char *err, size_t err_size, const char *name, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Creates the temporary file for `path` (mode 0644) and returns its descriptor, with its
 * name in *tmp (freed by fileio_commit / fileio_abort); -1 with err set on failure. */
int fileio_create_temporary(const char *path, char **tmp, char *err, size_t err_size);
/* After the caller wrote, fsync'ed and closed the temporary: renames it into place and makes
 * the rename durable (best effort). 0, or -1 with err set and the temporary removed. */
int fileio_commit(const char *path, char *tmp, char *err, size_t err_size);
/* Removes the temporary after a failure. */
void fileio_abort(char *tmp);

#endif /* TCONV_TOOLS_FILEIO_H */
