// Whole-file reads and crash-safe writes.
#pragma once

#include <string>

#include "core/status.h"

namespace kbseek::core {

// Reads the whole file. NotFound if absent, IOError naming the path otherwise.
Result<std::string> read_file(const std::string& path);

// Writes `data` to `path` so that a crash leaves either the old or the new
// content, never a mix: write `path.tmp`, fsync, rename, fsync the folder
// (LevelDB's CURRENT-file protocol).
Status write_file_atomic(const std::string& path, const std::string& data);

// Creates `path` and missing parents. OK if it already exists as a folder.
Status make_dirs(const std::string& path);

bool path_exists(const std::string& path);
bool is_directory(const std::string& path);

// fsyncs a folder so a rename inside it is durable.
Status sync_dir(const std::string& dir);

}  // namespace kbseek::core
