// report.html in a real browser: headless Chromium loads a run's page and a sweep's page
// (no console errors, no blocked resources) and renders them; the DOM it built holds the
// SVG plots. Skipped, visibly, where Chromium is not installed (scripts/install-deps.sh).
#include "catch.h"

#include <cstdio>
#include <fstream>

#include "test_support.h"

namespace fs = std::filesystem;
using evoaug::testing::Contains;
using evoaug::testing::read_file;
using evoaug::testing::run_host;
using evoaug::testing::write_file;

namespace {

std::string chromium() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"})
    for (const char* folder : {"/usr/bin/", "/usr/local/bin/"})
      if (fs::exists(std::string(folder) + name)) return std::string(folder) + name;
  return "";
}

struct Shell {
  int exit_code;
  std::string output;
};

Shell shell(const std::string& command) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe);
  std::string output;
  char buffer[4096];
  while (std::size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Loads `page` in headless Chromium: the DOM after loading, and a PNG screenshot.
void check_renders(const std::string& browser, const fs::path& page, const fs::path& png, std::size_t svgs) {
  const std::string flags = " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run "
                            "--enable-logging=stderr --v=0 --user-data-dir='" + (png.parent_path() / "profile").string() + "' ";
  const Shell dom = shell("timeout 120 " + browser + flags + "--dump-dom 'file://" + page.string() + "'");
  INFO(dom.output.substr(0, 4000));
  CHECK(dom.exit_code == 0);
  CHECK_THAT(dom.output, Contains("</html>"));
  CHECK(count(dom.output, "<svg class=\"plot\"") == svgs);
  CHECK(count(dom.output, "<circle") > 0);
  // A console error or a resource the page's policy blocked is logged as such.
  CHECK_THAT(dom.output, !Contains("Uncaught") && !Contains("Refused to") && !Contains("net::ERR_"));
  const Shell shot = shell("timeout 120 " + browser + flags + "--window-size=1200,1600 --screenshot='" + png.string() +
                           "' 'file://" + page.string() + "'");
  INFO(shot.output.substr(0, 4000));
  CHECK(shot.exit_code == 0);
  REQUIRE(fs::exists(png));
  CHECK(fs::file_size(png) > 10000);  // a page with plots, not a blank one
  CHECK(read_file(png).substr(1, 3) == "PNG");
}

}  // namespace

TEST_CASE("a run's and a sweep's report.html render in headless Chromium", "[cli][report][browser]") {
  const std::string browser = chromium();
  if (browser.empty()) EVOAUG_SKIP("Chromium is not installed (apt-get install chromium); report.html not rendered");
  evoaug::testing::TempDir dir;
  write_file(dir / "pipeline.toml",
             "[runtime]\ndevice = \"cpu\"\nthreads = 1\nseed = 2\noutput_dir = \"out\"\n\n"
             "[data]\nformat = \"synthetic\"\nnum_sequences = 160\nlength = 80\ntasks = 2\n\n"
             "[model]\ntype = \"chip_cnn\"\nconv1_filters = 4\n\n"
             "[augment]\nmax_augs_per_seq = 1\n[[augment.ops]]\ntype = \"mutation\"\nmutate_frac = 0.05\n\n"
             "[pretrain]\nmax_epochs = 3\nbatch_size = 32\n\n[finetune]\nmax_epochs = 2\nbatch_size = 32\n");
  write_file(dir / "sweep.toml",
             "base = \"pipeline.toml\"\n[axes]\n\"pretrain.max_epochs\" = [2, 3]\n\"runtime.seed\" = [1, 2]\n"
             "[baseline]\n\"pretrain.max_epochs\" = 2\n");
  const auto sweep = run_host("sweep '" + (dir / "sweep.toml").string() + "' --jobs 1 --threads 1");
  INFO(sweep.output);
  REQUIRE(sweep.exit_code == 0);
  check_renders(browser, dir / "sweep" / "max_epochs-2_seed-1" / "report.html", dir / "run.png", 6);
  check_renders(browser, dir / "sweep" / "report.html", dir / "sweep.png", 1);
  // EVOAUG_RENDER_OUT=DIR keeps the images (how docs/images/ got its example).
  if (const char* keep = std::getenv("EVOAUG_RENDER_OUT"))
    for (const char* name : {"run.png", "sweep.png"}) fs::copy_file(dir / name, fs::path(keep) / name, fs::copy_options::overwrite_existing);
}
