#include "warehouse/database.h"

#include <duckdb.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "warehouse/schema.h"

namespace inferbench::warehouse {

namespace {

// One DuckDB instance per file and process. DuckDB's file lock is per process, so two instances
// of the same file inside one process would not exclude each other and could corrupt it; every
// Database of one path shares an instance instead (a read-only request reuses a read-write
// instance; a read-write request waits until read-only users of that path are gone).
struct SharedInstance {
  duckdb_database db = nullptr;
  AccessMode mode = AccessMode::kReadOnly;
};

std::recursive_mutex& RegistryMutex() {
  static std::recursive_mutex mutex;
  return mutex;
}

std::map<std::string, std::weak_ptr<SharedInstance>>& Registry() {
  static std::map<std::string, std::weak_ptr<SharedInstance>> registry;
  return registry;
}

std::shared_ptr<SharedInstance> MakeInstance(duckdb_database db, AccessMode mode) {
  // Closing under the registry lock keeps a concurrent Open of the same path from starting a
  // second instance while this one is still checkpointing.
  return std::shared_ptr<SharedInstance>(new SharedInstance{db, mode}, [](SharedInstance* s) {
    std::lock_guard<std::recursive_mutex> lock(RegistryMutex());
    duckdb_close(&s->db);
    delete s;
  });
}

class Config {
 public:
  explicit Config(AccessMode mode) {
    duckdb_create_config(&config_);
    duckdb_set_config(config_, "access_mode",
                      mode == AccessMode::kReadOnly ? "READ_ONLY" : "READ_WRITE");
    duckdb_set_config(config_, "autoinstall_known_extensions", "false");
    duckdb_set_config(config_, "autoload_known_extensions", "false");
  }
  ~Config() { duckdb_destroy_config(&config_); }
  Config(const Config&) = delete;
  Config& operator=(const Config&) = delete;
  duckdb_config get() const { return config_; }

 private:
  duckdb_config config_ = nullptr;
};

bool IsLockConflict(const std::string& message) {
  return message.find("Could not set lock") != std::string::npos ||
         message.find("Conflicting lock") != std::string::npos;
}

std::string LockHolder(const std::string& message) {
  size_t at = message.find("(PID ");
  if (at == std::string::npos) return "another process";
  size_t end = message.find(')', at);
  if (end == std::string::npos) return "another process";
  return "another process (pid " + message.substr(at + 5, end - at - 5) + ")";
}

std::string ShortSql(std::string_view sql) {
  std::string text(sql.substr(0, 160));
  std::replace(text.begin(), text.end(), '\n', ' ');
  if (sql.size() > 160) text += "…";
  return text;
}

// ----- materializing results -------------------------------------------------------------------

void AppendTwo(std::string& out, int value) {
  out += static_cast<char>('0' + value / 10);
  out += static_cast<char>('0' + value % 10);
}

// Days since 1970-01-01 → civil date (proleptic Gregorian).
void CivilFromDays(int64_t days, int64_t& year, int& month, int& day) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  year = yoe + era * 400 + (month <= 2 ? 1 : 0);
}

std::string FormatDate(int64_t days) {
  int64_t year = 0;
  int month = 0, day = 0;
  CivilFromDays(days, year, month, day);
  std::string out = fmt::format("{:04d}-", year);
  AppendTwo(out, month);
  out += '-';
  AppendTwo(out, day);
  return out;
}

std::string FormatTimeOfDay(int64_t micros_of_day) {
  std::string out;
  AppendTwo(out, static_cast<int>(micros_of_day / 3'600'000'000));
  out += ':';
  AppendTwo(out, static_cast<int>(micros_of_day / 60'000'000 % 60));
  out += ':';
  AppendTwo(out, static_cast<int>(micros_of_day / 1'000'000 % 60));
  if (int64_t fraction = micros_of_day % 1'000'000; fraction != 0)
    out += fmt::format(".{:06d}", fraction);
  return out;
}

constexpr int64_t kMicrosPerDay = 86'400'000'000;

// ISO 8601 in UTC: 2026-01-02T03:04:05Z, with .ffffff when the microseconds are not zero.
std::string FormatTimestampMicros(int64_t micros) {
  if (micros == std::numeric_limits<int64_t>::max()) return "infinity";
  if (micros == -std::numeric_limits<int64_t>::max()) return "-infinity";
  int64_t days = micros / kMicrosPerDay;
  int64_t rest = micros % kMicrosPerDay;
  if (rest < 0) {
    rest += kMicrosPerDay;
    --days;
  }
  return FormatDate(days) + "T" + FormatTimeOfDay(rest) + "Z";
}

std::string StringOf(duckdb_string_t* s) {
  return std::string(duckdb_string_t_data(s), duckdb_string_t_length(*s));
}

std::string HexEscape(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\x{:02X}", c);
    }
  }
  return out;
}

double HugeToDouble(duckdb_hugeint value) { return duckdb_hugeint_to_double(value); }

nlohmann::json HugeToJson(duckdb_hugeint value) {
  const bool fits = (value.upper == 0 && value.lower <= static_cast<uint64_t>(INT64_MAX)) ||
                    (value.upper == -1 && value.lower > static_cast<uint64_t>(INT64_MAX));
  if (fits) return static_cast<int64_t>(value.lower);
  return HugeToDouble(value);
}

class LogicalType {
 public:
  explicit LogicalType(duckdb_logical_type type) : type_(type) {}
  ~LogicalType() {
    if (type_) duckdb_destroy_logical_type(&type_);
  }
  LogicalType(const LogicalType&) = delete;
  LogicalType& operator=(const LogicalType&) = delete;
  duckdb_logical_type get() const { return type_; }

