// Whole files as bytes, for tests that read what a binary wrote or plant
// what it will read.
#pragma once

#include <string>

namespace memoria::testing {

// The file's bytes; empty if it cannot be read (the assertions on the
// contents then fail and say what was expected).
std::string ReadFileBytes(const std::string& path);
// Replaces the file's contents with `data`.
void WriteFileBytes(const std::string& path, const std::string& data);

}  // namespace memoria::testing
