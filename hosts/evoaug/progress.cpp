#include "progress.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>

namespace evoaug {
namespace {

std::string metric_text(const Metrics& m) {
  std::string out;
  char buffer[48];
  for (const auto& [name, value] : m.mean) {
    std::snprintf(buffer, sizeof buffer, " %s %.4f", name.c_str(), value);
    out += buffer;
  }
  return out;
}

std::string epoch_line(const EpochSummary& e) {
  char buffer[160];
  std::snprintf(buffer, sizeof buffer, "%s epoch %d: train loss %.4f, valid loss %.4f%s, lr %.3g, %.1fs",
                e.stage.c_str(), e.epoch, e.train_loss, e.valid_loss, e.improved ? " (best)" : "",
                e.learning_rate, e.seconds);
  return std::string(buffer) + "," + metric_text(e.valid);
}

}  // namespace

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long total = std::lround(seconds);
  char buffer[32];
  if (total >= 3600)
    std::snprintf(buffer, sizeof buffer, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
  else
    std::snprintf(buffer, sizeof buffer, "%ld:%02ld", total / 60, total % 60);
  return buffer;
}

Callbacks progress_callbacks(bool terminal) {
  Callbacks callbacks;
  if (!terminal) {
    callbacks.on_epoch = [](const EpochSummary& e) { spdlog::info("{}", epoch_line(e)); };
    return callbacks;
  }
  // Redraw at most ten times a second: a terminal is slow next to a fast batch.
  auto last_draw = std::make_shared<std::chrono::steady_clock::time_point>();
  callbacks.on_batch = [last_draw](const BatchProgress& p) {
    const auto now = std::chrono::steady_clock::now();
    if (p.batch != p.batches && now - *last_draw < std::chrono::milliseconds(100)) return;
    *last_draw = now;
    std::fprintf(stderr, "\r\033[K%s epoch %d/%d  batch %lld/%lld  loss %.4f  %.0f seq/s  ETA %s", p.stage.c_str(),
                 p.epoch, p.max_epochs, static_cast<long long>(p.batch), static_cast<long long>(p.batches), p.loss,
                 p.sequences_per_second, format_duration(p.eta_seconds).c_str());
    std::fflush(stderr);
  };
  callbacks.on_epoch = [](const EpochSummary& e) {
    std::fprintf(stderr, "\r\033[K%s\n", epoch_line(e).c_str());
    std::fflush(stderr);
  };
  return callbacks;
}

}  // namespace evoaug