 private:
  duckdb_logical_type type_;
};

nlohmann::json CellToJson(duckdb_vector vector, duckdb_logical_type type, idx_t row);

nlohmann::json ListToJson(duckdb_vector child, duckdb_logical_type child_type, idx_t offset,
                          idx_t length) {
  nlohmann::json out = nlohmann::json::array();
  for (idx_t i = 0; i < length; ++i) out.push_back(CellToJson(child, child_type, offset + i));
  return out;
}

nlohmann::json CellToJson(duckdb_vector vector, duckdb_logical_type type, idx_t row) {
  uint64_t* validity = duckdb_vector_get_validity(vector);
  if (validity && !duckdb_validity_row_is_valid(validity, row)) return nullptr;
  void* data = duckdb_vector_get_data(vector);
  switch (duckdb_get_type_id(type)) {
    case DUCKDB_TYPE_BOOLEAN:
      return static_cast<bool*>(data)[row];
    case DUCKDB_TYPE_TINYINT:
      return static_cast<int64_t>(static_cast<int8_t*>(data)[row]);
    case DUCKDB_TYPE_SMALLINT:
      return static_cast<int64_t>(static_cast<int16_t*>(data)[row]);
    case DUCKDB_TYPE_INTEGER:
      return static_cast<int64_t>(static_cast<int32_t*>(data)[row]);
    case DUCKDB_TYPE_BIGINT:
      return static_cast<int64_t*>(data)[row];
    case DUCKDB_TYPE_UTINYINT:
      return static_cast<int64_t>(static_cast<uint8_t*>(data)[row]);
    case DUCKDB_TYPE_USMALLINT:
      return static_cast<int64_t>(static_cast<uint16_t*>(data)[row]);
    case DUCKDB_TYPE_UINTEGER:
      return static_cast<int64_t>(static_cast<uint32_t*>(data)[row]);
    case DUCKDB_TYPE_UBIGINT:
      return static_cast<uint64_t*>(data)[row];
    case DUCKDB_TYPE_FLOAT:
      return static_cast<double>(static_cast<float*>(data)[row]);
    case DUCKDB_TYPE_DOUBLE:
      return static_cast<double*>(data)[row];
    case DUCKDB_TYPE_HUGEINT:
      return HugeToJson(static_cast<duckdb_hugeint*>(data)[row]);
    case DUCKDB_TYPE_UHUGEINT: {
      duckdb_uhugeint v = static_cast<duckdb_uhugeint*>(data)[row];
      if (v.upper == 0) return v.lower;
      return duckdb_uhugeint_to_double(v);
    }
    case DUCKDB_TYPE_DECIMAL: {
      const double scale = std::pow(10.0, duckdb_decimal_scale(type));
      switch (duckdb_decimal_internal_type(type)) {
        case DUCKDB_TYPE_SMALLINT:
          return static_cast<int16_t*>(data)[row] / scale;
        case DUCKDB_TYPE_INTEGER:
          return static_cast<int32_t*>(data)[row] / scale;
        case DUCKDB_TYPE_BIGINT:
          return static_cast<double>(static_cast<int64_t*>(data)[row]) / scale;
        default:
          return HugeToDouble(static_cast<duckdb_hugeint*>(data)[row]) / scale;
      }
    }
    case DUCKDB_TYPE_VARCHAR:
      return StringOf(&static_cast<duckdb_string_t*>(data)[row]);
    case DUCKDB_TYPE_BLOB:
      return HexEscape(StringOf(&static_cast<duckdb_string_t*>(data)[row]));
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_TZ:
      return FormatTimestampMicros(static_cast<int64_t*>(data)[row]);
    case DUCKDB_TYPE_TIMESTAMP_S:
      return FormatTimestampMicros(static_cast<int64_t*>(data)[row] * 1'000'000);
    case DUCKDB_TYPE_TIMESTAMP_MS:
      return FormatTimestampMicros(static_cast<int64_t*>(data)[row] * 1'000);
    case DUCKDB_TYPE_TIMESTAMP_NS:
      return FormatTimestampMicros(static_cast<int64_t*>(data)[row] / 1'000);
    case DUCKDB_TYPE_DATE:
      return FormatDate(static_cast<int32_t*>(data)[row]);
    case DUCKDB_TYPE_TIME:
      return FormatTimeOfDay(static_cast<int64_t*>(data)[row]);
    case DUCKDB_TYPE_INTERVAL: {
      duckdb_interval v = static_cast<duckdb_interval*>(data)[row];
      return fmt::format("{} months {} days {} us", v.months, v.days, v.micros);
    }
    case DUCKDB_TYPE_UUID: {
      // Stored as a hugeint with the top bit flipped so that ordering matches the text form.
      duckdb_hugeint v = static_cast<duckdb_hugeint*>(data)[row];
      uint64_t upper = static_cast<uint64_t>(v.upper) ^ (uint64_t{1} << 63);
      std::string hex = fmt::format("{:016x}{:016x}", upper, v.lower);
      return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
             hex.substr(16, 4) + "-" + hex.substr(20);
    }
    case DUCKDB_TYPE_ENUM: {
      uint64_t index = 0;
      switch (duckdb_enum_internal_type(type)) {
        case DUCKDB_TYPE_UTINYINT:
          index = static_cast<uint8_t*>(data)[row];
          break;
        case DUCKDB_TYPE_USMALLINT:
          index = static_cast<uint16_t*>(data)[row];
          break;
        default:
          index = static_cast<uint32_t*>(data)[row];
          break;
      }
      char* text = duckdb_enum_dictionary_value(type, index);
      std::string value = text ? text : "";
      duckdb_free(text);
      return value;
    }
    case DUCKDB_TYPE_LIST: {
      duckdb_list_entry entry = static_cast<duckdb_list_entry*>(data)[row];
      LogicalType child_type(duckdb_list_type_child_type(type));
      return ListToJson(duckdb_list_vector_get_child(vector), child_type.get(), entry.offset,
                        entry.length);
    }
    case DUCKDB_TYPE_ARRAY: {
      const idx_t size = duckdb_array_type_array_size(type);
      LogicalType child_type(duckdb_array_type_child_type(type));
      return ListToJson(duckdb_array_vector_get_child(vector), child_type.get(), row * size, size);
    }
    case DUCKDB_TYPE_STRUCT: {
      nlohmann::json out = nlohmann::json::object();
      const idx_t count = duckdb_struct_type_child_count(type);
      for (idx_t i = 0; i < count; ++i) {
        char* name = duckdb_struct_type_child_name(type, i);
        LogicalType child_type(duckdb_struct_type_child_type(type, i));
        out[name ? name : ""] =
            CellToJson(duckdb_struct_vector_get_child(vector, i), child_type.get(), row);
        duckdb_free(name);
      }
      return out;
    }
    case DUCKDB_TYPE_MAP: {
      // A MAP is a LIST of STRUCT(key, value): an object when every key is a string, else pairs.
      duckdb_list_entry entry = static_cast<duckdb_list_entry*>(data)[row];
      duckdb_vector entries = duckdb_list_vector_get_child(vector);
      LogicalType key_type(duckdb_map_type_key_type(type));
      LogicalType value_type(duckdb_map_type_value_type(type));
      duckdb_vector keys = duckdb_struct_vector_get_child(entries, 0);
      duckdb_vector values = duckdb_struct_vector_get_child(entries, 1);
      nlohmann::json object = nlohmann::json::object();
      nlohmann::json pairs = nlohmann::json::array();
      bool string_keys = true;
      for (idx_t i = 0; i < entry.length; ++i) {
        nlohmann::json key = CellToJson(keys, key_type.get(), entry.offset + i);
        nlohmann::json value = CellToJson(values, value_type.get(), entry.offset + i);
        if (key.is_string()) object[key.get<std::string>()] = value;
        string_keys = string_keys && key.is_string();
        pairs.push_back(nlohmann::json::array({key, value}));
      }
      return string_keys ? object : pairs;
    }
    default:
      return fmt::format("<unsupported type {}>", static_cast<int>(duckdb_get_type_id(type)));
  }
}

Result<Table> Materialize(duckdb_result& result) {
  Table table;
  const idx_t columns = duckdb_column_count(&result);
  std::vector<std::unique_ptr<LogicalType>> types;
  for (idx_t c = 0; c < columns; ++c) {
    const char* name = duckdb_column_name(&result, c);
    table.columns.emplace_back(name ? name : "");
    types.push_back(std::make_unique<LogicalType>(duckdb_column_logical_type(&result, c)));
  }
  while (true) {
    duckdb_data_chunk chunk = duckdb_fetch_chunk(result);
    if (!chunk) break;
    const idx_t size = duckdb_data_chunk_get_size(chunk);
    if (size == 0) {
      duckdb_destroy_data_chunk(&chunk);
      break;
    }
    const size_t first = table.rows.size();
    table.rows.resize(first + size, std::vector<nlohmann::json>(columns));
    for (idx_t c = 0; c < columns; ++c) {
      duckdb_vector vector = duckdb_data_chunk_get_vector(chunk, c);
      for (idx_t r = 0; r < size; ++r) {
        table.rows[first + r][c] = CellToJson(vector, types[c]->get(), r);
      }
    }
    duckdb_destroy_data_chunk(&chunk);
  }
  return table;
}

// ----- formatting ------------------------------------------------------------------------------

std::string FormatNumber(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (value == 0) return "0";
  const double magnitude = std::fabs(value);
  if (magnitude >= 1e15 || magnitude < 1e-4) return fmt::format("{:.4e}", value);
  // Six significant digits, never an exponent, trailing zeros removed.
  const int before_point =
      magnitude >= 1 ? static_cast<int>(std::floor(std::log10(magnitude))) + 1 : 0;
  int decimals = std::clamp(6 - before_point, 0, 6);
  if (magnitude < 1)
    decimals = std::min(8, 6 - static_cast<int>(std::floor(std::log10(magnitude))) - 1);
  std::string text = fmt::format("{:.{}f}", value, decimals);
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  return text;
}

std::string CellText(const nlohmann::json& cell) {
  if (cell.is_null()) return "NULL";
  if (cell.is_string()) return cell.get<std::string>();
  if (cell.is_boolean()) return cell.get<bool>() ? "true" : "false";
  if (cell.is_number_integer())
    return cell.is_number_unsigned() ? std::to_string(cell.get<uint64_t>())
                                     : std::to_string(cell.get<int64_t>());
  if (cell.is_number_float()) return FormatNumber(cell.get<double>());
  return cell.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Display width: UTF-8 code points (continuation bytes do not count).
size_t DisplayWidth(const std::string& text) {
  size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80 ? 1 : 0;
  return width;
}

}  // namespace

// ----- Table -----------------------------------------------------------------------------------

std::optional<size_t> Table::Column(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) return i;
  }
  return std::nullopt;
}

nlohmann::json Table::ToJson() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& row : rows) {
    nlohmann::json object = nlohmann::json::object();
    for (size_t c = 0; c < columns.size() && c < row.size(); ++c) object[columns[c]] = row[c];
    out.push_back(std::move(object));
  }
  return out;
}

