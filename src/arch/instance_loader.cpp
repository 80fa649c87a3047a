// load_instance (arch/instance.h): prices and power of an instance, read as strictly as the
// chips (arch/toml_reader.h). The price bases are optional tables: a basis is listed only
// where a figure is published, so a missing one reads "no such price", never 0.
#include <fmt/format.h>

#include "arch/instance.h"
#include "arch/toml_reader.h"
#include "common/error.h"

namespace npulab::arch {
namespace {

constexpr const char* kInstanceDir = "instances";
constexpr const char* kPowerTable = "device_power";

DevicePower read_power(TomlTableReader r) {
  DevicePower p;
  p.busy_w = r.real("busy_w");
  p.busy_source = r.string("busy_source");
  p.busy_estimated = r.boolean("busy_estimated");
  p.idle_w = r.real("idle_w");
  p.idle_source = r.string("idle_source");
  p.idle_estimated = r.boolean("idle_estimated");
  r.finish();
  return p;
}

Price read_price(TomlTableReader r, PriceBasis b) {
  Price p;
  p.basis = b;
  p.usd_per_hour = r.real("usd_per_hour");
  p.date = r.string("date");
  p.source = r.string("source");
  r.finish();
  return p;
}

}  // namespace

std::string_view basis_table(PriceBasis b) {
  switch (b) {
    case PriceBasis::OnDemand: return "on_demand";
    case PriceBasis::CapacityBlock: return "capacity_block";
    case PriceBasis::Reserved: return "reserved";
    case PriceBasis::Tco: return "tco";
  }
  return "?";
}

std::string_view basis_label(PriceBasis b) {
  switch (b) {
    case PriceBasis::OnDemand: return "on-demand";
    case PriceBasis::CapacityBlock: return "capacity block";
    case PriceBasis::Reserved: return "reserved";
    case PriceBasis::Tco: return "owner's TCO";
  }
  return "?";
}

PriceBasis parse_price_basis(std::string_view name) {
  std::string n(name);
  for (char& c : n)
    if (c == '-') c = '_';
  for (PriceBasis b : kPriceBases)
    if (n == basis_table(b)) return b;
  fail("price basis '{}': expected one of on_demand, capacity_block, reserved, tco", name);
}

const Price* Instance::price(PriceBasis b) const {
  for (const Price& p : prices)
    if (p.basis == b) return &p;
  return nullptr;
}

Instance load_instance_from_string(std::string_view text, const std::string& path) {
  const toml::table root = parse_hw_text(text, path);
  std::vector<std::string> optional{kPowerTable};
  for (PriceBasis b : kPriceBases) optional.emplace_back(basis_table(b));
  check_top_level(path, root, {"instance"}, optional);
  Instance in;
  in.source_file = path;
  {
    TomlTableReader r(path, root, "instance");
    in.name = r.string("name");
    in.description = r.string("description");
    in.device = r.string("device");
    in.devices = r.u32("devices");
    r.finish();
  }
  if (root.contains(kPowerTable)) in.power = read_power({path, root, kPowerTable});
  for (PriceBasis b : kPriceBases)
    if (root.contains(basis_table(b))) in.prices.push_back(read_price({path, root, std::string(basis_table(b))}, b));
  return in;
}

Instance load_instance(const std::string& path) { return load_instance_from_string(read_hw_file(path), path); }

Instance load_instance_by_name(const std::string& name_or_path, const ChipSearchPath& path) {
  return load_instance(resolve_hw_file("instance", name_or_path, path, kInstanceDir));
}

std::vector<std::string> instance_names(const ChipSearchPath& path) { return hw_names(path, kInstanceDir); }

std::vector<Instance> instances_of_device(const std::string& device, const ChipSearchPath& path) {
  std::vector<Instance> out;
  for (const std::string& n : instance_names(path)) {
    Instance in = load_instance_by_name(n, path);
    if (in.device == device) out.push_back(std::move(in));
  }
  return out;
}

}  // namespace npulab::arch
