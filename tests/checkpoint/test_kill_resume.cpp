// The exactness test of issue 6: a run killed with SIGKILL at random points (mid-epoch and
// during saves) and resumed each time ends with weights bit-identical to an uninterrupted run
// with the same seed and threads; dropout's and shuffling's random streams continue exactly.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string_view>
#include <thread>

#include "descent/core/rng.hpp"
#include "descent/io/safetensors.hpp"
#include "descent/train/checkpoint.hpp"

using namespace descent;
namespace fs = std::filesystem;

namespace {

const std::string kBinary = std::string(DESCENT_BINARY_DIR) + "/descent";

// Starts `descent args...` with its stdout on `stdout_fd` (-1: /dev/null).
pid_t spawn(const std::vector<std::string>& args, int stdout_fd) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv{const_cast<char*>(kBinary.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (stdout_fd < 0 && !freopen("/dev/null", "w", stdout)) _exit(126);
    if (stdout_fd >= 0 && dup2(stdout_fd, STDOUT_FILENO) < 0) _exit(126);
    execv(kBinary.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

// The exit code of `pid` once it ends, or -1 if a signal ended it.
int exit_code(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
}

// Starts `descent args...`; if kill_after_ms >= 0, sends `signal` (SIGKILL) then. Returns the
// exit code, or -1 if a signal ended it.
int run(const std::vector<std::string>& args, int kill_after_ms, int signal = SIGKILL) {
  const pid_t pid = spawn(args, -1);
  if (kill_after_ms >= 0) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kill_after_ms);
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    kill(pid, signal);
  }
  return exit_code(pid);
}

// Starts `descent train args...` (without --quiet), sends `signal` once the run says it is ready
// — its "data ..." line, printed after its signal handlers are installed and before its first
// step — and returns the exit code as run() does. The rest of its output is read and dropped.
int run_signalled_when_ready(const std::vector<std::string>& args, int signal) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return -3;
  const pid_t pid = spawn(args, pipe_fds[1]);
  close(pipe_fds[1]);
  FILE* output = fdopen(pipe_fds[0], "r");
  bool signalled = false;
  char line[4096];
  while (std::fgets(line, sizeof line, output))
    if (!signalled && std::string_view(line).starts_with("data ")) {
      kill(pid, signal);
      signalled = true;
    }
  std::fclose(output);
  const int code = exit_code(pid);
  return signalled ? code : -4;
}

std::vector<std::string> train_args(const fs::path& csv, const fs::path& out) {
  return {"train",
          "--data",
          csv.string(),
          "--dev-size",
          "50",
          "--model",
          "mlp:16-16",
          "--dropout",
          "0.2",
          "--epochs",
          "5",
          "--batch-size",
          "16",
          "--threads",
          "1",
          "--optimizer",
          "adam:lr=3e-3",
          "--schedule",
          "cosine:T_max=5",
          "--checkpoint-every",
          "1",
          "--seed",
          "7",
          "--quiet",
          "--out",
          out.string()};
}

NamedTensors tensors_of(const fs::path& file) { return load_safetensors(file).tensors; }

void expect_identical(const NamedTensors& a, const NamedTensors& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first) << what;
    EXPECT_EQ(a[i].second.to_vector(), b[i].second.to_vector()) << what << ": " << a[i].first;
  }
}

std::vector<nlohmann::json> metrics_without_time(const fs::path& run) {
  std::vector<nlohmann::json> out;
  std::ifstream in(run / "metrics.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    j.erase("seconds");
    out.push_back(j);
  }
  return out;
}

}  // namespace