std::string Table::Format() const {
  std::vector<std::vector<std::string>> cells;
  std::vector<size_t> widths(columns.size(), 0);
  std::vector<bool> numeric(columns.size(), true);
  for (size_t c = 0; c < columns.size(); ++c) widths[c] = DisplayWidth(columns[c]);
  for (const auto& row : rows) {
    std::vector<std::string> line;
    for (size_t c = 0; c < columns.size(); ++c) {
      const nlohmann::json& cell = c < row.size() ? row[c] : nlohmann::json();
      std::string text = CellText(cell);
      std::replace(text.begin(), text.end(), '\n', ' ');
      if (!cell.is_null() && !cell.is_number()) numeric[c] = false;
      widths[c] = std::max(widths[c], DisplayWidth(text));
      line.push_back(std::move(text));
    }
    cells.push_back(std::move(line));
  }
  auto pad = [&](std::string& out, const std::string& text, size_t c) {
    const size_t fill = widths[c] - DisplayWidth(text);
    if (numeric[c]) out.append(fill, ' ');
    out += text;
    if (!numeric[c] && c + 1 < columns.size()) out.append(fill, ' ');
  };
  std::string out;
  for (size_t c = 0; c < columns.size(); ++c) {
    if (c > 0) out += "  ";
    pad(out, columns[c], c);
  }
  out += '\n';
  for (size_t c = 0; c < columns.size(); ++c) {
    if (c > 0) out += "  ";
    out.append(widths[c], '-');
  }
  out += '\n';
  for (const auto& line : cells) {
    for (size_t c = 0; c < line.size(); ++c) {
      if (c > 0) out += "  ";
      pad(out, line[c], c);
    }
    out += '\n';
  }
  out += fmt::format("({} row{})\n", rows.size(), rows.size() == 1 ? "" : "s");
  return out;
}

