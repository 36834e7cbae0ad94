#include "tools/bench/report.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace memoria::bench {
namespace {

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string FirstLineWith(const std::string& path, const std::string& prefix) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) {
      const size_t colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  }
  return "unknown";
}

}  // namespace

void Report::Add(Figure figure) { figures_.push_back(std::move(figure)); }

double Report::Value(const std::string& name) const {
  for (const Figure& f : figures_) {
    if (f.name == name) return f.value;
  }
  return 0;
}

void Report::Print() const {
  // One table per section, sections in the order they first appear.
  std::vector<std::string> sections;
  for (const Figure& f : figures_) {
    if (std::find(sections.begin(), sections.end(), f.section) == sections.end()) {
      sections.push_back(f.section);
    }
  }
  for (const std::string& section : sections) {
    std::printf("\n== %s\n", section.c_str());
    for (const Figure& f : figures_) {
      if (f.section != section) continue;
      std::printf("  %-62s %12.1f %-10s", f.name.c_str(), f.value, f.unit.c_str());
      if (f.limit_value && *f.limit_value > 0) {
        std::printf("  %5.2fx of %s", f.value / *f.limit_value, f.limit_name->c_str());
      }
      if (f.limit2_value && *f.limit2_value > 0) {
        std::printf("; %5.2fx of %s", f.value / *f.limit2_value, f.limit2_name->c_str());
      }
      if (f.target) std::printf("  [target %s: %s]", f.target->c_str(), f.target_met.value_or(false) ? "met" : "MISSED");
      std::printf("\n");
    }
  }
  std::fflush(stdout);
}

bool Report::WriteJson(const std::string& path,
                       const std::vector<std::pair<std::string, std::string>>& notes) const {
  std::ostringstream out;
  out.precision(12);
  out << "{\n  \"machine\": {";
  bool first = true;
  for (const auto& [key, value] : DescribeMachine(".")) {
    out << (first ? "" : ",") << "\n    " << JsonString(key) << ": " << JsonString(value);
    first = false;
  }
  out << "\n  },\n  \"notes\": {";
  first = true;
  for (const auto& [key, value] : notes) {
    out << (first ? "" : ",") << "\n    " << JsonString(key) << ": " << JsonString(value);
    first = false;
  }
  out << "\n  },\n  \"figures\": [";
  first = true;
  for (const Figure& f : figures_) {
    out << (first ? "" : ",") << "\n    {\"section\": " << JsonString(f.section)
        << ", \"name\": " << JsonString(f.name) << ", \"value\": " << f.value
        << ", \"unit\": " << JsonString(f.unit);
    if (f.limit_value) {
      out << ", \"limit\": " << JsonString(*f.limit_name) << ", \"limit_value\": " << *f.limit_value
          << ", \"ratio\": " << (*f.limit_value > 0 ? f.value / *f.limit_value : 0);
    }
    if (f.limit2_value) {
      out << ", \"limit2\": " << JsonString(*f.limit2_name) << ", \"limit2_value\": " << *f.limit2_value
          << ", \"ratio2\": " << (*f.limit2_value > 0 ? f.value / *f.limit2_value : 0);
    }
    if (f.target) {
      out << ", \"target\": " << JsonString(*f.target)
          << ", \"target_met\": " << (*f.target_met ? "true" : "false");
    }
    out << "}";
    first = false;
  }
  out << "\n  ]\n}\n";
  std::ofstream file(path);
  file << out.str();
  return static_cast<bool>(file);
}

std::vector<std::pair<std::string, std::string>> DescribeMachine(const std::string& data_dir) {
  std::vector<std::pair<std::string, std::string>> machine;
  machine.emplace_back("cores", std::to_string(std::thread::hardware_concurrency()));
  machine.emplace_back("cpu", FirstLineWith("/proc/cpuinfo", "model name"));
  machine.emplace_back("memory", FirstLineWith("/proc/meminfo", "MemTotal"));
  struct statvfs fs {};
  if (statvfs(data_dir.c_str(), &fs) == 0) {
    machine.emplace_back("disk_free_gib",
                         std::to_string(static_cast<double>(fs.f_bavail) * fs.f_frsize / (1 << 30)));
  }
  std::ifstream loadavg("/proc/loadavg");
  std::string one, five, fifteen;
  loadavg >> one >> five >> fifteen;
  machine.emplace_back("loadavg", one + " " + five + " " + fifteen);
  return machine;
}

}  // namespace memoria::bench