TEST(KillAndResume, BitIdenticalToAnUninterruptedRun) {
  const fs::path dir = fs::temp_directory_path() / ("descent_kill_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    Generator gen(3);
    std::ofstream csv(dir / "data.csv");
    csv << "a,b,c,label\n";
    for (int i = 0; i < 400; ++i) {
      const double a = gen.uniform(), b = gen.uniform(), c = gen.uniform();
      csv << a << "," << b << "," << c << "," << (a + b * c > 0.7 ? 1 : 0) << "\n";
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(run(train_args(dir / "data.csv", dir / "reference"), -1), 0);
  // Kill delays scale with how long an uninterrupted run takes on this machine, so a fast
  // machine is interrupted as often as a slow one: each attempt lives 1/20 to 1/3 of it.
  const auto full_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  const uint64_t min_delay = std::max<int64_t>(2, full_ms / 20),
                 spread = std::max<int64_t>(1, full_ms / 3 - full_ms / 20);

  // Kill at random instants until the run completes; resume whenever a checkpoint exists.
  Generator gen(11);
  int kills = 0, resumes = 0;
  bool finished = false;
  for (int attempt = 0; attempt < 60 && !finished; ++attempt) {
    std::vector<std::string> args = train_args(dir / "data.csv", dir / "killed");
    // Killed before its first checkpoint, a run leaves a folder it cannot resume: start clean.
    if (fs::exists(dir / "killed")) args.emplace_back("--overwrite");
    if (!list_checkpoints(dir / "killed").empty()) {
      args = {"train", "--resume", (dir / "killed").string(), "--quiet"};
      ++resumes;
    }
    const int code = run(args, static_cast<int>(min_delay + gen.randint(spread)));
    if (code == -1)
      ++kills;
    else {
      ASSERT_EQ(code, 0) << "attempt " << attempt;
      finished = true;
    }
  }
  if (!finished) ASSERT_EQ(run({"train", "--resume", (dir / "killed").string(), "--quiet"}, -1), 0);
  RecordProperty("kills", kills);
  RecordProperty("resumes", resumes);
  EXPECT_GE(kills, 3) << "the run finished too fast to be interrupted; the test proves nothing";
  EXPECT_GE(resumes, 3);

  expect_identical(tensors_of(dir / "reference" / "best.safetensors"), tensors_of(dir / "killed" / "best.safetensors"),
                   "best weights");
  const auto ref_ckpt = list_checkpoints(dir / "reference"), killed_ckpt = list_checkpoints(dir / "killed");
  ASSERT_FALSE(ref_ckpt.empty());
  ASSERT_FALSE(killed_ckpt.empty());
  EXPECT_EQ(ref_ckpt[0].filename(), killed_ckpt[0].filename());
  expect_identical(load_checkpoint(ref_ckpt[0]).model, load_checkpoint(killed_ckpt[0]).model, "final weights");
  EXPECT_EQ(metrics_without_time(dir / "reference"), metrics_without_time(dir / "killed"));
  fs::remove_all(dir);
}

TEST(KillAndResume, ConflictingFlagIsRefused) {
  const fs::path dir = fs::temp_directory_path() / ("descent_conflict_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    std::ofstream csv(dir / "data.csv");
    csv << "a,label\n";
    for (int i = 0; i < 100; ++i) csv << i / 100.0 << "," << (i % 2) << "\n";
  }
  ASSERT_EQ(run({"train", "--data", (dir / "data.csv").string(), "--dev-size", "10", "--epochs", "1", "--quiet",
                 "--out", (dir / "run").string()},
                -1),
            0);
  EXPECT_EQ(run({"train", "--resume", (dir / "run").string(), "--epochs", "3", "--quiet"}, -1), 2);
  EXPECT_EQ(run({"train", "--resume", (dir / "run").string(), "--epochs", "1", "--quiet"}, -1), 0);  // same value
  EXPECT_EQ(run({"train", "--resume", (dir / "missing").string(), "--quiet"}, -1), 2);
  fs::remove_all(dir);
}

TEST(KillAndResume, SigtermWritesACheckpointAndExitsCleanly) {
  const fs::path dir = fs::temp_directory_path() / ("descent_term_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    std::ofstream csv(dir / "data.csv");
    csv << "a,label\n";
    for (int i = 0; i < 2000; ++i) csv << (i % 97) / 97.0 << "," << (i % 3 == 0) << "\n";
  }
  const std::vector<std::string> args = {"train",
                                         "--data",
                                         (dir / "data.csv").string(),
                                         "--dev-size",
                                         "100",
                                         "--model",
                                         "mlp:64-64",
                                         "--epochs",
                                         "400",
                                         "--batch-size",
                                         "8",
                                         "--threads",
                                         "1",
                                         "--out",
                                         (dir / "run").string()};
  // The signal is seen after the step under way: the newest checkpoint is from within an epoch.
  const int code = run_signalled_when_ready(args, SIGTERM);
  ASSERT_EQ(code, 128 + SIGTERM);
  const auto checkpoints = list_checkpoints(dir / "run");
  ASSERT_FALSE(checkpoints.empty());
  const nlohmann::json progress = nlohmann::json::parse(load_checkpoint(checkpoints[0]).progress);
  EXPECT_TRUE(progress["epoch_started"].get<bool>());
  EXPECT_GT(progress["step"].get<int64_t>(), 0);
  // The resumed run picks up there (and is itself interrupted, cleanly, the same way).
  EXPECT_EQ(run_signalled_when_ready({"train", "--resume", (dir / "run").string()}, SIGINT), 128 + SIGINT);
  const auto later = list_checkpoints(dir / "run");
  ASSERT_FALSE(later.empty());
  EXPECT_GT(nlohmann::json::parse(load_checkpoint(later[0]).progress)["global_step"].get<int64_t>(),
            progress["global_step"].get<int64_t>());
  fs::remove_all(dir);
}
