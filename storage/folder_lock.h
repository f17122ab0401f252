// FolderLock: the one-writer rule for an index folder, as an flock(2) on
// <dir>/LOCK held for the writer's lifetime (released by the kernel if the
// process dies, so a crash never leaves a stale lock).
#pragma once

#include <memory>
#include <string>

#include "core/status.h"

namespace kbseek::storage {

class FolderLock {
 public:
  // Unavailable naming the folder if another writer holds it; IOError if
  // the lock file cannot be created.
  static core::Result<std::unique_ptr<FolderLock>> acquire(const std::string& dir);
  ~FolderLock();
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  explicit FolderLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace kbseek::storage