// ----- Database --------------------------------------------------------------------------------

struct Database::Impl {
  std::shared_ptr<SharedInstance> instance;
  duckdb_connection connection = nullptr;

  ~Impl() {
    if (connection) duckdb_disconnect(&connection);
    instance.reset();
  }

  std::string Context(std::string_view sql) const { return " (in: " + ShortSql(sql) + ")"; }
};

Result<std::unique_ptr<Database>> Database::Open(const std::string& path,
                                                 const OpenOptions& options) {
  if (const char* version = duckdb_library_version(); kPinnedDuckdbVersion != version) {
    return Status::Error(fmt::format(
        "the DuckDB library loaded is {} but inferbench is pinned to {}: install the pinned "
        "libduckdb (scripts/setup) so warehouse files stay readable",
        version, kPinnedDuckdbVersion));
  }
  if (path.empty()) return Status::Error("no warehouse path given (pass --warehouse FILE)");
  std::error_code ec;
  const std::string absolute = std::filesystem::absolute(path, ec).lexically_normal().string();
  const bool exists = std::filesystem::exists(absolute, ec);
  const bool write = options.mode == AccessMode::kReadWrite;
  if (!exists) {
    if (!write) {
      return Status::Error(
          "cannot open the warehouse " + path +
          " read-only: the file does not exist (no run has been stored there yet)");
    }
    if (!options.create) {
      return Status::Error("the warehouse " + path +
                           " does not exist (nothing to open; create it first)");
    }
    std::filesystem::path parent = std::filesystem::path(absolute).parent_path();
    if (!parent.empty()) {
      std::filesystem::create_directories(parent, ec);
      if (ec) {
        return Status::Error("cannot create the directory " + parent.string() +
                             " for the warehouse " + path + ": " + ec.message());
      }
    }
  } else if (std::filesystem::is_directory(absolute, ec)) {
    return Status::Error("the warehouse path " + path + " is a directory, not a DuckDB file");
  }

  const auto start = std::chrono::steady_clock::now();
  const auto deadline =
      start + std::chrono::nanoseconds(std::max<int64_t>(0, options.lock_wait_ns));
  auto backoff = std::chrono::milliseconds(20);
  std::shared_ptr<SharedInstance> instance;
  std::string busy;
  Config config(options.mode);
  while (true) {
    std::shared_ptr<SharedInstance> unusable;  // released after the lock (its deleter locks too)
    {
      std::lock_guard<std::recursive_mutex> lock(RegistryMutex());
      auto& registry = Registry();
      std::shared_ptr<SharedInstance> existing;
      if (auto it = registry.find(absolute); it != registry.end()) existing = it->second.lock();
      if (existing) {
        if (existing->mode == AccessMode::kReadWrite || !write) {
          instance = std::move(existing);
        } else {
          busy = "this process still has it open read-only";
          unusable = std::move(existing);
        }
      } else {
        duckdb_database db = nullptr;
        char* error = nullptr;
        if (duckdb_open_ext(absolute.c_str(), &db, config.get(), &error) == DuckDBSuccess) {
          instance = MakeInstance(db, options.mode);
          registry[absolute] = instance;
        } else {
          std::string message = error ? error : "unknown error";
          duckdb_free(error);
          if (!IsLockConflict(message)) {
            if (message.find("not a valid DuckDB database") != std::string::npos) {
              return Status::Error("the file " + path +
                                   " is not a DuckDB database: point --warehouse at the "
                                   "inferbench warehouse file, or move this file away");
            }
            return Status::Error("cannot open the warehouse " + path + ": " + message);
          }
          busy = "locked by " + LockHolder(message);
        }
      }
    }
    if (instance) break;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      const double waited = std::chrono::duration<double>(now - start).count();
      return Status::Error(fmt::format(
          "{}: {} is {}; waited {:.1f}s — try again when that process is done (a run keeps its "
          "evidence and can be ingested later with `inferbench warehouse ingest RUN_DIR`)",
          kLockTimeout, path, busy, waited));
    }
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(backoff, deadline - now));
    backoff = std::min(backoff * 2, std::chrono::milliseconds(200));
  }

  auto impl = std::make_unique<Impl>();
  impl->instance = std::move(instance);
  if (duckdb_connect(impl->instance->db, &impl->connection) != DuckDBSuccess) {
    return Status::Error("cannot connect to the warehouse " + path);
  }
  std::unique_ptr<Database> db(new Database());
  db->path_ = path;
  db->read_only_ = !write;
  db->impl_ = std::move(impl);
  if (write) {
    if (options.migrate) {
      if (Status migrated = Migrate(*db); !migrated.ok()) return migrated;
    }
  } else {
    auto version = SchemaVersion(*db);
    if (!version.ok()) return version.status();
    if (*version > kSchemaVersion) {
      return Status::Error(fmt::format(
          "the warehouse {} has schema version {}, newer than this inferbench understands ({}): "
          "use a newer inferbench",
          path, *version, kSchemaVersion));
    }
  }
  return db;
}

