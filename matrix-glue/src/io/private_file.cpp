#include "private_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace glue {

namespace {

// Opened with the mode from the start: there is no moment at which others may read it.
int open_private(const std::string& path, int flags, std::string* error) {
  const int fd = ::open(path.c_str(), flags | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || fchmod(fd, 0600) != 0) {
    *error = path + ": " + std::strerror(errno);
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

bool make_private(const std::string& path, std::string* error) {
  const int fd = open_private(path, O_RDWR, error);
  if (fd < 0) return false;
  close(fd);
  return true;
}

bool write_private_file(const std::string& path, const std::string& text, std::string* error) {
  const int fd = open_private(path, O_WRONLY | O_TRUNC, error);
  if (fd < 0) return false;
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = path + ": " + std::strerror(errno);
      close(fd);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  if (close(fd) != 0) {
    *error = path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace glue
