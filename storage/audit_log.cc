// O_APPEND writes and fsync.
#include "storage/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace kbseek::storage {

core::Status append_audit_record(const std::string& index_dir, const std::string& record) {
  const std::string path = index_dir + "/" + kAuditLogFile;
  if (record.find('\n') != std::string::npos) return core::Status::invalid_argument("an audit record must be one line");
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return core::Status::from_errno(path, errno);
  const std::string line = record + "\n";
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      return core::Status::from_errno(path, e);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int e = errno;
    ::close(fd);
    return core::Status::from_errno(path, e);
  }
  ::close(fd);
  return core::Status::ok();
}

}  // namespace kbseek::storage