Result<std::unique_ptr<Database>> Database::OpenInMemory() {
  if (const char* version = duckdb_library_version(); kPinnedDuckdbVersion != version) {
    return Status::Error(
        fmt::format("the DuckDB library loaded is {} but inferbench is pinned to {}", version,
                    kPinnedDuckdbVersion));
  }
  Config config(AccessMode::kReadWrite);
  duckdb_database raw = nullptr;
  char* error = nullptr;
  if (duckdb_open_ext(nullptr, &raw, config.get(), &error) != DuckDBSuccess) {
    std::string message = error ? error : "unknown error";
    duckdb_free(error);
    return Status::Error("cannot open an in-memory DuckDB database: " + message);
  }
  auto impl = std::make_unique<Impl>();
  impl->instance = std::shared_ptr<SharedInstance>(new SharedInstance{raw, AccessMode::kReadWrite},
                                                   [](SharedInstance* s) {
                                                     duckdb_close(&s->db);
                                                     delete s;
                                                   });
  if (duckdb_connect(impl->instance->db, &impl->connection) != DuckDBSuccess) {
    return Status::Error("cannot connect to an in-memory DuckDB database");
  }
  std::unique_ptr<Database> db(new Database());
  db->path_ = ":memory:";
  db->read_only_ = false;
  db->impl_ = std::move(impl);
  return db;
}

