// `inferbench report RUN [--vs RUN]… [--audience engineering|product|partner]
//                        [--format text|md|json|html] [-o FILE]`: one stored run rendered for its
// reader (report/report.h). Exit 0 when written, 2 for bad flags, an unknown run, a missing
// warehouse or a file that cannot be written.
#include <CLI/CLI.hpp>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/store_flags.h"
#include "report/report.h"
#include "warehouse/runs.h"

namespace inferbench::cli {
namespace {

struct ReportFlags {
  std::string run;
  std::vector<std::string> vs;
  std::string audience = "engineering";
  std::string format = "text";
  std::string output;
  int width = 0;
  StoreFlags store;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "inferbench report: %s\n", message.c_str());
  return kExitError;
}

// The terminal's width when stdout is one, else 100 (files and pipes get stable output).
int TextWidth(const ReportFlags& f) {
  if (f.width > 0) return f.width;
  winsize size{};
  if (f.output.empty() && isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 &&
      size.ws_col >= 40) {
    return size.ws_col;
  }
  return 100;
}

int RunReportCommand(const ReportFlags& f) {
  auto audience = report::ParseAudience(f.audience);
  if (!audience.ok()) return Fail("--audience: " + audience.status().message());
  auto format = report::ParseFormat(f.format);
  if (!format.ok()) return Fail("--format: " + format.status().message());
  auto db = OpenWarehouseReader(f.store);
  if (!db.ok()) return Fail(db.status().message());
  auto run_id = warehouse::ResolveRunId(**db, f.run);
  if (!run_id.ok()) return Fail(run_id.status().message());

  report::ReportOptions options;
  options.audience = *audience;
  options.format = *format;
  options.evidence_root_override = f.store.evidence;
  options.text_width = TextWidth(f);
  for (const std::string& vs : f.vs) {
    auto id = warehouse::ResolveRunId(**db, vs);
    if (!id.ok()) return Fail("--vs " + id.status().message());
    if (*id == *run_id) return Fail("--vs " + vs + " is the report's own run; name another run");
    options.vs_run_ids.push_back(*id);
  }
  auto rendered = report::RenderRunReport(**db, *run_id, options);
  if (!rendered.ok()) return Fail(rendered.status().message());
  db->reset();  // short-lived reader (DESIGN.md §7): release the file before writing output

  if (f.output.empty() || f.output == "-") {
    std::fwrite(rendered->data(), 1, rendered->size(), stdout);
    return kExitOk;
  }
  const std::string tmp = f.output + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << *rendered;
    if (!out.good()) {
      std::remove(tmp.c_str());
      return Fail("-o " + f.output + ": cannot write the report (does the directory exist?)");
    }
  }
  if (std::rename(tmp.c_str(), f.output.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Fail("-o " + f.output + ": cannot write the report");
  }
  std::fprintf(stderr, "wrote %s\n", f.output.c_str());
  return kExitOk;
}

}  // namespace

void RegisterReportCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<ReportFlags>();
  CLI::App* cmd = app.add_subcommand(
      "report", "Render a stored run for engineering, product or partner readers");
  cmd->add_option("RUN", f->run, "Run id, unique prefix (6+ characters) or run directory")
      ->required();
  cmd->add_option("--vs", f->vs,
                  "Compare with this run (repeatable; the first is the baseline)");
  cmd->add_option("--audience", f->audience, "engineering | product | partner (default engineering)");
  cmd->add_option("--format", f->format, "text | md | json | html (default text)");
  cmd->add_option("-o,--output", f->output, "Write the report to FILE instead of stdout");
  cmd->add_option("--width", f->width, "Text width in columns (default: the terminal's, else 100)");
  AddStoreFlags(cmd, &f->store);
  cmd->callback([f, exit_code] { *exit_code = RunReportCommand(*f); });
}

}  // namespace inferbench::cli
