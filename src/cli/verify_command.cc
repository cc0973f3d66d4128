// `inferbench verify RUN`: re-check a stored run's evidence (DESIGN.md §7): every artifact's
// object is present and (with --deep, the default) re-hashes to the digest in the manifest, the
// manifest's digest matches the warehouse's record when the run is in the warehouse, and the
// signature verifies (against --public-key when given). Exit 0 verified, 1 anything failed, 2 the
// run or its evidence cannot be found.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "cli/commands.h"
#include "cli/store_flags.h"
#include "evidence/manifest.h"
#include "evidence/verify.h"
#include "warehouse/runs.h"

namespace inferbench::cli {
namespace {

namespace fs = std::filesystem;

struct VerifyFlags {
  std::string run;
  bool deep = true;
  std::string public_key;
  bool json = false;
  StoreFlags store;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "inferbench verify: %s\n", message.c_str());
  return kExitError;
}

Result<std::string> RunIdFromDirectory(const std::string& dir) {
  const std::string path = (fs::path(dir) / "run.json").string();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::Error(fmt::format("{} is a directory without run.json; give a run directory "
                                     "written by `inferbench run`, or a run id",
                                     dir));
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    const nlohmann::json json = nlohmann::json::parse(text.str());
    if (json.is_object() && json.contains("run_id") && json["run_id"].is_string()) {
      return json["run_id"].get<std::string>();
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::Error(fmt::format("{}: not valid JSON ({})", path, e.what()));
  }
  return Status::Error(fmt::format("{}: has no \"run_id\"", path));
}

// What the RUN argument names, and what the warehouse recorded for it.
struct Target {
  std::string run_id;
  std::string expected_digest;  // "" when the warehouse has no record
  std::string warehouse_note;   // how the manifest digest was (or was not) cross-checked
};

// The warehouse's artifact_manifest_digest for `run_id`; "" with a note when there is none.
void LookUpRecordedDigest(warehouse::Database& db, Target& target) {
  auto table = db.Query(
      "SELECT artifact_manifest_digest FROM artifact_lineage_dim WHERE run_id = ?",
      {std::string(target.run_id)});
  if (!table.ok()) {
    target.warehouse_note = "not cross-checked (" + table.status().message() + ")";
    return;
  }
  if (table->rows.empty() || table->rows[0].empty() || !table->rows[0][0].is_string()) {
    target.warehouse_note =
        "not cross-checked: the run is not in the warehouse (`inferbench warehouse ingest "
        "RUN_DIR` adds it)";
    return;
  }
  target.expected_digest = table->rows[0][0].get<std::string>();
  target.warehouse_note = "cross-checked with the warehouse record";
}

Result<Target> ResolveTarget(const VerifyFlags& f) {
  Target target;
  std::error_code ec;
  const bool is_run_dir = fs::is_directory(f.run, ec);
  if (is_run_dir) {
    auto id = RunIdFromDirectory(f.run);
    if (!id.ok()) return id.status();
    target.run_id = *id;
  } else if (f.run.find('/') == std::string::npos &&
             fs::exists(evidence::ManifestPath(f.store.EvidenceRoot(), f.run), ec)) {
    target.run_id = f.run;
  }

  std::unique_ptr<warehouse::Database> db;
  if (target.run_id.empty()) {
    // A prefix (or an id only the warehouse knows): the warehouse resolves it.
    auto opened = OpenWarehouseReader(f.store);
    if (!opened.ok()) {
      return Status::Error(fmt::format(
          "{}: no manifest {} and no warehouse to resolve it in ({})", f.run,
          evidence::ManifestPath(f.store.EvidenceRoot(), f.run), opened.status().message()));
    }
    db = std::move(opened.value());
    auto id = warehouse::ResolveRunId(*db, f.run);
    if (!id.ok()) return id.status();
    target.run_id = *id;
  } else if (fs::exists(f.store.WarehousePath(), ec)) {
    auto opened = OpenWarehouseReader(f.store);
    if (opened.ok()) {
      db = std::move(opened.value());
    } else {
      target.warehouse_note = "not cross-checked (" + opened.status().message() + ")";
    }
  } else {
    target.warehouse_note = "not cross-checked: no warehouse at " + f.store.WarehousePath();
  }
  if (db) LookUpRecordedDigest(*db, target);
  return target;
}

std::string Short(const std::string& digest) { return digest.substr(0, 12); }

void PrintText(const evidence::VerifyReport& report, const evidence::Manifest* manifest,
               const Target& target, const std::string& evidence_root) {
  std::printf("run %s (evidence %s)\n", report.run_id.c_str(), evidence_root.c_str());
  size_t width = 8;
  for (const auto& a : report.artifacts) width = std::max(width, a.name.size());
  for (const auto& a : report.artifacts) {
    const evidence::Artifact* recorded = manifest ? manifest->Find(a.name) : nullptr;
    const std::string size = recorded ? fmt::format("{} B", recorded->size) : "-";
    std::printf("  %-*s %14s  %s  %s\n", static_cast<int>(width), a.name.c_str(), size.c_str(),
                Short(a.digest).c_str(), a.status.c_str());
  }
  if (!report.manifest_digest.empty()) {
    std::printf("manifest %s: %s\n", Short(report.manifest_digest).c_str(),
                report.manifest_ok ? target.warehouse_note.c_str() : "MISMATCH");
  }
  std::string signature = report.signature;
  if (manifest && manifest->is_signed) {
    signature += fmt::format(" (ed25519, key {}…)", Short(manifest->public_key));
  }
  std::printf("signature %s\n", signature.c_str());
  const std::vector<std::string> problems = report.Problems();
  if (report.ok) {
    std::printf("verified\n");
    return;
  }
  std::printf("FAILED: %zu problem%s\n", problems.size(), problems.size() == 1 ? "" : "s");
  for (const std::string& problem : problems) std::printf("  %s\n", problem.c_str());
}

int RunVerifyCommand(const VerifyFlags& f) {
  const std::string evidence_root = f.store.EvidenceRoot();
  auto target = ResolveTarget(f);
  if (!target.ok()) return Fail(target.status().message());
  std::error_code ec;
  const std::string manifest_path = evidence::ManifestPath(evidence_root, target->run_id);
  if (!fs::exists(manifest_path, ec)) {
    return Fail(fmt::format("no evidence for run {}: {} does not exist (pass --evidence DIR or "
                            "set INFERBENCH_HOME to the store that holds it)",
                            target->run_id, manifest_path));
  }

  evidence::VerifyOptions options;
  options.deep = f.deep;
  options.public_key_pem = f.public_key;
  options.expected_manifest_digest = target->expected_digest;
  const evidence::VerifyReport report = evidence::VerifyRun(evidence_root, target->run_id, options);

  if (f.json) {
    if (!target->warehouse_note.empty()) {
      std::fprintf(stderr, "inferbench verify: manifest digest %s\n", target->warehouse_note.c_str());
    }
    std::printf("%s\n", report.ToJson().dump(2).c_str());
  } else {
    auto manifest = evidence::LoadManifest(evidence_root, target->run_id);
    PrintText(report, manifest.ok() ? &manifest.value() : nullptr, *target, evidence_root);
  }
  std::fflush(stdout);
  return report.ok ? kExitOk : kExitFailed;
}

}  // namespace

void RegisterVerifyCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<VerifyFlags>();
  CLI::App* cmd = app.add_subcommand(
      "verify", "Re-hash a stored run's artifacts and check its signature (exit 0 verified, 1 failed, "
                "2 not found)");
  cmd->add_option("run", f->run, "Run id, unique prefix of one, or run directory")->required();
  cmd->add_flag("--deep,!--no-deep", f->deep,
                "Re-hash every artifact's bytes (default); --no-deep only checks the objects exist");
  cmd->add_option("--public-key", f->public_key,
                  "PEM key the run must be signed with (public or private Ed25519 key)");
  cmd->add_flag("--json", f->json, "Print the verification report as JSON");
  AddStoreFlags(cmd, &f->store);
  cmd->callback([f, exit_code] { *exit_code = RunVerifyCommand(*f); });
}

}  // namespace inferbench::cli