Database::~Database() = default;

namespace {

class ResultHolder {
 public:
  ResultHolder() = default;
  ~ResultHolder() { duckdb_destroy_result(&result_); }
  ResultHolder(const ResultHolder&) = delete;
  ResultHolder& operator=(const ResultHolder&) = delete;
  duckdb_result* get() { return &result_; }
  std::string Error() {
    const char* error = duckdb_result_error(&result_);
    return error ? error : "unknown error";
  }

 private:
  duckdb_result result_{};
};

class PreparedHolder {
 public:
  PreparedHolder() = default;
  ~PreparedHolder() { duckdb_destroy_prepare(&statement_); }
  PreparedHolder(const PreparedHolder&) = delete;
  PreparedHolder& operator=(const PreparedHolder&) = delete;
  duckdb_prepared_statement* ptr() { return &statement_; }
  duckdb_prepared_statement get() const { return statement_; }

 private:
  duckdb_prepared_statement statement_ = nullptr;
};

Status Bind(duckdb_prepared_statement statement, const std::vector<Value>& params) {
  const idx_t expected = duckdb_nparams(statement);
  if (expected != params.size()) {
    return Status::Error(fmt::format("the statement takes {} parameter(s) but {} were given",
                                     expected, params.size()));
  }
  for (size_t i = 0; i < params.size(); ++i) {
    const idx_t index = i + 1;
    duckdb_state state = DuckDBSuccess;
    if (std::holds_alternative<std::nullptr_t>(params[i])) {
      state = duckdb_bind_null(statement, index);
    } else if (const bool* b = std::get_if<bool>(&params[i])) {
      state = duckdb_bind_boolean(statement, index, *b);
    } else if (const int64_t* n = std::get_if<int64_t>(&params[i])) {
      state = duckdb_bind_int64(statement, index, *n);
    } else if (const double* d = std::get_if<double>(&params[i])) {
      state = std::isnan(*d) ? duckdb_bind_null(statement, index)
                             : duckdb_bind_double(statement, index, *d);
    } else {
      const std::string& s = std::get<std::string>(params[i]);
      state = duckdb_bind_varchar_length(statement, index, s.data(), s.size());
    }
    if (state != DuckDBSuccess)
      return Status::Error(fmt::format("cannot bind parameter {}", index));
  }
  return Status::Ok();
}

}  // namespace

