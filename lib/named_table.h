#ifndef NET_BENCH_LIB_NAMED_TABLE_H_
#define NET_BENCH_LIB_NAMED_TABLE_H_

// The vocabularies (modes, receive modes, patterns, ...) are each one table
// of rows with a `name`: these look a row up by its name and list the names
// for help and error messages, the same way for every table.

#include <string>
#include <string_view>

namespace netbench {

// The row named `name`, or null.
template <typename Table>
const auto* FindByName(const Table& table, std::string_view name) {
  for (const auto& row : table)
    if (row.name == name) return &row;
  return static_cast<decltype(&*table.begin())>(nullptr);
}

// "A, B, C": the rows' names in the table's order.
template <typename Table>
std::string JoinNames(const Table& table) {
  std::string out;
  for (const auto& row : table) {
    if (!out.empty()) out += ", ";
    out += row.name;
  }
  return out;
}

}  // namespace netbench

#endif  // NET_BENCH_LIB_NAMED_TABLE_H_
