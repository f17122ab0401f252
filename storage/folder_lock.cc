// flock-based writer lock.
#include "storage/folder_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

namespace kbseek::storage {

core::Result<std::unique_ptr<FolderLock>> FolderLock::acquire(const std::string& dir) {
  const std::string path = dir + "/LOCK";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return core::Status::from_errno(path, errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK)
      return core::Status::unavailable(dir + ": the index is open for writing by another process or object");
    return core::Status::from_errno("lock " + path, err);
  }
  return std::unique_ptr<FolderLock>(new FolderLock(fd));
}

FolderLock::~FolderLock() { ::close(fd_); }  // closing releases the flock

}  // namespace kbseek::storage