Status Database::Execute(std::string_view sql) {
  ResultHolder result;
  const std::string text(sql);
  if (duckdb_query(impl_->connection, text.c_str(), result.get()) != DuckDBSuccess) {
    return Status::Error("warehouse " + path_ + ": " + result.Error() + impl_->Context(sql));
  }
  return Status::Ok();
}

Result<Table> Database::Query(std::string_view sql, const std::vector<Value>& params) {
  const std::string text(sql);
  ResultHolder result;
  if (params.empty()) {
    if (duckdb_query(impl_->connection, text.c_str(), result.get()) != DuckDBSuccess) {
      return Status::Error("warehouse " + path_ + ": " + result.Error() + impl_->Context(sql));
    }
  } else {
    PreparedHolder statement;
    if (duckdb_prepare(impl_->connection, text.c_str(), statement.ptr()) != DuckDBSuccess) {
      const char* error = duckdb_prepare_error(statement.get());
      return Status::Error("warehouse " + path_ + ": " + (error ? error : "cannot prepare") +
                           impl_->Context(sql));
    }
    if (Status bound = Bind(statement.get(), params); !bound.ok()) {
      return Status::Error("warehouse " + path_ + ": " + bound.message() + impl_->Context(sql));
    }
    if (duckdb_execute_prepared(statement.get(), result.get()) != DuckDBSuccess) {
      return Status::Error("warehouse " + path_ + ": " + result.Error() + impl_->Context(sql));
    }
  }
  return Materialize(*result.get());
}

