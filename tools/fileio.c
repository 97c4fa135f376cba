/*
 * fileio.c - error sentences and atomic file replacement for the tool (see fileio.h).
 */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void fileio_set_err(char *err, size_t err_size, const char *name, const char *format, ...) {
  if (err == NULL || err_size == 0)
    return;
  int n = snprintf(err, err_size, "%s: ", name);
  if (n < 0 || (size_t)n >= err_size)
    return;
  va_list args;
  va_start(args, format);
  vsnprintf(err + n, err_size - (size_t)n, format, args);
  va_end(args);
}

int fileio_create_temporary(const char *path, char **tmp, char *err, size_t err_size) {
  /* Beside the target, so that rename() stays within one file system and is atomic. */
  static const char suffix[] = ".tmp-XXXXXX";
  const size_t len = strlen(path);
  *tmp = malloc(len + sizeof suffix);
  if (*tmp == NULL) {
    fileio_set_err(err, err_size, path, "out of memory");
    return -1;
  }
  memcpy(*tmp, path, len);
  memcpy(*tmp + len, suffix, sizeof suffix);
  const int fd = mkstemp(*tmp);
  if (fd < 0) {
    fileio_set_err(err, err_size, path, "cannot create a temporary file: %s", strerror(errno));
    free(*tmp);
    *tmp = NULL;
    return -1;
  }
  /* mkstemp creates the file 0600; a data file is normally readable by others too. */
  if (fchmod(fd, 0644) != 0) {
    fileio_set_err(err, err_size, path, "cannot set the file mode: %s", strerror(errno));
    close(fd);
    fileio_abort(*tmp);
    *tmp = NULL;
    return -1;
  }
  return fd;
}

/* Best effort: makes the rename itself durable. A failure here loses nothing already
 * written, so it is not reported. */
static void sync_parent_dir(const char *path) {
  const char *slash = strrchr(path, '/');
  char *dir =
      slash == NULL ? strdup(".") : strndup(path, slash == path ? 1 : (size_t)(slash - path));
  if (dir == NULL)
    return;
  int fd = open(dir, O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  free(dir);
}

int fileio_commit(const char *path, char *tmp, char *err, size_t err_size) {
  if (rename(tmp, path) != 0) {
    fileio_set_err(err, err_size, path, "cannot rename the temporary file into place: %s",
                   strerror(errno));
    fileio_abort(tmp);
    return -1;
  }
  free(tmp);
  sync_parent_dir(path);
  return 0;
}

void fileio_abort(char *tmp) {
  if (tmp == NULL)
    return;
  unlink(tmp);
  free(tmp);
}
