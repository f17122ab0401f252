// The kbseek subcommands. Each takes the arguments after its name and
// returns the process exit status: 0 success, 1 partial failure (some input
// lines rejected), 2 usage error or failure. Errors go to stderr.
#pragma once

#include "core/status.h"

namespace kbseek::app {

int cmd_index(int argc, char** argv);
int cmd_search(int argc, char** argv);
int cmd_eval(int argc, char** argv);
int cmd_stats(int argc, char** argv);
int cmd_serve(int argc, char** argv);
int cmd_model(int argc, char** argv);
int cmd_delete(int argc, char** argv);
int cmd_check(int argc, char** argv);
int cmd_embed(int argc, char** argv);
int cmd_rerank(int argc, char** argv);
int cmd_keys(int argc, char** argv);
int cmd_snapshot(int argc, char** argv);
int cmd_erase(int argc, char** argv);
int cmd_retention(int argc, char** argv);
int cmd_publish(int argc, char** argv);
int cmd_front(int argc, char** argv);
int cmd_sync(int argc, char** argv);
int cmd_tune(int argc, char** argv);

// Prints "kbseek <cmd>: <status message>" to stderr and returns 2.
int fail(const char* cmd, const core::Status& status);

}  // namespace kbseek::app