Status Database::ExecuteParams(std::string_view sql, const std::vector<Value>& params) {
  if (params.empty()) return Execute(sql);
  const std::string text(sql);
  PreparedHolder statement;
  if (duckdb_prepare(impl_->connection, text.c_str(), statement.ptr()) != DuckDBSuccess) {
    const char* error = duckdb_prepare_error(statement.get());
    return Status::Error("warehouse " + path_ + ": " + (error ? error : "cannot prepare") +
                         impl_->Context(sql));
  }
  if (Status bound = Bind(statement.get(), params); !bound.ok()) {
    return Status::Error("warehouse " + path_ + ": " + bound.message() + impl_->Context(sql));
  }
  ResultHolder result;
  if (duckdb_execute_prepared(statement.get(), result.get()) != DuckDBSuccess) {
    return Status::Error("warehouse " + path_ + ": " + result.Error() + impl_->Context(sql));
  }
  return Status::Ok();
}

Status Database::Begin() { return Execute("BEGIN TRANSACTION"); }
Status Database::Commit() { return Execute("COMMIT"); }
Status Database::Rollback() { return Execute("ROLLBACK"); }

// ----- Appender --------------------------------------------------------------------------------

struct Appender::Impl {
  duckdb_appender appender = nullptr;
  std::string table;
  std::string path;
  std::string error;  // the first failure, reported by EndRow/Close

  ~Impl() {
    if (appender) duckdb_appender_destroy(&appender);
  }
  void Check(duckdb_state state) {
    if (state != DuckDBSuccess && error.empty()) {
      const char* message = duckdb_appender_error(appender);
      error = message ? message : "append failed";
    }
  }
  // Runs one appender step (end row, flush, close) unless an earlier one failed; the first
  // failure, naming the table.
  Status Step(duckdb_state (*step)(duckdb_appender)) {
    if (error.empty()) Check(step(appender));
    if (!error.empty()) return Status::Error("warehouse " + path + ": appending to " + table + ": " + error);
    return Status::Ok();
  }
};

Result<std::unique_ptr<Appender>> Database::Append(std::string_view table) {
  auto impl = std::make_unique<Appender::Impl>();
  impl->table = std::string(table);
  impl->path = path_;
  if (duckdb_appender_create(impl_->connection, nullptr, impl->table.c_str(), &impl->appender) !=
      DuckDBSuccess) {
    const char* error = impl->appender ? duckdb_appender_error(impl->appender) : nullptr;
    return Status::Error("warehouse " + path_ + ": cannot append to table " + impl->table + ": " +
                         (error ? error : "unknown table"));
  }
  return std::make_unique<Appender>(std::move(impl));
}

Appender::Appender(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Appender::~Appender() = default;

void Appender::Add(std::nullptr_t) { impl_->Check(duckdb_append_null(impl_->appender)); }
void Appender::Add(bool value) { impl_->Check(duckdb_append_bool(impl_->appender, value)); }
void Appender::Add(int64_t value) { impl_->Check(duckdb_append_int64(impl_->appender, value)); }
void Appender::Add(double value) {
  impl_->Check(std::isnan(value) ? duckdb_append_null(impl_->appender)
                                 : duckdb_append_double(impl_->appender, value));
}
void Appender::Add(std::string_view value) {
  impl_->Check(duckdb_append_varchar_length(impl_->appender, value.data(), value.size()));
}
void Appender::AddTimestampMicros(int64_t micros_since_epoch) {
  impl_->Check(duckdb_append_timestamp(impl_->appender, duckdb_timestamp{micros_since_epoch}));
}

Status Appender::EndRow() { return impl_->Step(duckdb_appender_end_row); }

Status Appender::Flush() { return impl_->Step(duckdb_appender_flush); }

Status Appender::Close() { return impl_->Step(duckdb_appender_close); }

}  // namespace inferbench::warehouse
